// MvccStore: the etcd v3 key-value state machine on LevelDB.
//
// Every write arrives as one committed Raft entry through Apply(), which
// performs the entry in one LevelDB WriteBatch together with the entry's Raft
// index, so a crash never applies an entry twice or half. Reads (Range,
// Changes, HashKv, ExportSnapshot) run against LevelDB snapshots and may run
// on many threads while one thread applies.
//
// Semantics follow etcd 3.4 (see /work/shared/ETCD-NOTES.md "KV semantics"):
// revisions, versions, range_end rules, limit/more/count, sorting, filters,
// txn compares and the duplicate-key rule, compaction errors and messages.
//
// Threads: Open/RestoreFromSnapshot are static. Apply and MarkApplied must be
// called from one thread at a time (the apply thread). CompactStep must be
// called from one thread at a time (it may be another thread than the apply
// thread). Everything else is const and may be called from any thread at any
// time, concurrently with Apply and CompactStep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"

namespace leveldb {
class DB;
class Snapshot;
}  // namespace leveldb

namespace shadekv::store {

// A caller-owned persistent entry written in the same batch as an applied
// entry (leases, auth, membership: state that must move atomically with the
// applied index). Lives in its own namespace, never visible to Range.
// `value` nullopt deletes the entry.
struct MetaWrite {
  std::string key;
  std::optional<std::string> value;
};

// One committed Raft entry's effect on the store. `op` monostate means the
// entry changes no key (only `meta`, possibly nothing).
struct WriteRequest {
  std::variant<std::monostate, PutRequest, DeleteRangeRequest, TxnRequest, CompactionRequest,
               DeleteKeysRequest>
      op;
  std::vector<MetaWrite> meta;  // written only when `op` succeeds
  // The lease layer's answer to "does lease L exist now?", asked for every
  // put naming a lease (without ignore_lease) that actually runs: a top-level
  // put, or a put on the txn branch taken, as etcd's applier does. A put
  // whose lease does not exist fails the whole request with kNotFound
  // "etcdserver: requested lease not found". Null: every lease exists.
  std::function<bool(int64_t lease)> lease_exists;
  // Opaque caller bytes kept with the revision this entry makes (the agent
  // stores who made the change and when), written in the same batch iff the
  // entry makes a revision; empty stores nothing. Returned with the revision
  // by Apply and Changes, deleted by compaction below the compaction
  // revision, carried by snapshots.
  std::string annotation;
};

// One revision exactly as another store (the primary) made it, for a mirror
// that must answer Range/HashKv/Changes exactly as the primary does (the
// shadow, bus/PROTOCOL.md). See MvccStore::ApplyMirrored.
struct MirroredRevision {
  int64_t revision = 0;
  std::vector<KeyChange> changes;  // sub-revision order, as in the primary's ChangeEvent
  // Kept with the revision like WriteRequest::annotation (the shadow keeps
  // the EVENT body there); empty stores nothing.
  std::string annotation;
};

struct ApplyResult {
  // The response type matching WriteRequest::op (monostate for monostate,
  // DeleteRangeResponse for DeleteKeysRequest).
  std::variant<std::monostate, PutResponse, DeleteRangeResponse, TxnResponse, CompactionResponse>
      response;
  // The change made, for watchers. revision 0 and no changes when the entry
  // made no revision (delete of nothing, read-only txn, compaction, monostate).
  ChangeEvent event;
};

struct HashResult {
  uint32_t hash = 0;             // CRC32 of the live keyspace at `revision`
  int64_t revision = 0;          // the revision hashed
  int64_t compact_revision = 0;  // the store's compaction revision (0: never compacted)
};

struct MvccOptions {
  bool create_if_missing = true;
  // Sync each applied batch. Off by default: the Raft log is the durable
  // record and replays entries above AppliedIndex() after a crash.
  bool sync = false;
  size_t write_buffer_bytes = 4 << 20;
};

// Snapshot stream callbacks. A sink receives consecutive chunks of at most
// kSnapshotChunkBytes; a non-OK return aborts the export with that status. A
// source fills up to `capacity` bytes of `buffer` and returns how many it
// wrote, 0 meaning end of stream. Progress gets (bytes done, total bytes).
using SnapshotSink = std::function<Status(std::string_view chunk)>;
using SnapshotSource = std::function<Result<size_t>(char* buffer, size_t capacity)>;
using SnapshotProgress = std::function<void(uint64_t done, uint64_t total)>;
inline constexpr size_t kSnapshotChunkBytes = 64 << 10;

// LevelDB format marker of a kv store directory (see store/leveldb_util.h).
// Never change it: bump the number with a new layout.
inline constexpr char kKvFormat[] = "shadekv-kv/1";

class MvccStore {
 public:
  // Opens or creates the store in `dir` (LevelDB format "shadekv-kv/1").
  // A new store is at revision 1 with AppliedIndex() 0. Errors: those of
  // OpenLevelDb (a foreign or raft-log directory is kFailedPrecondition), and
  // kDataLoss when the store's own records are malformed.
  static Result<std::unique_ptr<MvccStore>> Open(const std::string& dir,
                                                 const MvccOptions& options = {});

