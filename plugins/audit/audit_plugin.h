// The audit plugin's logic behind its C entry: decodes EVENT and REQUEST
// bodies and appends one record each. Not thread-safe except
// LastLoggedRevision: the host calls on_event/on_request from one thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugins/audit/audit_config.h"
#include "plugins/audit/audit_writer.h"
#include "shadekv/common/status.h"

namespace shadekv::audit {

class AuditPlugin {
 public:
  // Parses the settings and opens the log (see AuditWriter::Open).
  static Result<std::unique_ptr<AuditPlugin>> Start(
      const std::vector<std::pair<std::string, std::string>>& settings);

  // One EVENT body -> one "event" record. InvalidArgument for a body that
  // is not an EVENT (nothing written), the writer's error otherwise.
  Status OnEvent(std::string_view body);
  // One REQUEST body -> one "request" record; errors as for OnEvent.
  Status OnRequest(std::string_view body);

  // The newest revision in the log, for ABI v2's applied_revision: a
  // subscriber resumes after it, so no revision is logged twice.
  int64_t LastLoggedRevision() const { return writer_->LastLoggedRevision(); }

  const AuditWriter& writer() const { return *writer_; }
  const AuditConfig& config() const { return config_; }

 private:
  AuditPlugin(AuditConfig config, std::unique_ptr<AuditWriter> writer)
      : config_(std::move(config)), writer_(std::move(writer)) {}

  const AuditConfig config_;
  std::unique_ptr<AuditWriter> writer_;
};

}  // namespace shadekv::audit
