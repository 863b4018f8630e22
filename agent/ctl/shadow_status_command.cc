// `shadow status`: the shadow's position and lag, from /v3/shadow/status.
#include <Poco/JSON/Array.h>

#include <algorithm>

#include "agent/ctl/json_util.h"
#include "agent/ctl/shadow_client.h"
#include "agent/ctl/shadow_commands.h"

namespace shadekv::ctl {
namespace {

// The documented fields first, in this order; anything else the shadow adds
// follows in its own order, so a newer shadow's fields are still shown.
const std::vector<std::string>& KnownFields() {
  static const std::vector<std::string> kFields = {
      "applied_revision", "primary_revision",      "lag_revisions", "lag_ms",
      "publisher",        "last_heartbeat_age_ms", "up_to_date"};
  return kFields;
}

std::string ValueText(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return "";
  if (v.isString()) return v.extract<std::string>();
  return v.toString();
}

}  // namespace

int RunShadowStatus(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty()) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("shadow status takes no arguments"));
  }
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  Result<Poco::JSON::Object::Ptr> status = ShadowClient(flags, env).Call("/v3/shadow/status", body);
  if (!status.ok()) return Fail(env, kExitError, status.status());
  const Poco::JSON::Object::Ptr& s = *status;
  if (env.print.format == OutputFormat::kJson) {
    env.out << Stringify(s) << "\n";
    return kExitSuccess;
  }
  std::vector<std::pair<std::string, std::string>> rows;
  for (const std::string& field : KnownFields()) {
    if (s->has(field)) rows.emplace_back(field, ValueText(s->get(field)));
  }
  for (const auto& [name, value] : *s) {
    const auto& known = KnownFields();
    if (std::find(known.begin(), known.end(), name) == known.end() && name != "header") {
      rows.emplace_back(name, ValueText(value));
    }
  }
  if (env.print.format == OutputFormat::kTable) {
    size_t w1 = 5;
    size_t w2 = 5;
    for (const auto& [k, v] : rows) {
      w1 = std::max(w1, k.size());
      w2 = std::max(w2, v.size());
    }
    const std::string rule =
        "+" + std::string(w1 + 2, '-') + "+" + std::string(w2 + 2, '-') + "+\n";
    auto line = [&](const std::string& a, const std::string& b) {
      return "| " + a + std::string(w1 - a.size(), ' ') + " | " + b +
             std::string(w2 - b.size(), ' ') + " |\n";
    };
    env.out << rule << line("FIELD", "VALUE") << rule;
    for (const auto& [k, v] : rows) env.out << line(k, v);
    env.out << rule;
    return kExitSuccess;
  }
  for (const auto& [k, v] : rows) env.out << k << ": " << v << "\n";
  return kExitSuccess;
}

}  // namespace shadekv::ctl
