// `lock NAME [COMMAND...]` (lock_command.go), made safe against a lost lease:
// when the session can no longer vouch for the lease, the command is killed
// and shadectl exits 1 instead of holding a lock that may be someone else's.
#include <chrono>
#include <thread>

#include "agent/ctl/child_process.h"
#include "agent/ctl/commands.h"
#include "agent/ctl/json_util.h"
#include "agent/ctl/mutex.h"
#include "agent/ctl/session.h"
#include "agent/ctl/signal_stopper.h"

namespace shadekv::ctl {

namespace {

constexpr const char* kSessionExpired = "session expired";

// Prints the lock key and its (empty) value as etcdctl's display.Get does.
int PrintKey(CommandEnv& env, const std::string& key, CancelToken& token) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("key", Base64Encode(key));
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/kv/range", body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  Poco::JSON::Array::Ptr kvs = GetArray(*resp, "kvs");
  if (!kvs || kvs->size() == 0) {
    token.Stop(kSessionExpired);
    return Fail(env, kExitError, Status::Aborted("lock lost on init"));
  }
  return PrintOrFail(env, FormatRange(*resp, env.print));
}

void WaitForStop(CancelToken& token) {
  while (!token.stopped()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

}  // namespace

int RunLock(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument(
                    "lock takes a lock name argument and an optional command to execute"));
  }
  Result<int64_t> ttl = ParseGoInt64(flags.Get("ttl", "10"), 10);
  if (!ttl.ok() || *ttl <= 0) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("--ttl must be a positive number of seconds"));
  }
  const std::string name = flags.positionals[0];
  const std::vector<std::string> command(flags.positionals.begin() + 1, flags.positionals.end());

  CancelToken token;
  SignalStopper stopper(&token);
  Result<std::unique_ptr<Session>> session =
      Session::Start(env.client, *ttl, [&token](const std::string& reason) { token.Stop(reason); });
  if (!session.ok()) return Fail(env, kExitError, session.status());

  Result<HeldLock> held = AcquireLock(env.client, name, (*session)->lease_id(), &token);
  if (!held.ok()) {
    const bool lost = token.reason() == kSessionExpired;
    (void)(*session)->Close();
    if (lost) return Fail(env, kExitError, Status::Aborted(kSessionExpired));
    if (held.status().code() == StatusCode::kCancelled) {
      return Fail(env, kExitError, Status::Cancelled("context canceled"));
    }
    return Fail(env, kExitError, held.status());
  }

  int code = kExitSuccess;
  if (!command.empty() && !token.stopped()) {
    env.out.flush();
    Result<int> ran = RunChild(
        command,
        {"ETCD_LOCK_KEY=" + held->key, "ETCD_LOCK_REV=" + std::to_string(held->header_revision)},
        {}, &token);
    if (token.reason() == kSessionExpired) {
      (void)(*session)->Close();
      return Fail(env, kExitError,
                  Status::Aborted("session expired: the lock's lease was lost while the command "
                                  "ran, so the command was killed"));
    }
    Status released = ReleaseLock(env.client, *held);
    (void)(*session)->Close();
    if (!ran.ok()) return Fail(env, kExitError, ran.status());
    if (*ran != 0) return Fail(env, kExitError, Status::Unknown(DescribeWaitStatus(*ran)));
    if (!released.ok()) return Fail(env, kExitError, released);
    return kExitSuccess;
  }

  code = PrintKey(env, held->key, token);
  if (code == kExitSuccess) WaitForStop(token);
  if (token.reason() == kSessionExpired) {
    (void)ReleaseLock(env.client, *held);
    (void)(*session)->Close();
    return code != kExitSuccess ? code : Fail(env, kExitError, Status::Aborted(kSessionExpired));
  }
  Status released = ReleaseLock(env.client, *held);
  (void)(*session)->Close();
  if (!released.ok()) return Fail(env, kExitError, released);
  return code;
}

}  // namespace shadekv::ctl
