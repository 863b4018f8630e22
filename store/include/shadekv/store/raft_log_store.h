// RaftLogStore: the Raft log, hard state and snapshot metadata of one member,
// durable in LevelDB, read back by the Raft core through raft::Storage.
//
// It lives in its own LevelDB database (the agent opens `<data-dir>/raft`),
// apart from the MVCC keyspace, with the format marker "shadekv-raftlog/1".
// Byte layouts: store/raft_log_codec.h.
//
// Writer side: the agent's Ready loop performs step 1 of a raft::Ready ("persist")
// with one Persist() call: snapshot meta, entries and hard state go to disk in
// ONE LevelDB write batch, fsynced when the batch says so. A crash therefore
// leaves either all of a batch or none of it, and "persist before you send"
// holds as soon as Persist() returns OK with sync set.
//
// Group commit. A sync costs one write(2) plus one fdatasync of LevelDB's log
// file, whatever the batch holds, so durability is paid per batch, not per
// entry:
//  - the Ready model batches: while the loop waits in Persist(), new proposals
//    and appends pile up in the core and the next Ready carries all of them,
//    so under load the batch grows and the syncs per entry fall by itself;
//  - Persist(sync=false) skips the fdatasync; Ready.must_sync is false when
//    nothing a promise depends on changed (e.g. only the commit index moved);
//  - LevelDB itself merges concurrent writers into one log write and one sync,
//    but this class has one writer by contract (below), so that path is not
//    used: batching happens in the Ready loop instead.
// bench/store_bench.cc measures it (docs/benchmarks.md, "Store"): with sync,
// 1 entry per Persist gave 180-280 entries/s (one 3.6-5.6 ms fdatasync each),
// 64 entries per Persist 12,000-17,000 entries/s at the same latency.
//
// Reader side: FirstIndex/LastIndex and Term() answer from memory (a vector of
// terms, 8 bytes per entry, rebuilt by one scan at Open); Entries() answers
// from a bounded cache of the newest entries when it can and from LevelDB
// otherwise.
//
// Thread-safety: none. One thread (the one driving raft::RawNode) owns the
// store and makes every call, reads and writes alike, as raft::Storage requires.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/raft/storage.h"
#include "shadekv/raft/types.h"

namespace leveldb {
class DB;
class WriteBatch;
}  // namespace leveldb

namespace shadekv::store {

class RaftEntryCache;

// The LevelDB format marker of a Raft log directory. Never change it.
inline constexpr char kRaftLogFormat[] = "shadekv-raftlog/1";

struct RaftLogStoreOptions {
  // Create the database when the directory has none. With false, a missing
  // directory is kFailedPrecondition (a member that expects existing state).
  bool create_if_missing = true;
  // Entry cache bounds (newest entries, served to Entries() without LevelDB).
  // 0 entries disables the cache.
  size_t cache_max_entries = 1024;
  size_t cache_max_bytes = 4 << 20;
  // LevelDB memtable size before it is flushed to a table file.
  size_t write_buffer_bytes = 4 << 20;
};

// Everything one Ready asks to persist. Applied in this order, all-or-nothing.
struct PersistBatch {
  // A snapshot received from the leader. Its index must be newer than the
  // current snapshot. When the log holds an entry at snapshot->index with
  // snapshot->term, entries up to it are discarded and the rest are kept;
  // otherwise the whole log is discarded. The membership recorded for
  // LoadInitialState becomes snapshot->conf_state. The image itself is the
  // host's to install (in the MVCC store).
  std::optional<raft::SnapshotMeta> snapshot;
  // Contiguous entries to append. Appending at index i first removes every
  // entry >= i (a conflicting suffix). entries.front().index must be in
  // (snapshot index, LastIndex() + 1], as of after `snapshot` is installed.
  // Terms must not decrease, within the batch or from the entry before it.
  std::vector<raft::Entry> entries;
  // New hard state. Its term must not be below the persisted term.
  std::optional<raft::HardState> hard_state;
  // Membership the host has just put in force by applying a conf-change
  // entry, reported by LoadInitialState after a restart.
  std::optional<raft::ConfState> conf_state;
  // fdatasync before returning (Ready.must_sync). Without it a machine crash
  // may lose the batch (a process crash does not).
  bool sync = true;
};

class RaftLogStore : public raft::Storage {
 public:
  // Opens the Raft log database in directory `dir` (the agent passes
  // `<data-dir>/raft`; the parent must exist), reads the hard state, membership
  // and snapshot metadata, and scans the log once to rebuild the term index.
  // Errors:
  //  - kFailedPrecondition: `dir` holds another LevelDB database or another
  //    shadekv format (e.g. the kv store), or is missing and
  //    options.create_if_missing is false;
  //  - kUnavailable: another process has it open (LevelDB's lock), or I/O error;
  //  - kDataLoss: LevelDB reports corruption, a value does not decode, or the
  //    log has a hole or terms going backwards. The message names the key.
  static Result<std::unique_ptr<RaftLogStore>> Open(const std::string& dir,
                                                    const RaftLogStoreOptions& options = {});

