// shadekv-sub's command line, parsed without side effects.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/plugin_host/plugin_host.h"

namespace shadekv::bus {

struct SubOptions {
  std::vector<std::string> bus;                             // --bus EP[,EP...]: PUB endpoints
  std::optional<int64_t> from_revision;                     // --from-rev R: first revision wanted
  std::string prefix;                                       // --prefix P: keys printed
  std::vector<std::string> plugins;                         // --plugin PATH (repeatable)
  std::vector<plugin_host::PluginSetting> plugin_settings;  // --plugin-config N.K=V
  std::string state_file;                                   // --state-file PATH
  std::string curve_key;                                    // --bus-curve-key PREFIX (PREFIX.key)
  std::vector<std::string> curve_server_keys;               // --bus-curve-server-key FILE[,FILE...]
  bool help = false;
};

// kInvalidArgument naming the flag for anything unknown, missing or malformed.
Result<SubOptions> ParseSubOptions(const std::vector<std::string>& args);

extern const char kSubUsage[];

}  // namespace shadekv::bus
