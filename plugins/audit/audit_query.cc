// Every filter must hold; a record with several keys matches a prefix when
// any of them does (a txn that touched one sensitive key is of interest).
#include "plugins/audit/audit_query.h"

namespace shadekv::audit {

bool Matches(const AuditQuery& query, const RecordView& record) {
  if (query.user && record.user != *query.user) return false;
  if (query.since_ms && record.time_ms < *query.since_ms) return false;
  if (query.until_ms && record.time_ms >= *query.until_ms) return false;
  if (query.prefix) {
    bool any = false;
    for (const std::string& key : record.keys) {
      any = any || key.compare(0, query.prefix->size(), *query.prefix) == 0;
    }
    if (!any) return false;
  }
  return true;
}

}  // namespace shadekv::audit
