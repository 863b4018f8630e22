// The daemon's flags for automatic compaction and corruption checks, parsed
// from the flag values the agent config collected (agent_config.h lists
// their names). Pure: no I/O.
//
//   --auto-compaction-mode periodic|revision   (default periodic)
//   --auto-compaction-retention R               periodic: a duration ("30m",
//       "1h") or a bare number of hours ("1", "0.5" is not accepted: etcd
//       takes whole hours); revision: how many revisions to keep. "0" or
//       unset: off (etcd's default).
//   --experimental-auto-compaction-revision-interval D  how often revision
//       mode looks (etcd: a fixed 5m; shadekv lets tests shorten it)
//   --experimental-initial-corrupt-check[=true|false]  check hashkv against
//       every peer before serving clients; refuse to start on a mismatch
//   --experimental-corrupt-check-time D         leader's periodic check (0: off)
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::maintenance {

enum class AutoCompactionMode { kOff, kPeriodic, kRevision };

struct MaintenanceConfig {
  AutoCompactionMode auto_compaction = AutoCompactionMode::kOff;
  std::chrono::milliseconds compaction_period{0};  // periodic mode
  int64_t compaction_revisions = 0;                // revision mode
  std::chrono::milliseconds revision_mode_interval{5 * 60 * 1000};
  bool initial_corrupt_check = false;
  std::chrono::milliseconds corrupt_check_interval{0};  // 0: no periodic check
};

// The flag names above (without dashes), to add to the agent's known flags.
const std::vector<std::string>& MaintenanceFlagNames();
// True for the flags that may be given without a value (the bool ones).
bool IsMaintenanceBoolFlag(const std::string& name);

// Builds the config from every flag's values (the last value wins); other
// flags are ignored. Errors are kInvalidArgument naming the flag and the
// value, e.g. "--auto-compaction-retention 'x': expected a duration like 1h
// or 30m, or a whole number of hours".
Result<MaintenanceConfig> ParseMaintenanceFlags(
    const std::map<std::string, std::vector<std::string>>& flags);

}  // namespace shadekv::maintenance