  ~MvccStore();
  MvccStore(const MvccStore&) = delete;
  MvccStore& operator=(const MvccStore&) = delete;

  // Applies the committed entry at `raft_index` (apply thread only).
  //
  // - raft_index <= AppliedIndex(): kFailedPrecondition, nothing changes.
  // - The request fails etcd's checks (empty key, value/lease provided with
  //   ignore_*, ignore_* on a missing key, duplicate key in txn, too many txn
  //   ops, future/compacted revision in a txn range or a compaction, a lease
  //   that WriteRequest::lease_exists denies): the error is returned with
  //   etcd's message (kInvalidArgument, kOutOfRange or kNotFound), no key changes and no meta is
  //   written, but raft_index IS recorded as applied: every member reaches the same verdict on the
  //   same entry, exactly as etcd consumes such an entry. Callers tell these apart from storage
  //   failures by code.
  // - A storage failure (kUnavailable, kDataLoss): nothing was written; the
  //   store must be reopened and the entry replayed.
  // On success one batch holds every key change, the meta writes and the
  // index. It is synced only when MvccOptions::sync is set.
  // Lease ids are stored as given; whether a lease exists is asked of the
  // lease layer through WriteRequest::lease_exists.
  Result<ApplyResult> Apply(const WriteRequest& request, uint64_t raft_index);

  // Applies plain puts committed at the consecutive Raft indexes
  // first_raft_index, first_raft_index + 1, ... in ONE LevelDB write (apply
  // thread only). The outcome is exactly that of calling Apply on each in
  // order: each put sees the ones before it, each gets its own revision,
  // result and event, a put that fails etcd's checks gets its error and
  // consumes its index, and AppliedIndex() ends at the last index. Grouping
  // saves one LevelDB write (a log write(2) and a writer hand-off) per entry.
  //
  // - Empty `requests`: nothing happens, an empty vector comes back.
  // - first_raft_index <= AppliedIndex(): kFailedPrecondition, nothing changes.
  // - A request whose op is not a PutRequest: kInvalidArgument, nothing
  //   changes (the caller groups puts only; apply anything else with Apply).
  // - A storage failure: nothing was written, as for Apply.
  Result<std::vector<Result<ApplyResult>>> ApplyPuts(const std::vector<WriteRequest>& requests,
                                                     uint64_t first_raft_index);

  // Writes one revision made by another store, exactly as given (lease ids,
  // create/mod revisions and versions included), so that Range, HashKv and
  // Changes here answer what they answer there. Apply thread only (it must
  // not be mixed with Apply on one store).
  //
  // - request.revision != CurrentRevision() + 1: kFailedPrecondition naming
  //   both revisions, nothing changes (a duplicate or a gap: the caller's
  //   sequencing is wrong, the store is fine).
  // - A change that does not follow from this store's state (rules in
  //   store/mirror_apply.h: empty changes, wrong mod_revision, version or
  //   create_revision, DELETE of a key that is not live, prev_kv different
  //   from the live version): kDataLoss "mirror diverged at revision R: ...",
  //   nothing changes.
  // - Storage failures as for Apply; nothing was written.
  // On success one batch holds the versions, the history, the annotation and
  // the new revision, so the revision (the mirror's position) is durable
  // atomically with the data (synced when MvccOptions::sync is set).
  // AppliedIndex() is not touched: a mirror has no Raft log, its position is
  // the revision. Returns the change as Changes() will report it.
  Result<ChangeEvent> ApplyMirrored(const MirroredRevision& request);

  // Records `raft_index` as applied for an entry that changes nothing
  // (Apply with a monostate op). Same index rule as Apply.
  Status MarkApplied(uint64_t raft_index);

  // The highest applied Raft index (0 for a new store); survives reopen.
  uint64_t AppliedIndex() const;
  // The current revision (1 for an empty store).
  int64_t CurrentRevision() const;
  // The revision of the last accepted compaction (0 if none). Reads below it
  // fail, even while the physical deletion (CompactStep) is still running.
  int64_t CompactRevision() const;

  // etcd Range. Errors: kInvalidArgument "etcdserver: key is not provided";
  // kOutOfRange "mvcc: required revision is a future revision" /
  // "mvcc: required revision has been compacted". The response revision is
  // the current revision even for a read at an old revision.
  Result<RangeResponse> Range(const RangeRequest& request) const;

  // Physically deletes up to `max_versions` versions made unreadable by
  // compaction (superseded versions and tombstones below the compaction
  // revision). Returns true when nothing is left to delete. Progress is
  // persisted with each step, so after a crash the work resumes. One thread
  // at a time; runs concurrently with Apply and readers. max_versions 0
  // deletes nothing and only reports whether work is left.
  Result<bool> CompactStep(size_t max_versions);

