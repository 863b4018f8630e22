// The hunt rule engine: feeds committed change events and request records
// through the rules (rules.h) and returns the alerts they raise. Pure: no
// I/O and no clock; alert times are the triggering event's leader time (or
// the record's time), so a replayed stream raises the same alerts.
//
// Which input each rule type looks at:
//   sensitive_prefix, user_not_allowed, outside_hours, value_size,
//   value_pattern: each EVENT on its own (one alert per event and rule);
//   mass_delete: DELETE changes over a sliding window of EVENTs (one alert
//   per burst);
//   denied_burst: DENIED REQUEST records over a sliding window, per user
//   and/or per client host (one alert per burst and group).
// A rule's `prefix` limits it to keys under the prefix (for records: the
// record's key).
//
// Each alert carries the EVENT and REQUEST bodies that triggered it, byte for
// byte, at most kMaxAttached of each (the most recent ones); when more
// triggered it, its summary says how many are attached out of how many.
//
// Not thread-safe: one thread feeds it (the plugin's).
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <vector>

#include "plugins/hunt/rules.h"
#include "shadekv/bus/messages.h"

namespace shadekv::hunt {

class RuleEngine {
 public:
  static constexpr size_t kMaxAttached = 16;

  explicit RuleEngine(std::vector<Rule> rules);
  ~RuleEngine();
  RuleEngine(const RuleEngine&) = delete;
  RuleEngine& operator=(const RuleEngine&) = delete;

  // `body` is the EVENT body `event` was decoded from.
  std::vector<bus::Alert> OnEvent(const bus::ChangeEvent& event, std::string_view body);
  // `body` is the REQUEST body `record` was decoded from.
  std::vector<bus::Alert> OnRequest(const bus::RequestRecord& record, std::string_view body);

  size_t rule_count() const { return rules_.size(); }

 private:
  struct RuleState;
  std::vector<Rule> rules_;
  std::vector<std::unique_ptr<RuleState>> states_;  // one per rule, same order
};

}  // namespace shadekv::hunt
