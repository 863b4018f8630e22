// The publisher plugin's C entry (plugins/include/shadekv/plugin.h): parses
// its settings, starts a Publisher, and forwards on_event to it. Nothing
// thrown may cross the C boundary, so every callback catches.
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugins/publisher/publisher.h"
#include "plugins/publisher/publisher_config.h"
#include "shadekv/plugin.h"
#include "shadekv/plugin_support/entry_helpers.h"

namespace shadekv::publisher {
namespace {

using plugin_support::Log;
using plugin_support::WriteError;

int32_t Init(const shadekv_plugin_kv* config, size_t config_count, const shadekv_plugin_host* host,
             void** state, char* error, size_t error_capacity) {
  try {
    std::vector<std::pair<std::string, std::string>> entries =
        plugin_support::ConfigEntries(config, config_count);
    Result<PublisherConfig> parsed = ParsePublisherConfig(entries);
    if (!parsed.ok()) {
      WriteError(parsed.status().message(), error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    Result<std::unique_ptr<Publisher>> publisher = Publisher::Start(*parsed, host);
    if (!publisher.ok()) {
      WriteError(publisher.status().message(), error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    Log(host, SHADEKV_LOG_INFO,
        "publishing on " + (*publisher)->pub_endpoint() + ", catch-up on " +
            (*publisher)->catchup_endpoint());
    *state = publisher->release();
    return SHADEKV_PLUGIN_OK;
  } catch (const std::exception& e) {
    WriteError(std::string("publisher init failed: ") + e.what(), error, error_capacity);
  } catch (...) {
    WriteError("publisher init failed with an unknown exception", error, error_capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error, size_t error_capacity) {
  try {
    Status s = static_cast<Publisher*>(state)->Publish(
        std::string_view(reinterpret_cast<const char*>(bytes), len));
    if (s.ok()) return SHADEKV_PLUGIN_OK;
    WriteError(s.message(), error, error_capacity);
  } catch (const std::exception& e) {
    WriteError(std::string("publisher on_event failed: ") + e.what(), error, error_capacity);
  } catch (...) {
    WriteError("publisher on_event failed with an unknown exception", error, error_capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

void Shutdown(void* state) {
  try {
    delete static_cast<Publisher*>(state);
  } catch (...) {
    // Nothing can be reported from here; the host is unloading us.
  }
}

const shadekv_plugin_descriptor kDescriptor = {
    SHADEKV_PLUGIN_ABI_VERSION,
    sizeof(shadekv_plugin_descriptor),
    "publisher",
    &Init,
    &OnEvent,
    nullptr,
    &Shutdown,
    nullptr,
    nullptr,
};

}  // namespace
}  // namespace shadekv::publisher

extern "C" SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &shadekv::publisher::kDescriptor;
}
