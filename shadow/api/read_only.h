// Which gateway routes a shadow refuses, and the error it answers. Pure.
//
// The shadow is a read-only mirror: every route that would change state on
// a cluster (KV writes, every txn, compaction, leases, member changes, alarm
// activate/deactivate, defragment, auth) is refused with gRPC code 9
// FailedPrecondition (HTTP 412 on etcd 3.4's gateway): the request is well
// formed but this server is in the wrong state for it, as etcd answers
// writes it cannot take (e.g. "etcdserver: not capable"). Txns are refused
// even when read-only: evaluating compares would need the write path's
// machinery, and clients read with range.
#pragma once

#include <cstdint>
#include <string>

#include "shadekv/common/status.h"

namespace shadekv::shadow {

// `route` is the path after /v3/ or /v3beta/ ("kv/put", "lease/grant", ...).
// True for every state-changing route above, including those a shadow does
// not otherwise know (anything under lease/, auth/, and the member changes).
bool IsRefusedWriteRoute(const std::string& route);

// kFailedPrecondition "shadekv-shadow: read-only mirror of cluster <id hex>:
// writes go to the primary" (cluster "unknown" until a heartbeat named it).
Status ReadOnlyRefusal(uint64_t cluster_id, const std::string& route);

}  // namespace shadekv::shadow
