// user add|delete|get|list|passwd|grant-role|revoke-role (etcdctl 3.4's
// user_command.go). Passwords go only into request bodies: never into
// messages, never into logs.
#include <string>

#include "agent/ctl/auth_commands.h"
#include "agent/ctl/auth_requests.h"
#include "agent/ctl/password_prompt.h"

namespace shadekv::ctl {

namespace {

// --interactive defaults to true.
bool Interactive(const ParsedFlags& flags) {
  return !flags.Has("interactive") || flags.GetBool("interactive");
}

// etcdctl's readPasswordInteractive: asks twice; empty or differing answers
// are bad arguments (exit 128).
Result<std::string> AskNewPassword(const std::string& user, CommandEnv& env) {
  std::string first = AskPassword("Password of " + user + ": ", env.in, env.out);
  if (first.empty()) return Status::InvalidArgument("empty password");
  std::string second =
      AskPassword("Type password of " + user + " again for confirmation: ", env.in, env.out);
  if (first != second) return Status::InvalidArgument("given passwords are different");
  return first;
}

// The password of `user add NAME` / `user passwd NAME` when none was given.
Result<std::string> ReadNewPassword(const ParsedFlags& flags, const std::string& user,
                                    CommandEnv& env) {
  if (Interactive(flags)) return AskNewPassword(user, env);
  std::string line;
  std::getline(env.in, line);
  return FirstWord(line);
}

// Calls `path`; on success prints `format_ack`'s text, else etcdctl's
// "Error: <server message>" with exit 1.
int CallAck(CommandEnv& env, AuthOutputFormat format, const char* path,
            const Poco::JSON::Object::Ptr& body, AuthAck ack, const std::string& name,
            const std::string& role) {
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call(path, body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatAuthAck(ack, name, role, *resp, format));
}

}  // namespace

std::vector<FlagSpec> UserAddFlagSpecs() {
  return {{"interactive", 0, FlagKind::kBool},
          {"new-user-password", 0, FlagKind::kString},
          {"no-password", 0, FlagKind::kBool}};
}

std::vector<FlagSpec> UserGetFlagSpecs() { return {{"detail", 0, FlagKind::kBool}}; }

std::vector<FlagSpec> UserPasswdFlagSpecs() { return {{"interactive", 0, FlagKind::kBool}}; }

int RunUserAdd(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("user add command requires user name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& arg = flags.positionals[0];
  const bool no_password = flags.GetBool("no-password");
  std::string user = arg;
  std::string password;
  if (!no_password) {
    const std::string from_flag = flags.Get("new-user-password");
    const size_t colon = arg.find(':');
    if (!from_flag.empty()) {
      password = from_flag;
    } else if (colon == std::string::npos) {
      Result<std::string> read = ReadNewPassword(flags, arg, env);
      if (!read.ok()) return Fail(env, kExitBadArgs, read.status());
      password = std::move(read).value();
    } else {
      user = arg.substr(0, colon);
      password = arg.substr(colon + 1);
      if (user.empty()) {
        return Fail(env, kExitBadArgs, Status::InvalidArgument("empty user name is not allowed"));
      }
    }
  }
  return CallAck(env, *format, "/v3/auth/user/add", UserAddRequest(user, password, no_password),
                 AuthAck::kUserAdd, user, "");
}

int RunUserDelete(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("user delete command requires user name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& user = flags.positionals[0];
  return CallAck(env, *format, "/v3/auth/user/delete", UserNameRequest(user), AuthAck::kUserDelete,
                 user, "");
}

int RunUserGet(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("user get command requires user name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& user = flags.positionals[0];
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/auth/user/get", UserNameRequest(user));
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  if (!flags.GetBool("detail")) return PrintOrFail(env, FormatUserGet(user, *resp, *format));
  // --detail prints the user line, then each role as `role get` would, in
  // every format (etcdctl does the same, json included).
  env.out << "User: " << user << "\n" << std::flush;
  if (Poco::JSON::Array::Ptr roles = (*resp)->getArray("roles")) {
    for (size_t i = 0; i < roles->size(); ++i) {
      const std::string role = roles->get(i).toString();
      env.out << "\n" << std::flush;
      Result<Poco::JSON::Object::Ptr> role_resp =
          env.client.Call("/v3/auth/role/get", RoleNameRequest(role));
      if (!role_resp.ok()) return Fail(env, kExitError, role_resp.status());
      int code = PrintOrFail(env, FormatRoleGet(role, *role_resp, *format));
      if (code != kExitSuccess) return code;
    }
  }
  return kExitSuccess;
}

int RunUserList(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("user list command requires no arguments"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/auth/user/list", new Poco::JSON::Object);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatUserList(*resp, *format));
}

int RunUserPasswd(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("user passwd command requires user name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& user = flags.positionals[0];
  Result<std::string> password = ReadNewPassword(flags, user, env);
  if (!password.ok()) return Fail(env, kExitBadArgs, password.status());
  return CallAck(env, *format, "/v3/auth/user/changepw", UserChangePasswordRequest(user, *password),
                 AuthAck::kUserChangePassword, user, "");
}

int RunUserGrantRole(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 2) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument(
                    "user grant command requires user name and role name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& user = flags.positionals[0];
  const std::string& role = flags.positionals[1];
  return CallAck(env, *format, "/v3/auth/user/grant", UserGrantRoleRequest(user, role),
                 AuthAck::kUserGrantRole, user, role);
}

int RunUserRevokeRole(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 2) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument(
                    "user revoke-role requires user name and role name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& user = flags.positionals[0];
  const std::string& role = flags.positionals[1];
  return CallAck(env, *format, "/v3/auth/user/revoke", UserRevokeRoleRequest(user, role),
                 AuthAck::kUserRevokeRole, user, role);
}

}  // namespace shadekv::ctl
