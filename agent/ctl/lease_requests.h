// The lease calls shadectl makes, over the gateway client: grant, revoke, one
// keep-alive round trip. Shared by the `lease` commands and the session that
// keeps a lock's or a campaign's lease alive.
#pragma once

#include <chrono>
#include <cstdint>

#include <Poco/JSON/Object.h>

#include "agent/ctl/gateway_client.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// POST /v3/lease/grant {"TTL":ttl}; the response as the gateway sent it.
Result<Poco::JSON::Object::Ptr> GrantLease(const GatewayClient& client, int64_t ttl_seconds);

// POST /v3/lease/revoke {"ID":id}; NotFound for an unknown lease.
Result<Poco::JSON::Object::Ptr> RevokeLease(const GatewayClient& client, int64_t id);

// One POST to /v3/lease/keepalive carrying one {"ID":id}; the single result.
// A lease the server no longer has comes back with no TTL (read it as 0).
// `timeout` bounds the wait for the answer.
Result<Poco::JSON::Object::Ptr> KeepAliveOnce(const GatewayClient& client, int64_t id,
                                              std::chrono::nanoseconds timeout,
                                              CancelToken* cancel);

}  // namespace shadekv::ctl
