// Rule evaluation (rule_engine.h): dispatches per-event rules to
// event_rules.cc; the two windowed rules keep a BurstWindow (one per group
// for denied_burst).
#include "plugins/hunt/rule_engine.h"

#include <map>
#include <string>

#include "plugins/hunt/burst_window.h"
#include "plugins/hunt/event_rules.h"
#include "plugins/hunt/wording.h"

namespace shadekv::hunt {
namespace {

// Sweep idle denied_burst groups this often (records), so a stream of
// distinct users or hosts cannot grow the state without bound.
constexpr uint64_t kSweepEvery = 256;

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
  auto raise = [&](const Rule& rule, std::string summary, std::vector<std::string> events) {
    bus::Alert alert;
    alert.time_ms = event.leader_time_ms;
    alert.rule = rule.name;
    alert.rule_type = rule.type;
    alert.severity = rule.severity;
    alert.summary = std::move(summary);
    alert.events = std::move(events);
    alerts.push_back(std::move(alert));
  };
  for (size_t i = 0; i < rules_.size(); ++i) {
    const Rule& rule = rules_[i];
    const auto* mass = std::get_if<MassDeleteRule>(&rule.params);
    if (mass == nullptr) {
      std::string summary = PerEventSummary(rule, event);
      if (!summary.empty()) raise(rule, std::move(summary), {std::string(body)});
      continue;
    }
    int64_t deleted = 0;
    for (const store::KeyChange& c : event.changes) {
      if (c.type == store::KeyChange::Type::kDelete && HasPrefix(c.kv.key, rule.prefix)) {
        ++deleted;
      }
    }
    BurstWindow& window = *states_[i]->window;
    // Every event moves time on, so a quiet period ends a burst.
    window.Advance(event.leader_time_ms);
    if (deleted == 0 || !window.Add(deleted, std::string(body))) continue;
    std::vector<std::string> attached = window.attached();
    // Worded before `attached` is moved into the alert.
    std::string summary = std::to_string(window.count()) + " keys were deleted within " +
                          std::to_string(mass->window_seconds) + " s (limit " +
                          std::to_string(mass->max_keys) + "), the last by " +
                          Who(event.user, event.client_address) + " at revision " +
                          std::to_string(event.revision) +
                          AttachedNote(attached.size(), window.bodies_in_window(), "events");
    raise(rule, std::move(summary), std::move(attached));
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
