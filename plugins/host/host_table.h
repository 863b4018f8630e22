// The C function table (shadekv_plugin_host) a plugin receives in init,
// backed by the embedding process's HostServices and Poco logging. One table
// per plugin so its log lines carry the plugin's name.
#pragma once

#include <string>

#include "shadekv/plugin.h"
#include "shadekv/plugin_host/host_services.h"

namespace Poco {
class Logger;
}

namespace shadekv::plugin_host {

class HostTable {
 public:
  // `services` may be null (the history functions are then NULL); it must
  // outlive this table.
  HostTable(const std::string& plugin_name, HostServices* services);
  HostTable(const HostTable&) = delete;
  HostTable& operator=(const HostTable&) = delete;

  // Stable for this object's lifetime; what the plugin's init receives.
  const shadekv_plugin_host* table() const { return &table_; }

 private:
  static void Log(void* context, int32_t level, const char* message);
  static int32_t ReadHistory(void* context, int64_t from_revision, uint32_t max_events,
                             shadekv_event_sink_fn sink, void* sink_arg, int64_t* next_revision,
                             char* error, size_t error_capacity);
  static int32_t ExportSnapshot(void* context, shadekv_snapshot_sink_fn sink, void* sink_arg,
                                int64_t* revision, char* error, size_t error_capacity);
  static int32_t Revisions(void* context, int64_t* current_revision, int64_t* compact_revision);
  static int32_t Identity(void* context, uint64_t* member_id, uint64_t* cluster_id);

  HostServices* const services_;
  Poco::Logger& logger_;
  shadekv_plugin_host table_{};
};

// Copies `message` into a plugin-facing error buffer, truncating; no-op when
// the buffer is null or empty.
void WriteError(const std::string& message, char* error, size_t error_capacity);

}  // namespace shadekv::plugin_host
