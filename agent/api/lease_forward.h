// Forwarding lease keep-alives and time-to-live queries from a follower to the
// leader's client URL, as etcd forwards them over HTTP: only the leader has
// the clock that decides expiry. A forwarded request carries
// kForwardedHeader, and a member never forwards such a request again. It
// also carries the caller's auth token (the Authorization header as the
// client sent it), so the leader knows who asked.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/server/member.h"
#include "shadekv/common/status.h"

namespace shadekv::api {

inline constexpr char kForwardedHeader[] = "X-Shadekv-Forwarded";

// Renews lease `id` on the leader: locally when this member leads (or the
// request was already forwarded), else through the leader's client URL,
// retried while the cluster has no leader or the leader is changing, until
// `deadline`. Returns the granted TTL; kNotFound for an unknown lease;
// kUnavailable "etcdserver: no leader" when no leader answered in time.
Result<int64_t> RenewOnLeader(agent::Member& member, int64_t id, bool forwarded,
                              std::chrono::milliseconds deadline, const std::string& token = "");

// TimeToLive of lease `id` from the leader, with the same rules; nullopt for
// an unknown lease.
Result<std::optional<lease::TimeToLive>> TimeToLiveOnLeader(agent::Member& member, int64_t id,
                                                            bool with_keys, bool forwarded,
                                                            std::chrono::milliseconds deadline,
                                                            const std::string& token = "");

}  // namespace shadekv::api
