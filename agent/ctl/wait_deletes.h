// The queueing primitive shared by the lock and the election, as in etcd's
// clientv3/concurrency: wait until every key under a prefix created before a
// revision has been deleted, watching only the newest of them each round (so
// a release wakes one waiter, not all of them).
#pragma once

#include <cstdint>
#include <string>

#include <Poco/JSON/Object.h>

#include "agent/ctl/cancel_token.h"
#include "agent/ctl/gateway_client.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// Returns the header of the range that found no such key. Cancelled when
// `cancel` stops; the range's error when a read fails; Aborted when the
// server cancels the watch (a compaction overtook it).
Result<Poco::JSON::Object::Ptr> WaitDeletes(const GatewayClient& client, const std::string& prefix,
                                            int64_t max_create_revision, CancelToken* cancel);

// Blocks until `key` is deleted at a revision >= `from_revision` (a DELETE
// event on a watch from there). Stream breaks are returned as Unavailable:
// the caller re-reads and decides again.
Status WaitDelete(const GatewayClient& client, const std::string& key, int64_t from_revision,
                  CancelToken* cancel);

// Gateway request bodies the recipes use (base64 keys, int64 as strings).
// A range over every key with `prefix`, sorted by create revision, limit 1:
// first (oldest) when `newest` is false, last when true; 0 = no max.
Poco::JSON::Object::Ptr PrefixByCreateRequest(const std::string& prefix, bool newest,
                                              int64_t max_create_revision);
Poco::JSON::Object::Ptr CompareCreateRevision(const std::string& key, int64_t revision);
// One txn operation: {`kind`: `request`}, `kind` being "request_put",
// "request_range" or "request_delete_range".
Poco::JSON::Object::Ptr TxnOp(const std::string& kind, const Poco::JSON::Object::Ptr& request);

}  // namespace shadekv::ctl
