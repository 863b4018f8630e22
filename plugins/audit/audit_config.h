// The audit plugin's settings (`--plugin-config audit.KEY=VALUE`). Pure.
//
//   path               required; the active log file
//   fsync              always | interval (default) | never
//   fsync_interval_ms  100; for fsync=interval, >= 1
//   max_bytes          67108864 (64 MiB); rotate before a file would exceed
//                      it; 0 = never rotate; otherwise >= 4096
//   values             hash (default) | full | none
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "plugins/audit/audit_record.h"
#include "plugins/audit/audit_writer.h"
#include "shadekv/common/status.h"

namespace shadekv::audit {

struct AuditConfig {
  WriterOptions writer;
  ValuesPolicy values = ValuesPolicy::kHash;
};

// Entries as given (a later duplicate wins). InvalidArgument naming the key
// and the accepted values for a missing path, an unknown key or a bad value.
Result<AuditConfig> ParseAuditConfig(
    const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace shadekv::audit
