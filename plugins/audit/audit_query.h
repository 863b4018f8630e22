// The filter of `shadectl audit query`. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plugins/audit/audit_line.h"

namespace shadekv::audit {

struct AuditQuery {
  std::optional<std::string> prefix;  // a key the record touched/named starts with it
  std::optional<std::string> user;    // exact match ("" = unauthenticated)
  std::optional<int64_t> since_ms;    // time >= since
  std::optional<int64_t> until_ms;    // time < until
};

// True when the record passes every filter that is set.
bool Matches(const AuditQuery& query, const RecordView& record);

}  // namespace shadekv::audit
