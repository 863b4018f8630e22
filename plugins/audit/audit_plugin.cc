// Decoding stays here so a malformed body is refused before anything is
// written: the log holds only records of real events and requests.
#include "plugins/audit/audit_plugin.h"

#include "plugins/audit/audit_from_bus.h"
#include "shadekv/bus/codec.h"

namespace shadekv::audit {

Result<std::unique_ptr<AuditPlugin>> AuditPlugin::Start(
    const std::vector<std::pair<std::string, std::string>>& settings) {
  SHADEKV_ASSIGN_OR_RETURN(AuditConfig config, ParseAuditConfig(settings));
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<AuditWriter> writer, AuditWriter::Open(config.writer));
  return std::unique_ptr<AuditPlugin>(new AuditPlugin(std::move(config), std::move(writer)));
}

Status AuditPlugin::OnEvent(std::string_view body) {
  Result<bus::ChangeEvent> event = bus::DecodeEvent(body);
  if (!event.ok()) return event.status().WithContext("audit: not an EVENT body, nothing logged");
  return writer_->Append(RecordFromEvent(*event, config_.values));
}

Status AuditPlugin::OnRequest(std::string_view body) {
  Result<bus::RequestRecord> request = bus::DecodeRequestRecord(body);
  if (!request.ok()) {
    return request.status().WithContext("audit: not a REQUEST body, nothing logged");
  }
  return writer_->Append(RecordFromRequest(*request));
}

}  // namespace shadekv::audit
