// The audit plugin's logic behind its C entry: decodes EVENT and REQUEST
// bodies and appends one record each. With audit.fsync=interval a flusher
// thread of its own syncs the log every interval while records wait, so an
// idle log is durable within that interval; it stops in the destructor.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
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

  // Read-only access for logs and tests; seq and hash only while no other
  // thread appends.
  const AuditWriter& writer() const { return *writer_; }
  const AuditConfig& config() const { return config_; }

  ~AuditPlugin();
  AuditPlugin(const AuditPlugin&) = delete;
  AuditPlugin& operator=(const AuditPlugin&) = delete;

 private:
  AuditPlugin(AuditConfig config, std::unique_ptr<AuditWriter> writer)
      : config_(std::move(config)), writer_(std::move(writer)) {}
  Status Append(AuditRecord record);
  void FlushLoop();

  // Fixed after construction.
  const AuditConfig config_;
  std::unique_ptr<AuditWriter> writer_;  // the pointer; the writer is guarded by mu_

  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread flusher_;    // only with FsyncPolicy::kInterval
};

}  // namespace shadekv::audit
