// The publisher plugin's C entry (plugins/include/shadekv/plugin.h): parses
// its settings, starts a Publisher, and forwards on_event to it. Nothing
// thrown may cross the C boundary, so every callback runs under Guard.
#include <memory>
#include <string>

#include "plugins/publisher/publisher.h"
#include "plugins/publisher/publisher_config.h"
#include "shadekv/plugin.h"
#include "shadekv/plugin_support/entry_helpers.h"

namespace shadekv::publisher {
namespace {

using plugin_support::Guard;
using plugin_support::Log;

int32_t Init(const shadekv_plugin_kv* config, size_t config_count, const shadekv_plugin_host* host,
             void** state, char* error, size_t error_capacity) {
  return Guard("publisher init", error, error_capacity, [&]() -> Status {
    SHADEKV_ASSIGN_OR_RETURN(
        PublisherConfig parsed,
        ParsePublisherConfig(plugin_support::ConfigEntries(config, config_count)));
    SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<Publisher> publisher, Publisher::Start(parsed, host));
    Log(host, SHADEKV_LOG_INFO,
        "publishing on " + publisher->pub_endpoint() + ", catch-up on " +
            publisher->catchup_endpoint());
    *state = publisher.release();
    return Status::Ok();
  });
}

int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error, size_t error_capacity) {
  return Guard("publisher on_event", error, error_capacity, [&] {
    return static_cast<Publisher*>(state)->Publish(
        std::string_view(reinterpret_cast<const char*>(bytes), len));
  });
}

const shadekv_plugin_descriptor kDescriptor = {
    SHADEKV_PLUGIN_ABI_VERSION,
    sizeof(shadekv_plugin_descriptor),
    "publisher",
    &Init,
    &OnEvent,
    nullptr,
    &plugin_support::DeleteState<Publisher>,
    nullptr,
    nullptr,
};

}  // namespace
}  // namespace shadekv::publisher

extern "C" SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &shadekv::publisher::kDescriptor;
}
