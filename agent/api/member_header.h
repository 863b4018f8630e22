// The response header every gateway answer carries, read from the member
// that answers. Shared by the KV, lease and watch handlers so that all of
// them report the same identity and term.
#pragma once

#include <cstdint>

#include "agent/api/etcd_json.h"
#include "agent/server/member.h"

namespace shadekv::api {

// `m`'s cluster id, member id and current Raft term, with `revision` (the
// revision the answer speaks of; 0 where etcd leaves it out, as for the
// cluster calls). Any thread that may call into `m` may call this.
ResponseHeader HeaderOf(agent::Member& m, int64_t revision);

}  // namespace shadekv::api
