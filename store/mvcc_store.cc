// MvccStore: opening, applying entries in one batch with their Raft index,
// and the snapshot-consistent reads (range, history, meta).
#include "shadekv/store/mvcc_store.h"

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <limits>

#include "store/key_codec.h"
#include "store/leveldb_util.h"
#include "store/mvcc_apply.h"
#include "store/mvcc_errors.h"
#include "store/mvcc_reader.h"
#include "store/mvcc_state.h"
#include "store/range_rules.h"
#include "store/txn_validation.h"

namespace shadekv::store {
MvccStore::MvccStore(std::string dir, std::unique_ptr<leveldb::DB> db, const MvccOptions& options)
    : dir_(std::move(dir)), db_(std::move(db)), options_(options) {}

MvccStore::~MvccStore() = default;

Result<std::unique_ptr<MvccStore>> MvccStore::Open(const std::string& dir,
                                                   const MvccOptions& options) {
  OpenOptions open_options;
  open_options.create_if_missing = options.create_if_missing;
  open_options.write_buffer_bytes = options.write_buffer_bytes;
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<leveldb::DB> db,
                           OpenLevelDb(dir, kKvFormat, open_options));
  std::unique_ptr<MvccStore> store(new MvccStore(dir, std::move(db), options));
  SHADEKV_RETURN_IF_ERROR(store->LoadState());
  return store;
}

Status MvccStore::LoadState() {
  SHADEKV_ASSIGN_OR_RETURN(uint64_t revision, ReadState(db_.get(), nullptr, kStateRevision, 1));
  SHADEKV_ASSIGN_OR_RETURN(uint64_t compact, ReadState(db_.get(), nullptr, kStateCompact, 0));
  SHADEKV_ASSIGN_OR_RETURN(uint64_t applied, ReadState(db_.get(), nullptr, kStateApplied, 0));
  const auto max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (revision == 0 || revision > max || compact > revision) {
    return Status::DataLoss("kv store " + dir_ + " has revision " + std::to_string(revision) +
                            " and compaction revision " + std::to_string(compact) +
                            ": the state records are damaged");
  }
  std::lock_guard lock(mu_);
  current_revision_ = static_cast<int64_t>(revision);
  compact_revision_ = static_cast<int64_t>(compact);
  applied_index_ = applied;
  return Status::Ok();
}

MvccStore::View MvccStore::AcquireView() const {
  std::lock_guard lock(mu_);
  View view;
  leveldb::DB* db = db_.get();
  view.snapshot = std::shared_ptr<const leveldb::Snapshot>(
      db->GetSnapshot(), [db](const leveldb::Snapshot* s) { db->ReleaseSnapshot(s); });
  view.current_revision = current_revision_;
  view.compact_revision = compact_revision_;
  return view;
}

Result<int64_t> MvccStore::ResolveReadRevision(const View& view, int64_t requested) {
  if (requested > view.current_revision) return ErrFutureRevision();
  const int64_t revision = requested <= 0 ? view.current_revision : requested;
  if (revision < view.compact_revision) return ErrCompacted();
  return revision;
}

uint64_t MvccStore::AppliedIndex() const {
  std::lock_guard lock(mu_);
  return applied_index_;
}

int64_t MvccStore::CurrentRevision() const {
  std::lock_guard lock(mu_);
  return current_revision_;
}

int64_t MvccStore::CompactRevision() const {
  std::lock_guard lock(mu_);
  return compact_revision_;
}

Status MvccStore::MarkApplied(uint64_t raft_index) {
  return Apply(WriteRequest{}, raft_index).status();
}

Result<MvccStore::WriteStart> MvccStore::StartWrite(uint64_t raft_index) const {
  std::lock_guard lock(mu_);
  if (raft_index <= applied_index_) {
    return Status::FailedPrecondition("raft index " + std::to_string(raft_index) +
                                      " is not above the applied index " +
                                      std::to_string(applied_index_) + ": already applied");
  }
  return WriteStart{current_revision_, compact_revision_};
}

