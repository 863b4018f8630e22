// etcd 3.4's stateless request checks (what its gRPC layer rejects before a
// request reaches Raft). Pure functions: no store access. The checks that need
// the store (ignore_* on a missing key, read revisions) live in the applier.
#pragma once

#include <cstddef>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"

namespace shadekv::store {

// etcd's --max-txn-ops default.
inline constexpr size_t kMaxTxnOps = 128;

// Empty key -> "etcdserver: key is not provided".
Status ValidateRange(const RangeRequest& request);
Status ValidateDeleteRange(const DeleteRangeRequest& request);
// Also: ignore_value with a value -> "value is provided", ignore_lease with a
// lease -> "lease is provided".
Status ValidatePut(const PutRequest& request);

// A whole txn, recursively: more than `max_ops` compares or ops in a branch
// ("too many operations in txn request"; nested txns get the budget left by
// their parent, like etcd), empty compare keys, every op's own checks, then
// the duplicate-key rule on each branch: a put and another put of the same
// key, or a put and a delete whose interval overlaps it, anywhere in one
// branch including nested txns, -> "duplicate key given in txn request".
// delete+delete is allowed, and a key put in both the success and the failure
// branch of one nested txn is allowed. Intervals follow etcd's adt exactly: a
// delete [key, range_end) uses range_end as a plain string ("\0" is not
// "to the end" here, so such a delete only collides with a put of `key`).
Status ValidateTxn(const TxnRequest& request, size_t max_ops = kMaxTxnOps);

}  // namespace shadekv::store
