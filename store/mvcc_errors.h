// The exact errors etcd 3.4 reports for KV requests (messages are matched by
// clients and by the etcd gateway: keep them byte for byte).
#pragma once

#include "shadekv/common/status.h"

namespace shadekv::store {

inline Status ErrEmptyKey() { return Status::InvalidArgument("etcdserver: key is not provided"); }
inline Status ErrKeyNotFound() { return Status::InvalidArgument("etcdserver: key not found"); }
inline Status ErrValueProvided() {
  return Status::InvalidArgument("etcdserver: value is provided");
}
inline Status ErrLeaseProvided() {
  return Status::InvalidArgument("etcdserver: lease is provided");
}
inline Status ErrDuplicateKey() {
  return Status::InvalidArgument("etcdserver: duplicate key given in txn request");
}
inline Status ErrTooManyOps() {
  return Status::InvalidArgument("etcdserver: too many operations in txn request");
}
inline Status ErrLeaseNotFound() {
  return Status::NotFound("etcdserver: requested lease not found");
}
inline Status ErrCompacted() {
  return Status::OutOfRange("mvcc: required revision has been compacted");
}
inline Status ErrFutureRevision() {
  return Status::OutOfRange("mvcc: required revision is a future revision");
}

}  // namespace shadekv::store