Result<ApplyResult> MvccStore::Apply(const WriteRequest& request, uint64_t raft_index) {
  SHADEKV_ASSIGN_OR_RETURN(const WriteStart start, StartWrite(raft_index));
  const int64_t begin_revision = start.revision;
  const int64_t compact_revision = start.compact_revision;

  leveldb::WriteBatch batch;
  WriteExecutor executor(db_.get(), begin_revision, compact_revision, &batch, request.lease_exists);
  ApplyResult result;
  int64_t new_compact = compact_revision;
  Status op_status = std::visit(
      [&](const auto& op) -> Status {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, std::monostate>) {
          return Status::Ok();
        } else if constexpr (std::is_same_v<Op, PutRequest>) {
          SHADEKV_RETURN_IF_ERROR(ValidatePut(op));
          // etcd's applier looks the lease up before the ignore_* checks.
          SHADEKV_RETURN_IF_ERROR(executor.CheckLease(op));
          SHADEKV_ASSIGN_OR_RETURN(result.response, executor.Put(op));
          return Status::Ok();
        } else if constexpr (std::is_same_v<Op, DeleteRangeRequest>) {
          SHADEKV_RETURN_IF_ERROR(ValidateDeleteRange(op));
          SHADEKV_ASSIGN_OR_RETURN(result.response, executor.DeleteRange(op));
          return Status::Ok();
        } else if constexpr (std::is_same_v<Op, TxnRequest>) {
          SHADEKV_RETURN_IF_ERROR(ValidateTxn(op));
          SHADEKV_ASSIGN_OR_RETURN(result.response, executor.Txn(op));
          return Status::Ok();
        } else if constexpr (std::is_same_v<Op, DeleteKeysRequest>) {
          SHADEKV_ASSIGN_OR_RETURN(result.response, executor.DeleteKeys(op));
          return Status::Ok();
        } else {
          static_assert(std::is_same_v<Op, CompactionRequest>);
          if (op.revision <= compact_revision) return ErrCompacted();
          if (op.revision > begin_revision) return ErrFutureRevision();
          new_compact = op.revision;
          batch.Put(std::string(kStateCompact), EncodeBe64(static_cast<uint64_t>(new_compact)));
          result.response = CompactionResponse{begin_revision};
          return Status::Ok();
        }
      },
      request.op);

  // A request error still consumes the index; only the index is written.
  // Storage errors (reading the keyspace) write nothing at all.
  const bool request_error = !op_status.ok() && (op_status.code() == StatusCode::kInvalidArgument ||
                                                 op_status.code() == StatusCode::kOutOfRange ||
                                                 op_status.code() == StatusCode::kNotFound);
  if (!op_status.ok() && !request_error) return op_status;
  int64_t new_revision = begin_revision;
  if (request_error) {
    batch.Clear();
    new_compact = compact_revision;
  } else {
    new_revision = executor.revision_after();
    result.event = executor.TakeEvent();
    if (new_revision != begin_revision) {
      batch.Put(std::string(kStateRevision), EncodeBe64(static_cast<uint64_t>(new_revision)));
      if (!request.annotation.empty()) {
        batch.Put(EncodeAnnotationKey(static_cast<uint64_t>(new_revision)), request.annotation);
        result.event.annotation = request.annotation;
      }
    }
    for (const MetaWrite& meta : request.meta) {
      if (meta.value.has_value()) {
        batch.Put(EncodeMetaKey(meta.key), *meta.value);
      } else {
        batch.Delete(EncodeMetaKey(meta.key));
      }
    }
  }
  batch.Put(std::string(kStateApplied), EncodeBe64(raft_index));

  leveldb::WriteOptions write_options;
  write_options.sync = options_.sync;
  // Written outside mu_ so readers never wait for a (possibly synced) write.
  // A reader whose snapshot already holds this batch but who saw the old
  // revision still reads correctly: every read names its revision.
  SHADEKV_RETURN_IF_ERROR(
      FromLevelDb(db_->Write(write_options, &batch),
                  "writing kv batch for raft index " + std::to_string(raft_index) + " to " + dir_));
  {
    std::lock_guard lock(mu_);
    current_revision_ = new_revision;
    compact_revision_ = new_compact;
    applied_index_ = raft_index;
  }
  if (request_error) return op_status;
  return result;
}

