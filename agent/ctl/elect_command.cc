// `elect NAME PROPOSAL` campaigns and holds leadership until interrupted;
// `elect -l NAME` prints the leader each time it changes (elect_command.go).
#include <chrono>
#include <thread>

#include <Poco/JSON/Array.h>

#include "agent/ctl/commands.h"
#include "agent/ctl/election.h"
#include "agent/ctl/json_util.h"
#include "agent/ctl/session.h"
#include "agent/ctl/signal_stopper.h"

namespace shadekv::ctl {

namespace {

// etcdctl's default session TTL for elect.
constexpr int64_t kElectTtlSeconds = 60;
constexpr const char* kSessionExpired = "session expired";

int RunObserve(const std::string& name, CommandEnv& env) {
  CancelToken token;
  SignalStopper stopper(&token);
  int print_code = kExitSuccess;
  Status status = Observe(env.client, name, &token, [&](const Poco::JSON::Object::Ptr& kv) {
    Poco::JSON::Array::Ptr kvs = new Poco::JSON::Array;
    kvs->add(kv);
    Poco::JSON::Object::Ptr resp = new Poco::JSON::Object;
    resp->set("kvs", kvs);
    resp->set("count", "1");
    if (print_code == kExitSuccess) print_code = PrintOrFail(env, FormatRange(resp, env.print));
  });
  if (print_code != kExitSuccess) return print_code;
  if (token.stopped()) return kExitSuccess;
  return Fail(env, kExitError,
              Status::Unavailable("elect: observer lost (" + status.message() + ")"));
}

}  // namespace

int RunElect(const ParsedFlags& flags, CommandEnv& env) {
  const auto& args = flags.positionals;
  if (args.size() != 1 && args.size() != 2) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument(
                    "elect takes one election name argument and an optional proposal argument"));
  }
  if (flags.GetBool("listen")) return RunObserve(args[0], env);
  if (args.size() != 2) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("no proposal argument but -l not set"));
  }
  CancelToken token;
  SignalStopper stopper(&token);
  Result<std::unique_ptr<Session>> session = Session::Start(
      env.client, kElectTtlSeconds, [&token](const std::string& reason) { token.Stop(reason); });
  if (!session.ok()) return Fail(env, kExitError, session.status());
  Result<Leadership> led = Campaign(env.client, args[0], (*session)->lease_id(), args[1], &token);
  if (!led.ok()) {
    (void)(*session)->Close();
    if (led.status().code() == StatusCode::kCancelled) {
      return Fail(env, kExitError, Status::Cancelled("context canceled"));
    }
    return Fail(env, kExitError, led.status());
  }
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("key", Base64Encode(led->key));
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/kv/range", body);
  int code = resp.ok() ? PrintOrFail(env, FormatRange(*resp, env.print))
                       : Fail(env, kExitError, resp.status());
  if (code == kExitSuccess) {
    while (!token.stopped()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (token.reason() == kSessionExpired) {
    (void)(*session)->Close();
    return Fail(env, kExitError, Status::Aborted("elect: session expired"));
  }
  Status resigned = Resign(env.client, *led);
  (void)(*session)->Close();
  if (code == kExitSuccess && !resigned.ok()) return Fail(env, kExitError, resigned);
  return code;
}

}  // namespace shadekv::ctl
