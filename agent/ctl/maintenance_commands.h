// `alarm list`, `alarm disarm` and `defrag`, as etcdctl 3.4 runs them.
#pragma once

#include <vector>

#include "agent/ctl/commands.h"

namespace shadekv::ctl {

// Lists the cluster's alarms ("memberID:N alarm:NOSPACE" lines).
int RunAlarmList(const ParsedFlags& flags, CommandEnv& env);
// Deactivates every active alarm, one by one like etcdctl's client, and
// prints those it cleared.
int RunAlarmDisarm(const ParsedFlags& flags, CommandEnv& env);
// Defragments each endpoint (or with --cluster every member's client URL)
// separately; prints etcdctl's "Finished defragmenting etcd member[EP]" and
// the store size before and after (read from the status call), or "Failed to
// defragment etcd member[EP] (reason)" on stderr and exits 1.
int RunDefrag(const ParsedFlags& flags, CommandEnv& env);
std::vector<FlagSpec> DefragFlagSpecs();

}  // namespace shadekv::ctl
