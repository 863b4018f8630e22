// The endpoints a per-member command (endpoint status/health/hashkv, defrag)
// talks to: --endpoints, or with --cluster every member's client URLs.
#pragma once

#include <string>
#include <vector>

#include "agent/ctl/commands.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// Without --cluster, the --endpoints as given. With --cluster, the client
// URLs of every member from the member list (first seen first, each once),
// as etcdctl's --cluster does.
Result<std::vector<std::string>> ClusterOrFlagEndpoints(const ParsedFlags& flags, CommandEnv& env);

}  // namespace shadekv::ctl
