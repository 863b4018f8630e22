// Rule evaluation (rule_engine.h). Per-event rules are stateless; the two
// windowed rules keep a BurstWindow (per group for denied_burst).
#include "plugins/hunt/rule_engine.h"

#include <Poco/Exception.h>
#include <Poco/RegularExpression.h>

#include <cstdio>
#include <map>
#include <string>

#include "plugins/hunt/burst_window.h"

namespace shadekv::hunt {
namespace {

using store::KeyChange;

// Sweep idle denied_burst groups this often (records), so a stream of
// distinct users or hosts cannot grow the state without bound.
constexpr uint64_t kSweepEvery = 256;

bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// A key or user for a sentence: printable ASCII as is, other bytes as \xNN,
// at most 120 characters.
std::string Printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= 120) return out + "...";
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string Quoted(std::string_view bytes) { return "\"" + Printable(bytes) + "\""; }

std::string Who(const std::string& user, const std::string& address) {
  std::string who = user.empty() ? "an unauthenticated client" : "user " + Quoted(user);
  if (!address.empty()) who += " from " + Printable(address);
  return who;
}

std::string Keys(size_t n) { return std::to_string(n) + (n == 1 ? " key" : " keys"); }

std::string Clock(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

std::string DescribeAllowed(const AllowedTime& a) {
  std::string days;
  for (int d = 0; d < 7; ++d) {
    if (a.days_mask & (1u << d)) days += (days.empty() ? "" : ",") + std::string(DayName(d));
  }
  return Clock(a.start_minute) + "-" + Clock(a.end_minute) + " on " + days;
}

// "(the last 16 of 40 triggering events attached)" when some were left out.
std::string AttachedNote(size_t attached, size_t total, const char* what) {
  if (attached >= total) return "";
  return " (the last " + std::to_string(attached) + " of " + std::to_string(total) +
         " triggering " + what + " attached)";
}

// The host part of "ip:port" / "[v6]:port": each connection has its own
// port, so grouping by the full address would never see a burst.
std::string ClientHost(const std::string& address) {
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    return close == std::string::npos ? address : address.substr(0, close + 1);
  }
  size_t colon = address.find(':');
  if (colon != std::string::npos && address.find(':', colon + 1) == std::string::npos) {
    return address.substr(0, colon);
  }
  return address;
}

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

struct RuleEngine::RuleState {
  std::unique_ptr<BurstWindow> window;        // mass_delete
  std::map<std::string, BurstWindow> groups;  // denied_burst
  uint64_t records_seen = 0;
  int64_t latest_ms = 0;
};

RuleEngine::RuleEngine(std::vector<Rule> rules) : rules_(std::move(rules)) {
  for (const Rule& rule : rules_) {
    auto state = std::make_unique<RuleState>();
    if (const auto* p = std::get_if<MassDeleteRule>(&rule.params)) {
      state->window =
          std::make_unique<BurstWindow>(p->window_seconds * 1000, p->max_keys, kMaxAttached);
    }
    states_.push_back(std::move(state));
  }
}

RuleEngine::~RuleEngine() = default;

std::vector<bus::Alert> RuleEngine::OnEvent(const bus::ChangeEvent& event, std::string_view body) {
  std::vector<bus::Alert> alerts;
  const std::string who = Who(event.user, event.client_address);
  const std::string at = " at revision " + std::to_string(event.revision);
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    // Changes in the rule's scope, and the same split by type.
    std::vector<const KeyChange*> scoped, puts, deletes;
    for (const KeyChange& c : event.changes) {
      if (!HasPrefix(c.kv.key, rule.prefix)) continue;
      scoped.push_back(&c);
      (c.type == KeyChange::Type::kPut ? puts : deletes).push_back(&c);
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
    } else if (const auto* p = std::get_if<MassDeleteRule>(&rule.params)) {
      BurstWindow& window = *states_[i]->window;
      window.Advance(event.leader_time_ms);
      if (!deletes.empty() && window.Add(static_cast<int64_t>(deletes.size()), std::string(body))) {
        std::vector<std::string> attached = window.attached();
        bus::Alert alert;
        alert.summary = std::to_string(window.count()) + " keys were deleted within " +
                        std::to_string(p->window_seconds) + " s (limit " +
                        std::to_string(p->max_keys) + "), the last by " + who + at +
                        AttachedNote(attached.size(), window.bodies_in_window(), "events");
        alert.events = std::move(attached);
        alert.time_ms = event.leader_time_ms;
        alert.rule = rule.name;
        alert.rule_type = rule.type;
        alert.severity = rule.severity;
        alerts.push_back(std::move(alert));
      }
      continue;
    } else if (const auto* p = std::get_if<UserNotAllowedRule>(&rule.params)) {
      bool allowed = false;
      for (const std::string& u : p->allowed_users) allowed = allowed || u == event.user;
      if (!allowed && !scoped.empty()) {
        summary =
            who + " changed " + Keys(scoped.size()) + at +
            " but is not in the rule's allowed_users (first: " + Quoted(scoped.front()->kv.key) +
            ")";
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
        summary =
            who + " put " + where + " matching the pattern /" + Printable(p->pattern) + "/ at " +
            Quoted(hits.front()->kv.key) + at +
            (hits.size() > 1 ? ", and " + std::to_string(hits.size() - 1) + " more keys" : "");
      }
    }
    if (summary.empty()) continue;
    bus::Alert alert;
    alert.time_ms = event.leader_time_ms;
    alert.rule = rule.name;
    alert.rule_type = rule.type;
    alert.severity = rule.severity;
    alert.summary = std::move(summary);
    alert.events.emplace_back(body);
    alerts.push_back(std::move(alert));
  }
  return alerts;
}

