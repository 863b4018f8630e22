// auth enable|disable|status, and the -w handling shared by the auth, user
// and role commands.
#include "agent/ctl/auth_commands.h"

#include "agent/ctl/auth_requests.h"

namespace shadekv::ctl {

namespace {

// rpctypes.ErrGRPCRootRoleNotExist's message: enabling auth needs the root
// user to hold the root role.
constexpr char kRootRoleNotExist[] = "etcdserver: root user does not have root role";

// Bounds the enable / fix-up-root / enable-again loop of etcdctl, which
// could otherwise spin against a server that keeps answering the same.
constexpr int kEnableAttempts = 3;

Poco::JSON::Object::Ptr EmptyBody() { return new Poco::JSON::Object; }

}  // namespace

bool IsAuthCommandGroup(std::string_view word) {
  return word == "auth" || word == "user" || word == "role";
}

Result<AuthOutputFormat> AuthFormatFromFlags(const ParsedFlags& flags) {
  return ParseAuthOutputFormat(flags.Get("write-out", "simple"));
}

int RunAuthEnable(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("auth enable command does not accept any arguments"));
  }
  // etcdctl creates the root role and grants it to root when that is all
  // that stops auth from being enabled.
  Status status;
  for (int attempt = 0; attempt < kEnableAttempts; ++attempt) {
    status = env.client.Call("/v3/auth/enable", EmptyBody()).status();
    if (status.ok() || status.message() != kRootRoleNotExist) break;
    status = env.client.Call("/v3/auth/role/add", RoleAddRequest("root")).status();
    if (!status.ok()) break;
    status = env.client.Call("/v3/auth/user/grant", UserGrantRoleRequest("root", "root")).status();
    if (!status.ok()) break;
  }
  if (!status.ok()) return Fail(env, kExitError, status);
  env.out << "Authentication Enabled\n" << std::flush;
  return kExitSuccess;
}

int RunAuthDisable(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("auth disable command does not accept any arguments"));
  }
  Status status = env.client.Call("/v3/auth/disable", EmptyBody()).status();
  if (!status.ok()) return Fail(env, kExitError, status);
  env.out << "Authentication Disabled\n" << std::flush;
  return kExitSuccess;
}

int RunAuthStatus(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("auth status command does not accept any arguments"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/auth/status", EmptyBody());
  if (!resp.ok()) {
    if (resp.status().code() == StatusCode::kUnimplemented) {
      return Fail(env, kExitError,
                  Status::Unimplemented(resp.status().message() +
                                        "; auth status needs a server with the AuthStatus RPC "
                                        "(shadekv, or etcd 3.5 and later; etcd 3.4 has none)"));
    }
    return Fail(env, kExitError, resp.status());
  }
  return PrintOrFail(env, FormatAuthStatus(*resp, *format));
}

}  // namespace shadekv::ctl
