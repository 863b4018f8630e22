// Audit records from the bus messages a plugin receives: an EVENT body (one
// committed revision) or a REQUEST body (one client request). Pure.
#pragma once

#include "plugins/audit/audit_record.h"
#include "shadekv/bus/messages.h"

namespace shadekv::audit {

// kind "event", time = leader time; each change's value recorded per
// `values` (hash: size + SHA-256; full: size + bytes; none: nothing).
AuditRecord RecordFromEvent(const bus::ChangeEvent& event, ValuesPolicy values);

// kind "request", time = the receiving member's time.
AuditRecord RecordFromRequest(const bus::RequestRecord& request);

}  // namespace shadekv::audit