Result<std::vector<Result<ApplyResult>>> MvccStore::ApplyPuts(
    const std::vector<WriteRequest>& requests, uint64_t first_raft_index) {
  std::vector<Result<ApplyResult>> results;
  if (requests.empty()) return results;
  for (const WriteRequest& request : requests) {
    if (!std::holds_alternative<PutRequest>(request.op) || !request.meta.empty()) {
      return Status::InvalidArgument("kv store: a grouped apply takes plain puts only");
    }
  }
  SHADEKV_ASSIGN_OR_RETURN(const WriteStart start, StartWrite(first_raft_index));
  int64_t revision = start.revision;
  const int64_t compact_revision = start.compact_revision;
  const int64_t begin_revision = revision;
  leveldb::WriteBatch group;
  // What the puts so far wrote: the next put must see them, and they are
  // not in the database until the one write below.
  WriteExecutor::Overlay written;
  // One iterator for every put's read of its key: nothing is written to the
  // database until the group's one write below.
  const std::unique_ptr<leveldb::Iterator> point_cursor =
      MvccReader(db_.get(), nullptr).NewCursor();
  results.reserve(requests.size());
  for (const WriteRequest& request : requests) {
    const PutRequest& put = std::get<PutRequest>(request.op);
    // Straight into the group's batch: a put that ends in a verdict has
    // written nothing (its checks come before any write), and a storage
    // failure discards the whole group.
    WriteExecutor executor(db_.get(), revision, compact_revision, &group, request.lease_exists,
                           &written, point_cursor.get());
    Result<PutResponse> response = [&]() -> Result<PutResponse> {
      SHADEKV_RETURN_IF_ERROR(ValidatePut(put));
      SHADEKV_RETURN_IF_ERROR(executor.CheckLease(put));
      return executor.Put(put);
    }();
    if (!response.ok()) {
      const StatusCode code = response.status().code();
      // As in Apply: a verdict consumes the index, a storage failure writes
      // nothing at all (the whole group replays).
      if (code != StatusCode::kInvalidArgument && code != StatusCode::kOutOfRange &&
          code != StatusCode::kNotFound) {
        return response.status();
      }
      results.emplace_back(response.status());
      continue;
    }
    ApplyResult result;
    result.response = std::move(response).value();
    revision = executor.revision_after();  // before TakeEvent empties the executor
    result.event = executor.TakeEvent();
    if (!request.annotation.empty()) {
      group.Put(EncodeAnnotationKey(static_cast<uint64_t>(revision)), request.annotation);
      result.event.annotation = request.annotation;
    }
    for (auto& [key, kv] : executor.TakeOverlay()) written.insert_or_assign(key, std::move(kv));
    results.emplace_back(std::move(result));
  }
  const uint64_t last_index = first_raft_index + requests.size() - 1;
  if (revision != begin_revision) {
    group.Put(std::string(kStateRevision), EncodeBe64(static_cast<uint64_t>(revision)));
  }
  group.Put(std::string(kStateApplied), EncodeBe64(last_index));
  leveldb::WriteOptions write_options;
  write_options.sync = options_.sync;
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(db_->Write(write_options, &group),
                                      "writing kv batch for raft indexes " +
                                          std::to_string(first_raft_index) + ".." +
                                          std::to_string(last_index) + " to " + dir_));
  {
    std::lock_guard lock(mu_);
    current_revision_ = revision;
    applied_index_ = last_index;
  }
  return results;
}

Result<RangeResponse> MvccStore::Range(const RangeRequest& request) const {
  SHADEKV_RETURN_IF_ERROR(ValidateRange(request));
  const View view = AcquireView();
  SHADEKV_ASSIGN_OR_RETURN(int64_t revision, ResolveReadRevision(view, request.revision));
  MvccReader reader(db_.get(), view.snapshot.get());
  RangeResponse response;
  response.revision = view.current_revision;
  const bool with_value =
      !request.count_only && !(request.keys_only && request.sort_target != SortTarget::kValue);
  const size_t limit = request.count_only ? 1 : CollectLimit(request);
  std::vector<KeyValue> kvs;
  SHADEKV_RETURN_IF_ERROR(CollectRange(reader, MakeKeyInterval(request.key, request.range_end),
                                       static_cast<uint64_t>(revision), limit, with_value, &kvs,
                                       &response.count));
  if (!request.count_only) {
    FinishRange(request, &kvs, &response.more);
    response.kvs = std::move(kvs);
  }
  return response;
}

Result<std::vector<ChangeEvent>> MvccStore::Changes(int64_t from_exclusive, int64_t to_inclusive,
                                                    size_t max_events) const {
  const View view = AcquireView();
  if (to_inclusive > view.current_revision) return ErrFutureRevision();
  if (from_exclusive + 1 < view.compact_revision) return ErrCompacted();
  if (from_exclusive < 0) from_exclusive = 0;
  if (from_exclusive >= to_inclusive) return std::vector<ChangeEvent>();
  MvccReader reader(db_.get(), view.snapshot.get());
  SHADEKV_ASSIGN_OR_RETURN(std::vector<ChangeEvent> events,
                           reader.ReadChanges(static_cast<uint64_t>(from_exclusive),
                                              static_cast<uint64_t>(to_inclusive), max_events));
  // The previous version of a change at (or below) the compaction revision
  // is compacted away, but the background compactor deletes it physically
  // some time later. Drop it here so the answer does not depend on how far
  // that work has got.
  for (ChangeEvent& event : events) {
    if (event.revision > view.compact_revision) break;
    for (KeyChange& change : event.changes) change.prev_kv.reset();
  }
  return events;
}

Result<std::optional<std::string>> MvccStore::GetMeta(std::string_view key) const {
  std::string value;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), EncodeMetaKey(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(s, "reading kv meta entry"));
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::pair<std::string, std::string>>> MvccStore::ScanMeta(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> entries;
  const std::string start = EncodeMetaKey(prefix);
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(start); it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    if (!key.starts_with(start)) break;
    entries.emplace_back(std::string(key.substr(1)), it->value().ToString());
  }
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(it->status(), "scanning kv meta entries"));
  return entries;
}

}  // namespace shadekv::store
