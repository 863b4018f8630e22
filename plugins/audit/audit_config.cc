// Settings parsing: every bad value is refused with the accepted range, so
// the agent refuses to start rather than audit in a way nobody asked for.
#include "plugins/audit/audit_config.h"

#include <charconv>

namespace shadekv::audit {
namespace {

Result<uint64_t> ParseUint(const std::string& key, const std::string& text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Status::InvalidArgument("audit." + key + " must be a non-negative integer, not \"" +
                                   text + "\"");
  }
  return value;
}

}  // namespace

Result<AuditConfig> ParseAuditConfig(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  AuditConfig config;
  // Group commit by default: one fdatasync per record (fsync=always) keeps
  // the plugin below the agent's write rate on ordinary disks, and events
  // beyond its bounded queue would be dropped (docs/benchmarks.md, "Shadow
  // and audit"). At most 100 ms of records are at risk on a power loss.
  config.writer.fsync = FsyncPolicy::kInterval;
  config.writer.fsync_interval = std::chrono::milliseconds(100);
  bool has_path = false;
  for (const auto& [key, value] : entries) {
    if (key == "path") {
      config.writer.path = value;
      has_path = !value.empty();
    } else if (key == "fsync") {
      if (value == "always") {
        config.writer.fsync = FsyncPolicy::kAlways;
      } else if (value == "interval") {
        config.writer.fsync = FsyncPolicy::kInterval;
      } else if (value == "never") {
        config.writer.fsync = FsyncPolicy::kNever;
      } else {
        return Status::InvalidArgument("audit.fsync must be always, interval or never, not \"" +
                                       value + "\"");
      }
    } else if (key == "fsync_interval_ms") {
      SHADEKV_ASSIGN_OR_RETURN(uint64_t ms, ParseUint(key, value));
      if (ms < 1 || ms > 3600000) {
        return Status::InvalidArgument("audit.fsync_interval_ms must be in 1..3600000, not " +
                                       value);
      }
      config.writer.fsync_interval = std::chrono::milliseconds(ms);
    } else if (key == "max_bytes") {
      SHADEKV_ASSIGN_OR_RETURN(uint64_t bytes, ParseUint(key, value));
      if (bytes != 0 && bytes < 4096) {
        return Status::InvalidArgument("audit.max_bytes must be 0 (never rotate) or >= 4096, not " +
                                       value);
      }
      config.writer.max_bytes = bytes;
    } else if (key == "values") {
      SHADEKV_ASSIGN_OR_RETURN(config.values, ParseValuesPolicy(value));
    } else {
      return Status::InvalidArgument("unknown setting audit." + key +
                                     " (known: path, fsync, fsync_interval_ms, max_bytes, values)");
    }
  }
  if (!has_path) {
    return Status::InvalidArgument(
        "audit.path is required: --plugin-config audit.path=/var/lib/shadekv/audit.log");
  }
  return config;
}

}  // namespace shadekv::audit
