// The etcd gateway's alarm and defragment calls, and the alarm part of
// /health (etcd 3.4: any active alarm makes the member unhealthy).
#pragma once

#include <optional>
#include <string>

#include "agent/api/http_reply.h"
#include "agent/server/member.h"

namespace shadekv::api {

// POST /v3/maintenance/alarm. GET answers the applied list after a
// linearizable barrier; ACTIVATE and DEACTIVATE go through Raft and answer
// the alarm changed (`{}` when a deactivated alarm was not active), as etcd
// 3.4 does. ACTIVATE of NONE is refused (etcd stores it and then reports an
// unhealthy member that no alarm explains).
HttpReply ServeAlarm(agent::Member& member, const std::string& body);

// POST /v3/maintenance/defragment: defragments this member's store and
// answers etcd's `{}`; the sizes before and after are logged (etcd clients
// read dbSize from the status call, shadectl defrag does).
HttpReply ServeDefragment(agent::Member& member, const std::string& body);

// 503 {"health":"false"} while any alarm is active (etcd 3.4.23's answer,
// no reason given); nullopt otherwise.
std::optional<HttpReply> AlarmHealthReply(agent::Member& member);

}  // namespace shadekv::api