  // Every change in revisions (from_exclusive, to_inclusive], oldest first,
  // at most `max_events` revisions, with prev_kv where the previous version
  // exists. A watcher starting at revision S asks for (S-1, ...].
  // Errors: kOutOfRange "mvcc: required revision has been compacted" when
  // from_exclusive + 1 < CompactRevision() (like etcd, a watch may start at
  // the compaction revision itself; events at exactly the compaction revision
  // are reported but their prev_kv is gone); each event carries its
  // annotation (gone, like prev_kv, below the compaction revision);
  // kOutOfRange future revision when
  // to_inclusive > CurrentRevision(). from_exclusive >= to_inclusive: empty.
  Result<std::vector<ChangeEvent>> Changes(int64_t from_exclusive, int64_t to_inclusive,
                                           size_t max_events) const;

  // CRC32 (Poco::Checksum) over every live key at `revision` (<= 0: current)
  // in key order: key, value, create_revision, mod_revision, version, lease.
  // Independent of retained history, so stores with different compaction
  // histories but the same keyspace hash alike. Errors as for Range.
  Result<HashResult> HashKv(int64_t revision) const;

  // Caller meta (see MetaWrite). GetMeta: nullopt when absent. ScanMeta: all
  // entries whose key starts with `prefix`, in key order.
  Result<std::optional<std::string>> GetMeta(std::string_view key) const;
  Result<std::vector<std::pair<std::string, std::string>>> ScanMeta(std::string_view prefix) const;

  // Streams a consistent point-in-time copy of the whole store (all retained
  // versions, caller meta, revision, compaction revision, applied index) to
  // `sink`. Format: see store/snapshot_format.h. Any thread. `revision`,
  // when not null, is set to the store revision the copy holds before the
  // first chunk reaches the sink.
  Status ExportSnapshot(const SnapshotSink& sink, const SnapshotProgress& progress = {},
                        int64_t* revision = nullptr) const;

  // Defragmentation (store/mvcc_defrag.cc). Rewrites every LevelDB file over
  // the whole key space (a full CompactRange), dropping deleted and
  // overwritten records and the write-ahead log of flushed writes, so the
  // directory shrinks to about its live data. Any thread; reads, Apply and
  // CompactStep continue meanwhile (LevelDB serializes internally). Errors:
  // kUnavailable when LevelDB reports a background error (disk full, I/O).
  Status Defragment();
  // LevelDB's estimate of the bytes the key space takes: its table files
  // (GetApproximateSizes) plus the memtable of writes not yet flushed. The
  // store's size "in use", as opposed to its files (which also hold the
  // write-ahead log, and overwritten or deleted data until compacted). Any
  // thread.
  uint64_t LiveBytesEstimate() const;

  // Builds a store at `target_dir` from a stream made by ExportSnapshot.
  // Writes into "<target_dir>.restoring", verifies the SHA-256 trailer and
  // the keyspace hash, then replaces target_dir (which must not be open). On
  // any error (kDataLoss for truncated/corrupt streams, kInvalidArgument for a
  // foreign stream or an unknown format version, errors of `source`),
  // target_dir is untouched and the temporary directory is removed.
  static Status RestoreFromSnapshot(const std::string& target_dir, const SnapshotSource& source,
                                    const SnapshotProgress& progress = {});

 private:
  // A consistent read point: a LevelDB snapshot and the state it matches.
  struct View {
    std::shared_ptr<const leveldb::Snapshot> snapshot;
    int64_t current_revision = 1;
    int64_t compact_revision = 0;
  };

  MvccStore(std::string dir, std::unique_ptr<leveldb::DB> db, const MvccOptions& options);

  Status LoadState();
  View AcquireView() const;  // takes the snapshot under mu_
  // The revisions a write applied at `raft_index` starts from, read under
  // mu_; kFailedPrecondition when that index is already applied.
  struct WriteStart {
    int64_t revision = 1;
    int64_t compact_revision = 0;
  };
  Result<WriteStart> StartWrite(uint64_t raft_index) const;
  // Checks a read revision against `view`; returns the revision to read.
  static Result<int64_t> ResolveReadRevision(const View& view, int64_t requested);

  // Fixed after construction.
  const std::string dir_;
  const std::unique_ptr<leveldb::DB> db_;
  const MvccOptions options_;

  // Guarded by mu_: the state of the latest written batch, updated right
  // after the LevelDB write. A reader's snapshot may therefore already hold a
  // batch newer than the revision it saw; reads name their revision, so that
  // is harmless, and the snapshot export reads the state from the snapshot.
  // compact_revision_ only grows after its batch is written, so physical
  // deletion for it never reaches a snapshot that saw the older value.
  mutable std::mutex mu_;
  int64_t current_revision_ = 1;
  int64_t compact_revision_ = 0;
  uint64_t applied_index_ = 0;

  // Serializes CompactStep calls (its cursor lives in LevelDB).
  std::mutex compact_mu_;
};

}  // namespace shadekv::store
