// Maps bus messages onto audit records; the value policy is applied here so
// a secret never reaches the writer unless audit.values=full asked for it.
#include "plugins/audit/audit_from_bus.h"

#include "plugins/audit/audit_chain.h"

namespace shadekv::audit {

AuditRecord RecordFromEvent(const bus::ChangeEvent& event, ValuesPolicy values) {
  AuditRecord r;
  r.kind = "event";
  r.time_ms = event.leader_time_ms;
  r.revision = event.revision;
  r.member_id = event.member_id;
  r.request_id = event.request_id;
  r.user = event.user;
  r.client_address = event.client_address;
  for (const store::KeyChange& change : event.changes) {
    AuditChange c;
    c.key = change.kv.key;
    if (change.type == store::KeyChange::Type::kDelete) {
      c.type = "DELETE";
    } else {
      c.type = "PUT";
      if (values != ValuesPolicy::kNone) c.value_size = change.kv.value.size();
      if (values == ValuesPolicy::kHash) c.value_sha256 = Sha256Hex(change.kv.value);
      if (values == ValuesPolicy::kFull) c.value = change.kv.value;
    }
    r.changes.push_back(std::move(c));
  }
  return r;
}

AuditRecord RecordFromRequest(const bus::RequestRecord& request) {
  AuditRecord r;
  r.kind = "request";
  r.time_ms = request.time_ms;
  r.revision = request.revision;
  r.member_id = request.member_id;
  r.request_id = request.request_id;
  r.user = request.user;
  r.client_address = request.client_address;
  r.operation = request.operation;
  r.key = request.key;
  r.range_end = request.range_end;
  r.outcome = bus::RequestOutcomeName(request.outcome);
  r.code = request.code;
  r.message = request.message;
  return r;
}

}  // namespace shadekv::audit
