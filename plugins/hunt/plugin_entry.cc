// The hunt plugin's C entry (plugins/include/shadekv/plugin.h): parses its
// settings, starts a Hunter, and forwards on_event / on_request to it.
// Nothing thrown may cross the C boundary, so every callback runs under Guard.
#include <memory>
#include <string>

#include "plugins/hunt/hunt_config.h"
#include "plugins/hunt/hunter.h"
#include "shadekv/plugin.h"
#include "shadekv/plugin_support/entry_helpers.h"

namespace shadekv::hunt {
namespace {

using plugin_support::Guard;
using plugin_support::Log;

int32_t Init(const shadekv_plugin_kv* config, size_t config_count, const shadekv_plugin_host* host,
             void** state, char* error, size_t error_capacity) {
  return Guard("hunt init", error, error_capacity, [&]() -> Status {
    SHADEKV_ASSIGN_OR_RETURN(HuntConfig parsed,
                             ParseHuntConfig(plugin_support::ConfigEntries(config, config_count)));
    SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<Hunter> hunter, Hunter::Start(parsed));
    std::string where = "hunting with " + std::to_string(hunter->rule_count()) + " rules from " +
                        parsed.rules + ", alerts to " + parsed.alerts;
    if (!hunter->publish_endpoint().empty()) where += " and on " + hunter->publish_endpoint();
    Log(host, hunter->rule_count() == 0 ? SHADEKV_LOG_WARN : SHADEKV_LOG_INFO, where);
    *state = hunter.release();
    return Status::Ok();
  });
}

// on_event and on_request differ only in which Hunter method they call.
template <Status (Hunter::*kMethod)(std::string_view)>
int32_t Forward(void* state, const uint8_t* bytes, size_t len, char* error, size_t error_capacity) {
  return Guard("hunt", error, error_capacity, [&] {
    if (state == nullptr || (bytes == nullptr && len != 0)) {
      return Status::InvalidArgument("hunt: called without state or bytes");
    }
    return (static_cast<Hunter*>(state)->*kMethod)(
        std::string_view(reinterpret_cast<const char*>(bytes), len));
  });
}

// Designated initializers: later ABI versions append optional callbacks,
// which stay null here.
const shadekv_plugin_descriptor kDescriptor = {
    .abi_version = SHADEKV_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(shadekv_plugin_descriptor),
    .name = "hunt",
    .init = &Init,
    .on_event = &Forward<&Hunter::OnEvent>,
    .on_request = &Forward<&Hunter::OnRequest>,
    .shutdown = &plugin_support::DeleteState<Hunter>,
    // Rules watch the live stream; windows restart with the process, so a
    // position of its own would add nothing.
    .applied_revision = nullptr,
    .on_snapshot = nullptr,
};

}  // namespace
}  // namespace shadekv::hunt

extern "C" SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &shadekv::hunt::kDescriptor;
}
