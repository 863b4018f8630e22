// `shadectl watch` arguments and the /v3/watch create request, built the way
// etcdctl 3.4's watch command builds its clientv3.Watch call. Pure: no sockets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "agent/ctl/flags.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

std::vector<FlagSpec> WatchFlagSpecs();

// What to watch. range_end "" watches one key; "\0" means "to the end".
struct WatchSpec {
  std::string key;
  std::string range_end;
  int64_t start_revision = 0;  // 0: from now
  bool prev_kv = false;
  bool progress_notify = false;
};

struct WatchCommandArgs {
  WatchSpec spec;
  std::vector<std::string> exec;  // the command after `--`, run for every event
};

// positionals before `--` are KEY [RANGE_END]; after it, the command. Errors
// (InvalidArgument, exit 128) with etcdctl's wording: "bad number of
// arguments", "bad number of arguments (found separator --, but no
// commands)", "`range_end` and `--prefix` are mutually exclusive".
Result<WatchCommandArgs> ParseWatchArgs(const ParsedFlags& flags);

// The body POSTed to /v3/watch: {"create_request":{...}} with base64 keys and
// int64 as strings; zero values are left out as the gateway does.
std::string WatchCreateBody(const WatchSpec& spec);

}  // namespace shadekv::ctl
