// The hunt plugin's settings (`--plugin-config hunt.KEY=VALUE`), parsed and
// checked without touching a file or a socket.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::hunt {

struct HuntConfig {
  std::string rules;    // hunt.rules: the rules file (required)
  std::string alerts;   // hunt.alerts: the JSON-lines alerts file, appended (required)
  std::string publish;  // hunt.publish: PUB endpoint for ALERTs, "" = none
  int send_hwm = 1000;  // hunt.send_hwm: alerts queued per subscriber before ZeroMQ drops
};

// Later entries win (plugin.h's convention). Missing required keys, unknown
// keys, empty values and a send_hwm that is not a positive integer are
// kInvalidArgument naming the key and how to fix it.
Result<HuntConfig> ParseHuntConfig(const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace shadekv::hunt
