// WriteExecutor: performs one write request (put, delete range, txn) against
// the keyspace at the current revision, collecting its changes into a LevelDB
// WriteBatch and a ChangeEvent. Later ops of a txn see earlier ones through
// an in-memory overlay of the keys written so far. Used by the apply thread
// only; it reads the live database (no other thread writes live versions).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"
#include "store/mvcc_reader.h"

namespace shadekv::store {

class WriteExecutor {
 public:
  // The store is at `current_revision` with compaction revision
  // `compact_revision`; changes go to `batch` at revision current + 1.
  // `lease_exists` (may be null: every lease exists) answers for puts that
  // name a lease, see WriteRequest::lease_exists.
  // Keys written but not yet in the database (by earlier requests of one
  // group write), newest state per key; nullopt is a deletion.
  using Overlay = std::map<std::string, std::optional<KeyValue>>;

  // `pending` (may be null) holds writes of earlier requests that share this
  // one's LevelDB batch; it is read before the database and must outlive the
  // executor. `point_cursor` (may be null) is an iterator of the live
  // database (MvccReader::NewCursor) shared by the requests of one group
  // write for their point reads; it must outlive the executor.
  WriteExecutor(leveldb::DB* db, int64_t current_revision, int64_t compact_revision,
                leveldb::WriteBatch* batch, std::function<bool(int64_t)> lease_exists = {},
                const Overlay* pending = nullptr, leveldb::Iterator* point_cursor = nullptr);

  // Each runs its store-dependent checks first (ignore_* on a missing key,
  // txn range revisions) and writes nothing when they fail. Stateless checks
  // (txn_validation.h) must have passed already.
  Result<PutResponse> Put(const PutRequest& request);
  Result<DeleteRangeResponse> DeleteRange(const DeleteRangeRequest& request);
  Result<TxnResponse> Txn(const TxnRequest& request);
  // Deletes the listed keys that exist, all at one revision.
  Result<DeleteRangeResponse> DeleteKeys(const DeleteKeysRequest& request);
  // kNotFound "etcdserver: requested lease not found" when `request` names a
  // lease (without ignore_lease) that does not exist.
  Status CheckLease(const PutRequest& request) const;

  // True when the request changed at least one key (and so makes a revision).
  bool changed() const { return !event_.changes.empty(); }
  // The revision the store is at after the request.
  int64_t revision_after() const { return changed() ? begin_revision_ + 1 : begin_revision_; }
  ChangeEvent TakeEvent();
  // The keys this request wrote, for the next request of a group write.
  Overlay TakeOverlay() { return std::move(overlay_); }

 private:
  Result<std::optional<KeyValue>> Current(const std::string& key) const;
  // Live keys of the interval at the current state, in key order. Collects at
  // most `collect_limit` full kvs (0: all) and counts all of them.
  Status CollectCurrent(const KeyInterval& interval, size_t collect_limit, bool with_value,
                        std::vector<KeyValue>* kvs, int64_t* count) const;
  Result<RangeResponse> RangeOp(const RangeRequest& request);
  Result<TxnResponse> RunTxn(const TxnRequest& request, const std::vector<bool>& path,
                             size_t* position);
  Status CheckPath(const TxnRequest& request, const std::vector<bool>& path, size_t* position,
                   bool puts) const;
  void ComparePath(const TxnRequest& request, std::vector<bool>* path, Status* error) const;
  // Taken by value: the caller's copies move into the event and the overlay.
  void Record(const std::string& key, std::optional<KeyValue> kv, std::optional<KeyValue> prev);

  leveldb::DB* const db_;
  const MvccReader reader_;  // live database, revision begin_revision_
  const int64_t begin_revision_;
  const int64_t compact_revision_;
  leveldb::WriteBatch* const batch_;
  const std::function<bool(int64_t)> lease_exists_;
  uint64_t next_sub_ = 0;
  const Overlay* const pending_;           // earlier requests of the same write; may be null
  leveldb::Iterator* const point_cursor_;  // may be null: a new iterator per read
  Overlay overlay_;                        // keys written so far by this request
  ChangeEvent event_;
};

}  // namespace shadekv::store
