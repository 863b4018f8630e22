// lease grant|revoke|timetolive|list|keep-alive, with etcdctl's messages and
// exit codes (lease_command.go).
#include <chrono>
#include <thread>

#include "agent/ctl/commands.h"
#include "agent/ctl/json_util.h"
#include "agent/ctl/lease_format.h"
#include "agent/ctl/lease_requests.h"
#include "agent/ctl/signal_stopper.h"

namespace shadekv::ctl {

int RunLeaseGrant(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("lease grant command needs TTL argument"));
  }
  Result<int64_t> ttl = ParseGoInt64(flags.positionals[0], 10);
  if (!ttl.ok()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("bad TTL (" + ttl.status().message() + ")"));
  }
  Result<Poco::JSON::Object::Ptr> resp = GrantLease(env.client, *ttl);
  if (!resp.ok()) {
    return Fail(
        env, kExitError,
        Status(resp.status().code(), "failed to grant lease (" + resp.status().message() + ")"));
  }
  return PrintOrFail(env, FormatLeaseGrant(*resp, env.print));
}

int RunLeaseRevoke(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("lease revoke command needs 1 argument"));
  }
  Result<int64_t> id = ParseLeaseIdArg(flags.positionals[0]);
  if (!id.ok()) return Fail(env, kExitBadArgs, id.status());
  Result<Poco::JSON::Object::Ptr> resp = RevokeLease(env.client, *id);
  if (!resp.ok()) {
    return Fail(
        env, kExitError,
        Status(resp.status().code(), "failed to revoke lease (" + resp.status().message() + ")"));
  }
  return PrintOrFail(env, FormatLeaseRevoke(*id, *resp, env.print));
}

int RunLeaseTimeToLive(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("lease timetolive command needs lease ID as argument"));
  }
  Result<int64_t> id = ParseLeaseIdArg(flags.positionals[0]);
  if (!id.ok()) return Fail(env, kExitBadArgs, id.status());
  const bool keys = flags.GetBool("keys");
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("ID", std::to_string(*id));
  if (keys) body->set("keys", true);
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/lease/timetolive", body);
  if (!resp.ok()) return Fail(env, kExitBadConnection, resp.status());
  return PrintOrFail(env, FormatLeaseTimeToLive(*resp, keys, env.print));
}

int RunLeaseList(const ParsedFlags&, CommandEnv& env) {
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/lease/leases", new Poco::JSON::Object);
  if (!resp.ok()) return Fail(env, kExitBadConnection, resp.status());
  return PrintOrFail(env, FormatLeaseList(*resp, env.print));
}

namespace {

// clientv3 turns a keep-alive answer without TTL into ErrLeaseNotFound.
Status LeaseNotFound() { return Status::NotFound("etcdserver: requested lease not found"); }

// Sleeps up to `d`, waking early when the token stops.
void SleepFor(CancelToken& token, std::chrono::milliseconds d) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (!token.stopped() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

int RunLeaseKeepAlive(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("lease keep-alive command needs lease ID as argument"));
  }
  Result<int64_t> id = ParseLeaseIdArg(flags.positionals[0]);
  if (!id.ok()) return Fail(env, kExitBadArgs, id.status());
  const auto timeout = env.client.options().command_timeout;
  if (flags.GetBool("once")) {
    Result<Poco::JSON::Object::Ptr> resp = KeepAliveOnce(env.client, *id, timeout, nullptr);
    if (!resp.ok()) return Fail(env, kExitBadConnection, resp.status());
    if (GetInt64(*resp, "TTL") <= 0) return Fail(env, kExitBadConnection, LeaseNotFound());
    return PrintOrFail(env, FormatLeaseKeepAlive(*resp, env.print));
  }
  CancelToken token;
  SignalStopper stopper(&token);
  // Like clientv3's KeepAlive: renew every TTL/3; give up once a whole TTL
  // passed since the last answer, or when the server says the lease is gone.
  auto last_answer = std::chrono::steady_clock::now();
  auto ttl = std::chrono::seconds(0);
  bool first = true;
  while (!token.stopped()) {
    Result<Poco::JSON::Object::Ptr> resp = KeepAliveOnce(env.client, *id, timeout, &token);
    if (token.stopped()) break;
    if (!resp.ok()) {
      if (first && resp.status().code() == StatusCode::kUnavailable) {
        return Fail(env, kExitBadConnection, resp.status());
      }
      if (std::chrono::steady_clock::now() - last_answer > ttl) break;
      SleepFor(token, std::chrono::milliseconds(500));
      continue;
    }
    first = false;
    int64_t granted = GetInt64(*resp, "TTL");
    if (granted <= 0) break;
    last_answer = std::chrono::steady_clock::now();
    ttl = std::chrono::seconds(granted);
    int code = PrintOrFail(env, FormatLeaseKeepAlive(*resp, env.print));
    if (code != kExitSuccess) return code;
    SleepFor(token, std::max(std::chrono::milliseconds(500),
                             std::chrono::duration_cast<std::chrono::milliseconds>(ttl) / 3));
  }
  if (token.stopped()) return kExitSuccess;
  if (env.print.format == OutputFormat::kSimple) {
    env.out << "lease " << LeaseIdHex(*id) << " expired or revoked.\n" << std::flush;
  }
  return kExitSuccess;
}

}  // namespace shadekv::ctl
