// Executes puts, deletes and txns into one WriteBatch (etcd 3.4's applierV3
// Put/DeleteRange/Txn, including its up-front txn checks on the chosen path).
#include "store/mvcc_apply.h"

#include <memory>
#include <utility>

#include "store/key_codec.h"
#include "store/kv_record.h"
#include "store/mvcc_errors.h"
#include "store/range_rules.h"

namespace shadekv::store {

WriteExecutor::WriteExecutor(leveldb::DB* db, int64_t current_revision, int64_t compact_revision,
                             leveldb::WriteBatch* batch, std::function<bool(int64_t)> lease_exists,
                             const Overlay* pending, leveldb::Iterator* point_cursor)
    : db_(db),
      reader_(db, nullptr),
      begin_revision_(current_revision),
      compact_revision_(compact_revision),
      batch_(batch),
      lease_exists_(std::move(lease_exists)),
      pending_(pending),
      point_cursor_(point_cursor) {}

Status WriteExecutor::CheckLease(const PutRequest& request) const {
  if (request.lease == 0 || request.ignore_lease || !lease_exists_) return Status::Ok();
  return lease_exists_(request.lease) ? Status::Ok() : ErrLeaseNotFound();
}

ChangeEvent WriteExecutor::TakeEvent() {
  ChangeEvent event = std::move(event_);
  event.revision = event.changes.empty() ? 0 : begin_revision_ + 1;
  event_ = ChangeEvent{};
  return event;
}

Result<std::optional<KeyValue>> WriteExecutor::Current(const std::string& key) const {
  if (auto it = overlay_.find(key); it != overlay_.end()) return it->second;
  if (pending_ != nullptr) {
    if (auto it = pending_->find(key); it != pending_->end()) return it->second;
  }
  if (point_cursor_ != nullptr) {
    return reader_.Get(key, static_cast<uint64_t>(begin_revision_), point_cursor_);
  }
  return reader_.Get(key, static_cast<uint64_t>(begin_revision_));
}

Status WriteExecutor::CollectCurrent(const KeyInterval& interval, size_t collect_limit,
                                     bool with_value, std::vector<KeyValue>* kvs,
                                     int64_t* count) const {
  const auto at = static_cast<uint64_t>(begin_revision_);
  const bool no_pending = pending_ == nullptr || pending_->empty();
  if (overlay_.empty() && no_pending) {
    return CollectRange(reader_, interval, at, collect_limit, with_value, kvs, count);
  }
  std::vector<KeyValue> stored;
  int64_t ignored = 0;
  SHADEKV_RETURN_IF_ERROR(CollectRange(reader_, interval, at, 0, true, &stored, &ignored));
  std::map<std::string, KeyValue> merged;
  for (KeyValue& kv : stored) {
    std::string key = kv.key;
    merged.emplace(std::move(key), std::move(kv));
  }
  // Older writes first, so this request's own win.
  for (const Overlay* layer : {no_pending ? nullptr : pending_, &overlay_}) {
    if (layer == nullptr) continue;
    for (const auto& [key, kv] : *layer) {
      if (!interval.Contains(key)) continue;
      if (kv.has_value()) {
        merged.insert_or_assign(key, *kv);
      } else {
        merged.erase(key);
      }
    }
  }
  *count = static_cast<int64_t>(merged.size());
  for (auto& [key, kv] : merged) {
    if (collect_limit != 0 && kvs->size() >= collect_limit) break;
    if (!with_value) kv.value.clear();
    kvs->push_back(std::move(kv));
  }
  return Status::Ok();
}

void WriteExecutor::Record(const std::string& key, std::optional<KeyValue> kv,
                           std::optional<KeyValue> prev) {
  const Revision revision{static_cast<uint64_t>(begin_revision_ + 1), next_sub_++};
  batch_->Put(EncodeVersionKey(key, revision),
              kv.has_value() ? EncodePutRecord(*kv) : EncodeTombstoneRecord());
  batch_->Put(EncodeHistoryKey(revision), key);
  KeyChange change;
  if (kv.has_value()) {
    change.type = KeyChange::Type::kPut;
    change.kv = *kv;
  } else {
    change.type = KeyChange::Type::kDelete;
    change.kv.key = key;
    change.kv.mod_revision = begin_revision_ + 1;
  }
  change.prev_kv = std::move(prev);
  event_.changes.push_back(std::move(change));
  overlay_.insert_or_assign(key, std::move(kv));
}

Result<PutResponse> WriteExecutor::Put(const PutRequest& request) {
  SHADEKV_ASSIGN_OR_RETURN(std::optional<KeyValue> prev, Current(request.key));
  if ((request.ignore_value || request.ignore_lease) && !prev.has_value()) return ErrKeyNotFound();
  KeyValue kv;
  kv.key = request.key;
  kv.value = request.ignore_value ? prev->value : request.value;
  kv.lease = request.ignore_lease ? prev->lease : request.lease;
  kv.mod_revision = begin_revision_ + 1;
  kv.create_revision = prev.has_value() ? prev->create_revision : kv.mod_revision;
  kv.version = prev.has_value() ? prev->version + 1 : 1;
  Record(request.key, std::move(kv), prev);
  PutResponse response;
  response.revision = revision_after();
  if (request.prev_kv) response.prev_kv = std::move(prev);
  return response;
}

Result<DeleteRangeResponse> WriteExecutor::DeleteRange(const DeleteRangeRequest& request) {
  std::vector<KeyValue> doomed;
  int64_t count = 0;
  SHADEKV_RETURN_IF_ERROR(
      CollectCurrent(MakeKeyInterval(request.key, request.range_end), 0, true, &doomed, &count));
  DeleteRangeResponse response;
  response.deleted = count;
  for (KeyValue& kv : doomed) {
    const std::string key = kv.key;
    Record(key, std::nullopt, kv);
    if (request.prev_kv) response.prev_kvs.push_back(std::move(kv));
  }
  response.revision = revision_after();
  return response;
}

Result<DeleteRangeResponse> WriteExecutor::DeleteKeys(const DeleteKeysRequest& request) {
  DeleteRangeResponse response;
  for (const std::string& key : request.keys) {
    SHADEKV_ASSIGN_OR_RETURN(std::optional<KeyValue> current, Current(key));
    if (!current.has_value()) continue;  // deleted meanwhile, or listed twice
    Record(key, std::nullopt, std::move(current));
    ++response.deleted;
  }
  response.revision = revision_after();
  return response;
}

Result<RangeResponse> WriteExecutor::RangeOp(const RangeRequest& request) {
  RangeResponse response;
  const KeyInterval interval = MakeKeyInterval(request.key, request.range_end);
  const bool with_value =
      !request.count_only && !(request.keys_only && request.sort_target != SortTarget::kValue);
  const size_t limit = request.count_only ? 1 : CollectLimit(request);
  std::vector<KeyValue> kvs;
  if (request.revision <= 0) {
    SHADEKV_RETURN_IF_ERROR(CollectCurrent(interval, limit, with_value, &kvs, &response.count));
  } else {
    SHADEKV_RETURN_IF_ERROR(CollectRange(reader_, interval, static_cast<uint64_t>(request.revision),
                                         limit, with_value, &kvs, &response.count));
  }
  if (!request.count_only) {
    FinishRange(request, &kvs, &response.more);
    response.kvs = std::move(kvs);
  }
  response.revision = revision_after();
  return response;
}

void WriteExecutor::ComparePath(const TxnRequest& request, std::vector<bool>* path,
                                Status* error) const {
  bool succeeded = true;
  for (const Compare& compare : request.compare) {
    std::vector<KeyValue> kvs;
    int64_t count = 0;
    Status read = CollectRange(reader_, MakeKeyInterval(compare.key, compare.range_end),
                               static_cast<uint64_t>(begin_revision_), 0, true, &kvs, &count);
    if (!read.ok()) {
      *error = read;
      return;
    }
    if (!CompareHoldsForAll(compare, kvs)) {
      succeeded = false;
      break;
    }
  }
  path->push_back(succeeded);
  for (const RequestOp& op : succeeded ? request.success : request.failure) {
    const auto* txn = std::get_if<std::shared_ptr<const TxnRequest>>(&op.request);
    if (txn != nullptr && *txn != nullptr) ComparePath(**txn, path, error);
  }
}

// etcd's checkRequests over the chosen path: `puts` checks ignore_* keys and
// leases exist before the txn, otherwise range revisions are checked.
Status WriteExecutor::CheckPath(const TxnRequest& request, const std::vector<bool>& path,
                                size_t* position, bool puts) const {
  const bool succeeded = path[(*position)++];
  for (const RequestOp& op : succeeded ? request.success : request.failure) {
    if (const auto* txn = std::get_if<std::shared_ptr<const TxnRequest>>(&op.request)) {
      SHADEKV_RETURN_IF_ERROR(CheckPath(**txn, path, position, puts));
    } else if (const auto* put = std::get_if<PutRequest>(&op.request); put && puts) {
      if (put->ignore_value || put->ignore_lease) {
        SHADEKV_ASSIGN_OR_RETURN(std::optional<KeyValue> kv,
                                 reader_.Get(put->key, static_cast<uint64_t>(begin_revision_)));
        if (!kv.has_value()) return ErrKeyNotFound();
      }
      SHADEKV_RETURN_IF_ERROR(CheckLease(*put));
    } else if (const auto* range = std::get_if<RangeRequest>(&op.request); range && !puts) {
      if (range->revision > begin_revision_) return ErrFutureRevision();
      if (range->revision > 0 && range->revision < compact_revision_) return ErrCompacted();
    }
  }
  return Status::Ok();
}

Result<TxnResponse> WriteExecutor::RunTxn(const TxnRequest& request, const std::vector<bool>& path,
                                          size_t* position) {
  TxnResponse response;
  response.succeeded = path[(*position)++];
  for (const RequestOp& op : response.succeeded ? request.success : request.failure) {
    ResponseOp out;
    if (const auto* range = std::get_if<RangeRequest>(&op.request)) {
      SHADEKV_ASSIGN_OR_RETURN(out.response, RangeOp(*range));
    } else if (const auto* put = std::get_if<PutRequest>(&op.request)) {
      SHADEKV_ASSIGN_OR_RETURN(out.response, Put(*put));
    } else if (const auto* del = std::get_if<DeleteRangeRequest>(&op.request)) {
      SHADEKV_ASSIGN_OR_RETURN(out.response, DeleteRange(*del));
    } else {
      const auto& nested = std::get<std::shared_ptr<const TxnRequest>>(op.request);
      SHADEKV_ASSIGN_OR_RETURN(TxnResponse nested_response, RunTxn(*nested, path, position));
      nested_response.revision = 0;  // etcd: a nested txn's header is empty
      out.response = std::make_shared<TxnResponse>(std::move(nested_response));
    }
    response.responses.push_back(std::move(out));
  }
  return response;
}

Result<TxnResponse> WriteExecutor::Txn(const TxnRequest& request) {
  std::vector<bool> path;
  Status error;
  ComparePath(request, &path, &error);
  SHADEKV_RETURN_IF_ERROR(error);
  size_t position = 0;
  SHADEKV_RETURN_IF_ERROR(CheckPath(request, path, &position, /*puts=*/true));
  position = 0;
  SHADEKV_RETURN_IF_ERROR(CheckPath(request, path, &position, /*puts=*/false));
  position = 0;
  SHADEKV_ASSIGN_OR_RETURN(TxnResponse response, RunTxn(request, path, &position));
  response.revision = revision_after();
  return response;
}

}  // namespace shadekv::store
