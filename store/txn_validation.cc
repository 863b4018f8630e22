// etcd 3.4's request checks (checkPutRequest, checkTxnRequest, checkIntervals
// in etcdserver/api/v3rpc/key.go), reproduced rule for rule.
#include "store/txn_validation.h"

#include <set>
#include <string>
#include <vector>

#include "store/mvcc_errors.h"

namespace shadekv::store {
namespace {

// etcd adt's StringAffineComparable: "" sorts after every other string.
int AffineCompare(const std::string& a, const std::string& b) {
  if (a.empty()) return b.empty() ? 0 : 1;
  if (b.empty()) return -1;
  return a < b ? -1 : (a > b ? 1 : 0);
}

struct Interval {
  std::string begin;
  std::string end;
};

// etcd adt Interval.Compare == 0 ("overlaps"), node `d` against query `q`.
bool Overlaps(const Interval& d, const Interval& q) {
  const bool left_of = AffineCompare(d.begin, q.begin) < 0 && AffineCompare(d.end, q.begin) <= 0;
  const bool right_of = AffineCompare(d.begin, q.end) >= 0;
  return !left_of && !right_of;
}

Interval Point(const std::string& key) { return Interval{key, key + std::string(1, '\0')}; }

struct Intervals {
  std::set<std::string> puts;
  std::vector<Interval> dels;

  bool DeletesHit(const std::string& key) const {
    const Interval p = Point(key);
    for (const Interval& d : dels) {
      if (Overlaps(d, p)) return true;
    }
    return false;
  }
};

Status CheckIntervals(const std::vector<RequestOp>& ops, Intervals* out) {
  Intervals result;
  for (const RequestOp& op : ops) {
    const auto* del = std::get_if<DeleteRangeRequest>(&op.request);
    if (del == nullptr) continue;
    result.dels.push_back(del->range_end.empty() ? Point(del->key)
                                                 : Interval{del->key, del->range_end});
  }
  for (const RequestOp& op : ops) {
    const auto* txn = std::get_if<std::shared_ptr<const TxnRequest>>(&op.request);
    if (txn == nullptr || *txn == nullptr) continue;
    Intervals then_side;
    Intervals else_side;
    SHADEKV_RETURN_IF_ERROR(CheckIntervals((*txn)->success, &then_side));
    SHADEKV_RETURN_IF_ERROR(CheckIntervals((*txn)->failure, &else_side));
    for (const std::string& key : then_side.puts) {
      if (result.puts.contains(key) || result.DeletesHit(key)) return ErrDuplicateKey();
      result.puts.insert(key);
    }
    for (const std::string& key : else_side.puts) {
      if (result.puts.contains(key) && !then_side.puts.contains(key)) return ErrDuplicateKey();
      if (result.DeletesHit(key)) return ErrDuplicateKey();
      result.puts.insert(key);
    }
    result.dels.insert(result.dels.end(), then_side.dels.begin(), then_side.dels.end());
    result.dels.insert(result.dels.end(), else_side.dels.begin(), else_side.dels.end());
  }
  for (const RequestOp& op : ops) {
    const auto* put = std::get_if<PutRequest>(&op.request);
    if (put == nullptr) continue;
    if (result.puts.contains(put->key) || result.DeletesHit(put->key)) return ErrDuplicateKey();
    result.puts.insert(put->key);
  }
  *out = std::move(result);
  return Status::Ok();
}

Status CheckTxnRequest(const TxnRequest& request, size_t max_ops);

Status CheckRequestOp(const RequestOp& op, size_t max_ops) {
  if (const auto* range = std::get_if<RangeRequest>(&op.request)) return ValidateRange(*range);
  if (const auto* put = std::get_if<PutRequest>(&op.request)) return ValidatePut(*put);
  if (const auto* del = std::get_if<DeleteRangeRequest>(&op.request)) {
    return ValidateDeleteRange(*del);
  }
  const auto& txn = std::get<std::shared_ptr<const TxnRequest>>(op.request);
  if (txn == nullptr) return ErrKeyNotFound();  // etcd's answer to an op with no request
  return CheckTxnRequest(*txn, max_ops);
}

Status CheckTxnRequest(const TxnRequest& request, size_t max_ops) {
  size_t opc = request.compare.size();
  opc = std::max(opc, request.success.size());
  opc = std::max(opc, request.failure.size());
  if (opc > max_ops) return ErrTooManyOps();
  for (const Compare& compare : request.compare) {
    if (compare.key.empty()) return ErrEmptyKey();
  }
  for (const RequestOp& op : request.success) {
    SHADEKV_RETURN_IF_ERROR(CheckRequestOp(op, max_ops - opc));
  }
  for (const RequestOp& op : request.failure) {
    SHADEKV_RETURN_IF_ERROR(CheckRequestOp(op, max_ops - opc));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateRange(const RangeRequest& request) {
  if (request.key.empty()) return ErrEmptyKey();
  return Status::Ok();
}

Status ValidateDeleteRange(const DeleteRangeRequest& request) {
  if (request.key.empty()) return ErrEmptyKey();
  return Status::Ok();
}

Status ValidatePut(const PutRequest& request) {
  if (request.key.empty()) return ErrEmptyKey();
  if (request.ignore_value && !request.value.empty()) return ErrValueProvided();
  if (request.ignore_lease && request.lease != 0) return ErrLeaseProvided();
  return Status::Ok();
}

Status ValidateTxn(const TxnRequest& request, size_t max_ops) {
  SHADEKV_RETURN_IF_ERROR(CheckTxnRequest(request, max_ops));
  Intervals ignored;
  SHADEKV_RETURN_IF_ERROR(CheckIntervals(request.success, &ignored));
  return CheckIntervals(request.failure, &ignored);
}

}  // namespace shadekv::store
