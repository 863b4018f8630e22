// The etcd gateway's lease endpoints: /v3/lease/grant, revoke, keepalive
// (streaming), timetolive and leases (also under /v3/kv/lease/). Grant and
// revoke go through Raft from any member; keepalive and timetolive are
// answered by the leader (followers forward, see lease_forward.h); leases is
// answered from the member's own replicated table.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <cstddef>
#include <string>

#include "agent/api/http_reply.h"
#include "agent/server/member.h"

namespace shadekv::api {

// Serves one non-streaming lease route ("lease/grant", "lease/revoke",
// "lease/timetolive", "lease/leases"); false when `route` is none of them.
bool ServeLeaseRoute(const std::string& route, agent::Member& member, const std::string& body,
                     const agent::RequestOrigin& origin, HttpReply* reply);

// Serves POST /v3/lease/keepalive: reads the body's JSON values one at a
// time and answers each with one {"result":...} line, flushed at once, until
// the body ends. A malformed first value is answered like etcd (code 2, HTTP
// 500); a malformed later value ends the stream. Returns the HTTP status
// sent, for metrics.
int ServeLeaseKeepAlive(agent::Member& member, Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response, size_t max_value_bytes);

}  // namespace shadekv::api
