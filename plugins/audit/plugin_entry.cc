// The audit plugin's C entry (plugins/include/shadekv/plugin.h). Nothing
// thrown may cross the C boundary, so every callback runs under Guard.
#include <memory>
#include <string>

#include "plugins/audit/audit_plugin.h"
#include "shadekv/plugin.h"
#include "shadekv/plugin_support/entry_helpers.h"

namespace shadekv::audit {
namespace {

using plugin_support::Guard;
using plugin_support::Log;

int32_t Init(const shadekv_plugin_kv* config, size_t config_count, const shadekv_plugin_host* host,
             void** state, char* error, size_t error_capacity) {
  return Guard("audit init", error, error_capacity, [&]() -> Status {
    SHADEKV_ASSIGN_OR_RETURN(
        std::unique_ptr<AuditPlugin> plugin,
        AuditPlugin::Start(plugin_support::ConfigEntries(config, config_count)));
    const AuditWriter& w = plugin->writer();
    Log(host, SHADEKV_LOG_INFO,
        "auditing to " + plugin->config().writer.path + ", chain at seq " +
            std::to_string(w.last_seq()) + ", last revision " +
            std::to_string(w.LastLoggedRevision()));
    *state = plugin.release();
    return Status::Ok();
  });
}

int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error, size_t cap) {
  return Guard("audit on_event", error, cap, [&] {
    return static_cast<AuditPlugin*>(state)->OnEvent(
        std::string_view(reinterpret_cast<const char*>(bytes), len));
  });
}

int32_t OnRequest(void* state, const uint8_t* bytes, size_t len, char* error, size_t cap) {
  return Guard("audit on_request", error, cap, [&] {
    return static_cast<AuditPlugin*>(state)->OnRequest(
        std::string_view(reinterpret_cast<const char*>(bytes), len));
  });
}

// ABI v2's optional applied_revision: where shadekv-sub resumes after a
// restart, so each revision is logged exactly once.
int32_t AppliedRevision(void* state, int64_t* revision) {
  if (state == nullptr || revision == nullptr) return SHADEKV_PLUGIN_ERROR;
  *revision = static_cast<AuditPlugin*>(state)->LastLoggedRevision();
  return SHADEKV_PLUGIN_OK;
}

const shadekv_plugin_descriptor kDescriptor = {
    .abi_version = SHADEKV_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(shadekv_plugin_descriptor),
    .name = "audit",
    .init = &Init,
    .on_event = &OnEvent,
    .on_request = &OnRequest,
    .shutdown = &plugin_support::DeleteState<AuditPlugin>,
    // The log is the position: after a restart inside shadekv-sub the host
    // hands over only revisions past the last one logged (no duplicates).
    .applied_revision = &AppliedRevision,
    .on_snapshot = nullptr,
};

}  // namespace
}  // namespace shadekv::audit

extern "C" SHADEKV_PLUGIN_EXPORT const shadekv_plugin_descriptor* shadekv_plugin_entry(void) {
  return &shadekv::audit::kDescriptor;
}
