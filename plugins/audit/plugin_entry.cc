// The audit plugin's C entry (plugins/include/shadekv/plugin.h). Nothing
// thrown may cross the C boundary, so every callback catches.
#include <algorithm>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugins/audit/audit_plugin.h"
#include "shadekv/plugin.h"
#include "shadekv/plugin_support/entry_helpers.h"

namespace shadekv::audit {
namespace {

using plugin_support::Log;
using plugin_support::WriteError;

int32_t Init(const shadekv_plugin_kv* config, size_t config_count, const shadekv_plugin_host* host,
             void** state, char* error, size_t error_capacity) {
  try {
    std::vector<std::pair<std::string, std::string>> entries =
        plugin_support::ConfigEntries(config, config_count);
    Result<std::unique_ptr<AuditPlugin>> plugin = AuditPlugin::Start(entries);
    if (!plugin.ok()) {
      WriteError(plugin.status().message(), error, error_capacity);
      return SHADEKV_PLUGIN_ERROR;
    }
    if (host != nullptr && host->log != nullptr) {
      const AuditWriter& w = (*plugin)->writer();
      std::string line = "auditing to " + (*plugin)->config().writer.path + ", chain at seq " +
                         std::to_string(w.last_seq()) + ", last revision " +
                         std::to_string(w.LastLoggedRevision());
      host->log(host->context, SHADEKV_LOG_INFO, line.c_str());
    }
    *state = plugin->release();
    return SHADEKV_PLUGIN_OK;
  } catch (const std::exception& e) {
    WriteError(std::string("audit init failed: ") + e.what(), error, error_capacity);
  } catch (...) {
    WriteError("audit init failed with an unknown exception", error, error_capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

template <typename Call>
int32_t Guarded(Call call, const char* what, char* error, size_t error_capacity) {
  try {
    Status s = call();
    if (s.ok()) return SHADEKV_PLUGIN_OK;
    WriteError(s.message(), error, error_capacity);
  } catch (const std::exception& e) {
    WriteError(std::string("audit ") + what + " failed: " + e.what(), error, error_capacity);
  } catch (...) {
    WriteError(std::string("audit ") + what + " failed with an unknown exception", error,
               error_capacity);
  }
  return SHADEKV_PLUGIN_ERROR;
}

int32_t OnEvent(void* state, const uint8_t* bytes, size_t len, char* error, size_t cap) {
  return Guarded(
      [&] {
        return static_cast<AuditPlugin*>(state)->OnEvent(
            std::string_view(reinterpret_cast<const char*>(bytes), len));
      },
      "on_event", error, cap);
}

int32_t OnRequest(void* state, const uint8_t* bytes, size_t len, char* error, size_t cap) {
  return Guarded(
      [&] {
        return static_cast<AuditPlugin*>(state)->OnRequest(
            std::string_view(reinterpret_cast<const char*>(bytes), len));
      },
      "on_request", error, cap);
}

// ABI v2's optional applied_revision: where shadekv-sub resumes after a
// restart, so each revision is logged exactly once.
int32_t AppliedRevision(void* state, int64_t* revision) {
  if (state == nullptr || revision == nullptr) return SHADEKV_PLUGIN_ERROR;
  *revision = static_cast<AuditPlugin*>(state)->LastLoggedRevision();
  return SHADEKV_PLUGIN_OK;
}

void Shutdown(void* state) {
  try {
    delete static_cast<AuditPlugin*>(state);
  } catch (...) {
    // Nothing can be reported from here; the host is unloading us.
  }
}

const shadekv_plugin_descriptor kDescriptor = {
    .abi_version = SHADEKV_PLUGIN_ABI_VERSION,
    .struct_size = sizeof(shadekv_plugin_descriptor),
    .name = "audit",
    .init = &Init,
    .on_event = &OnEvent,
    .on_request = &OnRequest,
    .shutdown = &Shutdown,
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