  ~RaftLogStore() override;
  RaftLogStore(const RaftLogStore&) = delete;
  RaftLogStore& operator=(const RaftLogStore&) = delete;

  // ---- Writer side (the Ready loop) ----

  // Writes `batch` as one LevelDB write batch (see PersistBatch for order and
  // rules), synced when batch.sync. On success the reader side reflects it.
  // Bad input changes nothing, on disk or in memory:
  //  - kInvalidArgument: entries not contiguous, starting beyond LastIndex()+1
  //    or at/below the snapshot index, with decreasing terms, or with data over
  //    4 GiB;
  //  - kFailedPrecondition: hard_state.term below the persisted term, or a
  //    snapshot not newer than the current one;
  //  - kUnavailable / kDataLoss: the write failed (LevelDB error); the memory
  //    view is unchanged, but what reached the disk is unknown: stop the member.
  Status Persist(const PersistBatch& batch);

  // Discards entries <= index after the host took a snapshot described by
  // meta, and records meta for GetSnapshot(). The host may keep a tail of
  // entries the snapshot also covers (for slow followers): index <=
  // meta.index. Synced. Requires index in (FirstIndex()-1, LastIndex()] and
  // meta.index in [index, LastIndex()] with meta.term == Term(meta.index).
  // Errors: compacted (kOutOfRange, raft::IsCompacted) when index <=
  // FirstIndex()-1; kInvalidArgument for the other violations; write errors as
  // for Persist. Bad input changes nothing.
  Status Compact(uint64_t index, const raft::SnapshotMeta& meta);

  // Sets where GetSnapshot() gets the snapshot image: a callback returning the
  // host's state machine image as of the recorded snapshot meta's index (or
  // kUnavailable when it is not ready, which makes the core retry later).
  // Called synchronously from GetSnapshot() on the owning thread; whatever it
  // captures must outlive the store or the next SetSnapshotDataProvider().
  void SetSnapshotDataProvider(std::function<Result<std::string>()> provider);

  // ---- raft::Storage (reader side) ----

  // Persisted hard state (zero when none) and the membership: the latest of
  // the installed snapshot's and the last PersistBatch::conf_state.
  Result<raft::InitialState> LoadInitialState() const override;
  Result<std::vector<raft::Entry>> Entries(uint64_t lo, uint64_t hi,
                                           uint64_t max_bytes) const override;
  Result<uint64_t> Term(uint64_t index) const override;
  uint64_t FirstIndex() const override;
  uint64_t LastIndex() const override;
  // The recorded snapshot meta plus the provider's image. An empty Snapshot
  // when there has never been a snapshot; kUnavailable when no provider is set
  // (or the provider says so); the provider's other errors are passed on.
  Result<raft::Snapshot> GetSnapshot() const override;

  // ---- Introspection (tests, metrics) ----

  const raft::HardState& hard_state() const { return hard_state_; }
  const raft::SnapshotMeta& snapshot_meta() const { return snapshot_meta_; }
  const std::string& dir() const { return dir_; }

 private:
  RaftLogStore(std::string dir, std::unique_ptr<leveldb::DB> db,
               const RaftLogStoreOptions& options);

  Status Load();
  Status LoadLog();
  Status ReadEntriesFromDb(uint64_t lo, uint64_t hi, uint64_t max_bytes,
                           std::vector<raft::Entry>* out) const;
  Status Write(leveldb::WriteBatch* batch, bool sync, const std::string& what);

  // Fixed after construction.
  const std::string dir_;
  std::unique_ptr<leveldb::DB> db_;

  // In-memory mirror of what is on disk; changed only after a write succeeds.
  raft::HardState hard_state_;
  raft::ConfState conf_state_;
  raft::SnapshotMeta snapshot_meta_;  // for GetSnapshot(); index 0 when none
  uint64_t base_index_ = 0;           // last discarded entry: FirstIndex() - 1
  uint64_t base_term_ = 0;
  std::vector<uint64_t> terms_;  // terms_[i] is the term of entry base_index_ + 1 + i
  std::function<Result<std::string>()> snapshot_provider_;
  std::unique_ptr<RaftEntryCache> cache_;
};

}  // namespace shadekv::store
