// The hunt plugin's working object: reads the rules file, opens the alerts
// file, optionally starts the alert publisher, and runs every EVENT and
// REQUEST body through the rule engine, writing each alert as one JSON line
// and publishing it as an ALERT body.
//
// Threads: Start on the host's loading thread; OnEvent / OnRequest from the
// plugin's one thread (plugin.h), never concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "plugins/hunt/alert_publisher.h"
#include "plugins/hunt/hunt_config.h"
#include "plugins/hunt/rule_engine.h"
#include "shadekv/common/status.h"

namespace shadekv::hunt {

class Hunter {
 public:
  // Errors (kInvalidArgument) name the file or endpoint: unreadable or bad
  // rules file (with the rule and field), alerts file that cannot be opened
  // for appending, endpoint that cannot be bound.
  static Result<std::unique_ptr<Hunter>> Start(const HuntConfig& config);
  ~Hunter();

  // One EVENT / REQUEST body. kInvalidArgument when it does not decode (and
  // nothing changes); kUnavailable when an alert could not be written to
  // the alerts file (the rules' state has advanced: the alert is lost, and
  // the error says so).
  Status OnEvent(std::string_view body);
  Status OnRequest(std::string_view body);

  size_t rule_count() const { return engine_->rule_count(); }
  uint64_t alerts_raised() const { return alerts_raised_.load(); }
  // "" when hunt.publish is not set.
  std::string publish_endpoint() const;

 private:
  Hunter() = default;
  Status Emit(std::vector<bus::Alert> alerts);

  HuntConfig config_;
  std::unique_ptr<RuleEngine> engine_;
  std::FILE* alerts_file_ = nullptr;
  std::unique_ptr<AlertPublisher> publisher_;  // null without hunt.publish
  std::atomic<uint64_t> alerts_raised_{0};
};

}  // namespace shadekv::hunt
