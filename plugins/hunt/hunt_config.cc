// Parsing of the hunt plugin's settings (hunt_config.h).
#include "plugins/hunt/hunt_config.h"

#include <cerrno>
#include <climits>
#include <cstdlib>

namespace shadekv::hunt {

Result<HuntConfig> ParseHuntConfig(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  HuntConfig config;
  for (const auto& [key, value] : entries) {
    if (key != "rules" && key != "alerts" && key != "publish" && key != "send_hwm") {
      return Status::InvalidArgument("hunt: unknown setting hunt." + key +
                                     " (known: hunt.rules, hunt.alerts, hunt.publish, "
                                     "hunt.send_hwm)");
    }
    if (value.empty()) {
      return Status::InvalidArgument("hunt: hunt." + key + " is empty; give a value");
    }
    if (key == "rules") config.rules = value;
    if (key == "alerts") config.alerts = value;
    if (key == "publish") config.publish = value;
    if (key == "send_hwm") {
      char* end = nullptr;
      errno = 0;
      long n = std::strtol(value.c_str(), &end, 10);
      if (errno != 0 || end == value.c_str() || *end != '\0' || n < 1 || n > INT_MAX) {
        return Status::InvalidArgument("hunt: hunt.send_hwm \"" + value +
                                       "\" is not a positive integer");
      }
      config.send_hwm = static_cast<int>(n);
    }
  }
  if (config.rules.empty()) {
    return Status::InvalidArgument(
        "hunt: hunt.rules is required: --plugin-config hunt.rules=PATH (see "
        "examples/hunt/rules.json)");
  }
  if (config.alerts.empty()) {
    return Status::InvalidArgument(
        "hunt: hunt.alerts is required: --plugin-config hunt.alerts=PATH of the JSON-lines "
        "alerts file");
  }
  return config;
}

}  // namespace shadekv::hunt
