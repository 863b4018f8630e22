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
  std::unique_ptr<AuditPlugin> plugin(new AuditPlugin(std::move(config), std::move(writer)));
  if (plugin->config_.writer.fsync == FsyncPolicy::kInterval) {
    plugin->flusher_ = std::thread([p = plugin.get()] { p->FlushLoop(); });
  }
  return plugin;
}

AuditPlugin::~AuditPlugin() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (flusher_.joinable()) flusher_.join();
}

void AuditPlugin::FlushLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, config_.writer.fsync_interval, [this] { return stopping_; });
    // A failed sync is retried next interval; the appends report their own errors.
    (void)writer_->SyncIfDirty();
  }
}

Status AuditPlugin::Append(AuditRecord record) {
  std::lock_guard<std::mutex> lock(mu_);
  return writer_->Append(std::move(record));
}

Status AuditPlugin::OnEvent(std::string_view body) {
  Result<bus::ChangeEvent> event = bus::DecodeEvent(body);
  if (!event.ok()) return event.status().WithContext("audit: not an EVENT body, nothing logged");
  return Append(RecordFromEvent(*event, config_.values));
}

Status AuditPlugin::OnRequest(std::string_view body) {
  Result<bus::RequestRecord> request = bus::DecodeRequestRecord(body);
  if (!request.ok()) {
    return request.status().WithContext("audit: not a REQUEST body, nothing logged");
  }
  return Append(RecordFromRequest(*request));
}

}  // namespace shadekv::audit
