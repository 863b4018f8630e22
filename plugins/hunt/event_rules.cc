// Stateless per-event rules (event_rules.h).
#include "plugins/hunt/event_rules.h"

#include <Poco/Exception.h>
#include <Poco/RegularExpression.h>

#include <vector>

#include "plugins/hunt/wording.h"

namespace shadekv::hunt {
namespace {

using store::KeyChange;

bool Matches(const Poco::RegularExpression& regex, const std::string& subject) {
  try {
    Poco::RegularExpression::Match match;
    return regex.match(subject, 0, match) > 0;
  } catch (const Poco::Exception&) {
    // PCRE's match limit (catastrophic backtracking): treat as no match
    // rather than fail the event; the rule's author sees no alert, not a crash.
    return false;
  }
}

}  // namespace

std::string PerEventSummary(const Rule& rule, const bus::ChangeEvent& event) {
  const std::string who = Who(event.user, event.client_address);
  const std::string at = " at revision " + std::to_string(event.revision);
  // Changes in the rule's scope, and the same split by type.
  std::vector<const KeyChange*> scoped, puts;
  for (const KeyChange& c : event.changes) {
    if (!HasPrefix(c.kv.key, rule.prefix)) continue;
    scoped.push_back(&c);
    if (c.type == KeyChange::Type::kPut) puts.push_back(&c);
  }
  std::string summary;
  if (const auto* p = std::get_if<SensitivePrefixRule>(&rule.params)) {
    std::vector<const KeyChange*> hits;
    for (const KeyChange* c : scoped) {
      bool op = c->type == KeyChange::Type::kPut ? p->puts : p->deletes;
      if (!op) continue;
      for (const std::string& prefix : p->prefixes) {
        if (HasPrefix(c->kv.key, prefix)) {
          hits.push_back(c);
          break;
        }
      }
    }
    if (!hits.empty()) {
      bool all_puts = true, all_deletes = true;
      for (const KeyChange* c : hits) {
        (c->type == KeyChange::Type::kPut ? all_deletes : all_puts) = false;
      }
      const char* verb = all_puts ? "put" : all_deletes ? "deleted" : "changed";
      summary = who + " " + verb + " " + Keys(hits.size()) + " under a sensitive prefix" + at +
                " (first: " + Quoted(hits.front()->kv.key) + ")";
    }
  } else if (const auto* p = std::get_if<UserNotAllowedRule>(&rule.params)) {
    bool allowed = false;
    for (const std::string& u : p->allowed_users) allowed = allowed || u == event.user;
    if (!allowed && !scoped.empty()) {
      summary =
          who + " changed " + Keys(scoped.size()) + at +
          " but is not in the rule's allowed_users (first: " + Quoted(scoped.front()->kv.key) + ")";
    }
  } else if (const auto* p = std::get_if<OutsideHoursRule>(&rule.params)) {
    if (!scoped.empty() && !IsAllowed(p->allowed, event.leader_time_ms)) {
      summary = who + " changed " + Keys(scoped.size()) + at + " on " +
                DescribeLocal(event.leader_time_ms, p->allowed.offset_minutes) +
                ", outside the allowed " + DescribeAllowed(p->allowed) +
                " (first: " + Quoted(scoped.front()->kv.key) + ")";
    }
  } else if (const auto* p = std::get_if<ValueSizeRule>(&rule.params)) {
    std::vector<const KeyChange*> big;
    for (const KeyChange* c : puts) {
      if (static_cast<int64_t>(c->kv.value.size()) > p->max_bytes) big.push_back(c);
    }
    if (!big.empty()) {
      summary = who + " put a value of " + std::to_string(big.front()->kv.value.size()) +
                " bytes (limit " + std::to_string(p->max_bytes) + ") at " +
                Quoted(big.front()->kv.key) + at +
                (big.size() > 1 ? ", and " + std::to_string(big.size() - 1) + " more" : "");
    }
  } else if (const auto* p = std::get_if<ValuePatternRule>(&rule.params)) {
    std::vector<const KeyChange*> hits;
    const char* where = "";
    for (const KeyChange* c : puts) {
      if (p->match_value && Matches(*p->regex, c->kv.value)) {
        if (hits.empty()) where = "a value";
        hits.push_back(c);
      } else if (p->match_key && Matches(*p->regex, c->kv.key)) {
        if (hits.empty()) where = "a key";
        hits.push_back(c);
      }
    }
    if (!hits.empty()) {
      // The pattern is named, never the matched text: it may be the secret.
      summary = who + " put " + where + " matching the pattern /" + Printable(p->pattern) +
                "/ at " + Quoted(hits.front()->kv.key) + at +
                (hits.size() > 1 ? ", and " + std::to_string(hits.size() - 1) + " more keys" : "");
    }
  }
  return summary;
}

}  // namespace shadekv::hunt
