// The hunt plugin's C entry (plugins/include/shadekv/plugin.h): parses its
// settings, starts a Hunter, and forwards on_event / on_request to it.
// Nothing thrown may cross the C boundary, so every callback catches.
#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugins/hunt/hunt_config.h"
#include "plugins/hunt/hunter.h"
#include "shadekv/plugin.h"
#include "shadekv/plugin_support/entry_helpers.h"

namespace shadekv::hunt {
namespace {

using plugin_support::Log;
using plugin_support::WriteError;

int32_t Init(const shadekv_plugin_kv* config, size_t config_count, const shadekv_plugin_host* host,
             void** state, char* error, size_t error_capacity) {
  try {
    std::vector<std::pair<std::string, std::string>> entries =
        plugin_support::ConfigEntries(config, config_count);
    Result<HuntConfig> parsed = ParseHuntConfig(entries);
    if (!parsed.ok()) {
      WriteError(parsed.status().message(), error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    Result<std::unique_ptr<Hunter>> hunter = Hunter::Start(*parsed);
    if (!hunter.ok()) {
      WriteError(hunter.status().message(), error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    std::string where = "hunting with " + std::to_string((*hunter)->rule_count()) + " rules from " +
                        parsed->rules + ", alerts to " + parsed->alerts;
    if (!(*hunter)->publish_endpoint().empty()) {
      where += " and on " + (*hunter)->publish_endpoint();
    }
    Log(host, (*hunter)->rule_count() == 0 ? SHADEKV_LOG_WARN : SHADEKV_LOG_INFO, where);
    *state = hunter->release();
    return SHADEKV_PLUGIN_OK;
  } catch (const std::exception& e) {
    WriteError(std::string("hunt init failed: ") + e.what(), error, error_capacity);
  } catch (...) {
    WriteError("hunt init failed with an unknown exception", error, error_capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

// on_event and on_request differ only in which Hunter method they call.
template <Status (Hunter::*kMethod)(std::string_view)>
int32_t Forward(void* state, const uint8_t* bytes, size_t len, char* error, size_t error_capacity) {
  try {
    if (state == nullptr || (bytes == nullptr && len != 0)) {
      WriteError("hunt: called without state or bytes", error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    std::string_view body(reinterpret_cast<const char*>(bytes), len);
    Status s = (static_cast<Hunter*>(state)->*kMethod)(body);
    if (s.ok()) return SHADEKV_PLUGIN_OK;
    WriteError(s.message(), error, error_capacity);
  } catch (const std::exception& e) {
    WriteError(std::string("hunt failed: ") + e.what(), error, error_capacity);
  } catch (...) {
    WriteError("hunt failed with an unknown exception", error, error_capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

void Shutdown(void* state) {
  try {
    delete static_cast<Hunter*>(state);
  } catch (...) {
    // Nothing can be reported from here; the host is unloading us.
  }
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
    .shutdown = &Shutdown,
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
