// `endpoint status|health|hashkv`: ask every endpoint (or, with --cluster,
// every client URL in the member list) separately, never failing over.
#include <chrono>

#include <Poco/JSON/Array.h>

#include "agent/ctl/cluster_endpoints.h"
#include "agent/ctl/commands.h"
#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

int RunEndpointStatus(const ParsedFlags& flags, CommandEnv& env) {
  Result<std::vector<std::string>> endpoints = ClusterOrFlagEndpoints(flags, env);
  if (!endpoints.ok()) return Fail(env, kExitError, endpoints.status());
  std::vector<EndpointStatusRow> rows;
  bool failed = false;
  for (const std::string& ep : *endpoints) {
    Result<Poco::JSON::Object::Ptr> resp =
        env.client.CallEndpoint(ep, "/v3/maintenance/status", new Poco::JSON::Object);
    if (!resp.ok()) {
      failed = true;
      env.err << "Failed to get the status of endpoint " << ep << " (" << resp.status().message()
              << ")\n";
      continue;
    }
    rows.push_back({ep, *resp});
  }
  env.out << FormatEndpointStatus(rows, env.print) << std::flush;
  return failed ? kExitError : kExitSuccess;
}

int RunEndpointHealth(const ParsedFlags& flags, CommandEnv& env) {
  Result<std::vector<std::string>> endpoints = ClusterOrFlagEndpoints(flags, env);
  if (!endpoints.ok()) return Fail(env, kExitError, endpoints.status());
  std::vector<EndpointHealthRow> rows;
  bool unhealthy = false;
  for (const std::string& ep : *endpoints) {
    // Like etcdctl: a linearizable read of a random key goes through consensus;
    // "permission denied" still proves the cluster answers.
    Poco::JSON::Object::Ptr range = new Poco::JSON::Object;
    range->set("key", Base64Encode("health"));
    auto start = std::chrono::steady_clock::now();
    Result<Poco::JSON::Object::Ptr> resp = env.client.CallEndpoint(ep, "/v3/kv/range", range);
    auto took = std::chrono::steady_clock::now() - start;
    EndpointHealthRow row;
    row.endpoint = ep;
    row.took = FormatGoDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(took).count());
    if (resp.ok() || resp.status().code() == StatusCode::kPermissionDenied) {
      row.health = true;
      Poco::JSON::Object::Ptr alarm = new Poco::JSON::Object;
      alarm->set("action", std::string("GET"));
      Result<Poco::JSON::Object::Ptr> alarms =
          env.client.CallEndpoint(ep, "/v3/maintenance/alarm", alarm);
      if (!alarms.ok()) {
        row.health = false;
        row.error = "Unable to fetch the alarm list";
      } else if (auto list = GetArray(*alarms, "alarms"); list && list->size() > 0) {
        row.health = false;
        row.error = "Active Alarm(s): ";
        for (size_t i = 0; i < list->size(); ++i) {
          std::string kind = GetString(list->getObject(i), "alarm");
          row.error += (kind == "NOSPACE" || kind == "CORRUPT" ? kind : "UNKNOWN") + " ";
        }
      }
    } else {
      row.error = resp.status().message();
    }
    unhealthy = unhealthy || !row.health;
    rows.push_back(std::move(row));
  }
  PrintedText text = FormatEndpointHealth(rows, env.print);
  env.out << text.out << std::flush;
  env.err << text.err << std::flush;
  if (unhealthy) return Fail(env, kExitError, Status::Unavailable("unhealthy cluster"));
  return kExitSuccess;
}

int RunEndpointHashKv(const ParsedFlags& flags, CommandEnv& env) {
  Result<std::vector<std::string>> endpoints = ClusterOrFlagEndpoints(flags, env);
  if (!endpoints.ok()) return Fail(env, kExitError, endpoints.status());
  Result<int64_t> rev = ParseGoInt64(flags.Get("rev", "0"), 10);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  if (rev.ok() && *rev != 0) body->set("revision", std::to_string(*rev));
  std::vector<EndpointHashRow> rows;
  Status last_error;
  for (const std::string& ep : *endpoints) {
    Result<Poco::JSON::Object::Ptr> resp =
        env.client.CallEndpoint(ep, "/v3/maintenance/hashkv", body);
    if (!resp.ok() && resp.status().code() == StatusCode::kUnimplemented) {
      // etcd 3.4's JSON gateway has no HashKV route; shadekv's API serves it.
      resp = Status(
          StatusCode::kUnimplemented,
          resp.status().message() + "; HashKV is not available over this server's JSON gateway");
    }
    if (!resp.ok()) {
      last_error = resp.status();
      env.err << "Failed to get the hash of endpoint " << ep << " (" << resp.status().message()
              << ")\n";
      continue;
    }
    rows.push_back({ep, *resp});
  }
  env.out << FormatEndpointHash(rows, env.print) << std::flush;
  if (!last_error.ok()) return Fail(env, kExitError, last_error);
  return kExitSuccess;
}

}  // namespace shadekv::ctl
