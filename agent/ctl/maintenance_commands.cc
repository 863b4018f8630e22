// Alarm and defragment commands: requests through the gateway client,
// output through maintenance_format.
#include "agent/ctl/maintenance_commands.h"

#include <Poco/JSON/Array.h>

#include "agent/ctl/cluster_endpoints.h"
#include "agent/ctl/json_util.h"
#include "agent/ctl/maintenance_format.h"

namespace shadekv::ctl {
namespace {

Status NoArguments(const ParsedFlags& flags, const char* command) {
  if (flags.positionals.empty()) return Status::Ok();
  return Status::InvalidArgument(std::string(command) + " command accepts no arguments");
}

Poco::JSON::Object::Ptr AlarmBody(const std::string& action, uint64_t member,
                                  const std::string& alarm) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("action", action);
  if (member != 0) body->set("memberID", std::to_string(member));
  if (!alarm.empty()) body->set("alarm", alarm);
  return body;
}

// dbSize from the member's status; 0 when it cannot be read (the size line
// is then left out, the defragment itself still counts).
uint64_t DbSize(CommandEnv& env, const std::string& endpoint) {
  Result<Poco::JSON::Object::Ptr> status =
      env.client.CallEndpoint(endpoint, "/v3/maintenance/status", new Poco::JSON::Object);
  return status.ok() ? GetUint64(*status, "dbSize") : 0;
}

}  // namespace

std::vector<FlagSpec> DefragFlagSpecs() { return {{"cluster", 0, FlagKind::kBool}}; }

int RunAlarmList(const ParsedFlags& flags, CommandEnv& env) {
  if (Status args = NoArguments(flags, "alarm list"); !args.ok()) {
    return Fail(env, kExitBadArgs, args);
  }
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/maintenance/alarm", AlarmBody("GET", 0, ""));
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatAlarms(*resp, env.print));
}

int RunAlarmDisarm(const ParsedFlags& flags, CommandEnv& env) {
  if (Status args = NoArguments(flags, "alarm disarm"); !args.ok()) {
    return Fail(env, kExitBadArgs, args);
  }
  Result<Poco::JSON::Object::Ptr> listed =
      env.client.Call("/v3/maintenance/alarm", AlarmBody("GET", 0, ""));
  if (!listed.ok()) return Fail(env, kExitError, listed.status());
  Poco::JSON::Object::Ptr cleared = new Poco::JSON::Object;
  Poco::JSON::Array::Ptr all = new Poco::JSON::Array;
  if (auto alarms = GetArray(*listed, "alarms")) {
    for (size_t i = 0; i < alarms->size(); ++i) {
      Poco::JSON::Object::Ptr a = alarms->getObject(i);
      if (!a) continue;
      Result<Poco::JSON::Object::Ptr> resp =
          env.client.Call("/v3/maintenance/alarm",
                          AlarmBody("DEACTIVATE", GetUint64(a, "memberID"), GetString(a, "alarm")));
      if (!resp.ok()) return Fail(env, kExitError, resp.status());
      if (auto done = GetArray(*resp, "alarms")) {
        for (size_t j = 0; j < done->size(); ++j) all->add(done->getObject(j));
      }
    }
  }
  if (all->size() > 0) cleared->set("alarms", all);
  return PrintOrFail(env, FormatAlarms(cleared, env.print));
}

int RunDefrag(const ParsedFlags& flags, CommandEnv& env) {
  if (Status args = NoArguments(flags, "defrag"); !args.ok()) {
    return Fail(env, kExitBadArgs, args);
  }
  Result<std::vector<std::string>> endpoints = ClusterOrFlagEndpoints(flags, env);
  if (!endpoints.ok()) return Fail(env, kExitError, endpoints.status());
  bool failed = false;
  for (const std::string& ep : *endpoints) {
    const uint64_t before = DbSize(env, ep);
    Result<Poco::JSON::Object::Ptr> resp =
        env.client.CallEndpoint(ep, "/v3/maintenance/defragment", new Poco::JSON::Object);
    if (!resp.ok()) {
      failed = true;
      env.err << "Failed to defragment etcd member[" << ep << "] (" << resp.status().message()
              << ")\n"
              << std::flush;
      continue;
    }
    env.out << FormatDefragDone(ep, before, DbSize(env, ep)) << std::flush;
  }
  return failed ? kExitError : kExitSuccess;
}

}  // namespace shadekv::ctl
