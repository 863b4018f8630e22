// The hunt plugin's rules: what a rules file (examples/hunt/rules.json) says,
// parsed and checked, as plain values. Pure: no I/O, no clocks.
//
// A rules file is a JSON object {"rules": [RULE, ...]}; each RULE has `name`
// (unique, non-empty), `type`, `severity` (low|medium|high|critical), an
// optional `prefix` (only keys under it count), an optional `description`,
// and the fields of its type (see RuleType). Unknown fields are errors, so
// a typo never silently disables a rule.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "plugins/hunt/local_time.h"
#include "shadekv/common/status.h"

namespace Poco {
class RegularExpression;
}

namespace shadekv::hunt {

// Puts and/or deletes of keys under any of `prefixes`.
struct SensitivePrefixRule {
  std::vector<std::string> prefixes;  // non-empty
  bool puts = true;                   // `ops` lists "put" (default: both)
  bool deletes = true;                // `ops` lists "delete"
};

// More than `max_keys` keys deleted within `window_seconds`.
struct MassDeleteRule {
  int64_t max_keys = 0;        // >= 0
  int64_t window_seconds = 0;  // >= 1
};

// A change made by a user not in `allowed_users` ("" = unauthenticated).
struct UserNotAllowedRule {
  std::vector<std::string> allowed_users;
};

// More than `max_denied` DENIED request records within `window_seconds`,
// counted separately per user and/or per client host (`group_by`).
struct DeniedBurstRule {
  int64_t max_denied = 0;       // >= 0
  int64_t window_seconds = 0;   // >= 1
  bool per_user = true;         // `group_by` lists "user"
  bool per_client_host = true;  // `group_by` lists "client_address"
};

// A change at a leader time outside the allowed hours/days.
struct OutsideHoursRule {
  AllowedTime allowed;
};

// A put whose value is larger than `max_bytes`.
struct ValueSizeRule {
  int64_t max_bytes = 0;  // >= 0
};

// A put whose value (and/or key, `targets`) matches `pattern`.
struct ValuePatternRule {
  std::string pattern;
  // Compiled once at parse time; shared because Rule is copyable. Matching
  // is only done from one thread (the plugin's).
  std::shared_ptr<const Poco::RegularExpression> regex;
  bool match_value = true;  // `targets` lists "value" (default: value only)
  bool match_key = false;   // `targets` lists "key"
};

using RuleParams = std::variant<SensitivePrefixRule, MassDeleteRule, UserNotAllowedRule,
                                DeniedBurstRule, OutsideHoursRule, ValueSizeRule, ValuePatternRule>;

struct Rule {
  std::string name;
  std::string type;      // "sensitive_prefix", ... (the `type` field, as written)
  std::string severity;  // "low", "medium", "high", "critical"
  std::string prefix;    // scope: "" = every key
  std::string description;
  RuleParams params;
};

// Parses a rules file's text. Errors are kInvalidArgument and name the rule
// (index and name when known) and the field, e.g.
//   rules[2] ("night-writes"): allowed_hours: "25:00-06:00" is not HH:MM-HH:MM ...
// An empty rule list is allowed (the plugin then only logs that it hunts
// nothing).
Result<std::vector<Rule>> ParseRules(std::string_view json_text);

}  // namespace shadekv::hunt