std::vector<bus::Alert> RuleEngine::OnRequest(const bus::RequestRecord& record,
                                              std::string_view body) {
  std::vector<bus::Alert> alerts;
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    const auto* p = std::get_if<DeniedBurstRule>(&rule.params);
    if (p == nullptr) continue;
    RuleState& state = *states_[i];
    if (state.records_seen == 0 || record.time_ms > state.latest_ms) {
      state.latest_ms = record.time_ms;
    }
    if (++state.records_seen % kSweepEvery == 0) {
      for (auto it = state.groups.begin(); it != state.groups.end();) {
        it->second.Advance(state.latest_ms);
        it = it->second.empty() ? state.groups.erase(it) : std::next(it);
      }
    }
    if (record.outcome != bus::RequestOutcome::kDenied || !HasPrefix(record.key, rule.prefix)) {
      continue;
    }
    std::vector<std::pair<std::string, std::string>> groups;  // (map key, description)
    if (p->per_user) {
      groups.emplace_back("u:" + record.user, record.user.empty() ? "unauthenticated clients"
                                                                  : "user " + Quoted(record.user));
    }
    if (p->per_client_host) {
      std::string host = ClientHost(record.client_address);
      groups.emplace_back("h:" + host, "client host " + Quoted(host));
    }
    for (const auto& [key, description] : groups) {
      auto it = state.groups.try_emplace(key, p->window_seconds * 1000, p->max_denied, kMaxAttached)
                    .first;
      BurstWindow& window = it->second;
      window.Advance(record.time_ms);
      if (!window.Add(1, std::string(body))) continue;
      std::vector<std::string> attached = window.attached();
      bus::Alert alert;
      alert.time_ms = record.time_ms;
      alert.rule = rule.name;
      alert.rule_type = rule.type;
      alert.severity = rule.severity;
      alert.summary = std::to_string(window.count()) + " requests from " + description +
                      " were denied within " + std::to_string(p->window_seconds) + " s (limit " +
                      std::to_string(p->max_denied) + "), the last on " + Quoted(record.operation) +
                      AttachedNote(attached.size(), window.bodies_in_window(), "requests");
      alert.requests = std::move(attached);
      alerts.push_back(std::move(alert));
    }
  }
  return alerts;
}

}  // namespace shadekv::hunt
