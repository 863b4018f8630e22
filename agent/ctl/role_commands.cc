// role add|delete|get|list|grant-permission|revoke-permission (etcdctl
// 3.4's role_command.go).
#include "agent/ctl/auth_commands.h"
#include "agent/ctl/auth_requests.h"

namespace shadekv::ctl {

namespace {

Result<PermRange> RangeFromFlags(const ParsedFlags& flags, size_t first_key_arg) {
  std::vector<std::string> key_args(flags.positionals.begin() + static_cast<long>(first_key_arg),
                                    flags.positionals.end());
  return PermRangeFromArgs(key_args, flags.GetBool("prefix"), flags.GetBool("from-key"));
}

}  // namespace

std::vector<FlagSpec> RolePermFlagSpecs() {
  return {{"prefix", 0, FlagKind::kBool}, {"from-key", 0, FlagKind::kBool}};
}

int RunRoleAdd(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("role add command requires role name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& role = flags.positionals[0];
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/auth/role/add", RoleAddRequest(role));
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatAuthAck(AuthAck::kRoleAdd, role, "", *resp, *format));
}

int RunRoleDelete(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("role delete command requires role name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& role = flags.positionals[0];
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/auth/role/delete", RoleNameRequest(role));
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatAuthAck(AuthAck::kRoleDelete, role, "", *resp, *format));
}

int RunRoleGet(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("role get command requires role name as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  const std::string& role = flags.positionals[0];
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/auth/role/get", RoleNameRequest(role));
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatRoleGet(role, *resp, *format));
}

int RunRoleList(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty()) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("role list command requires no arguments"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/auth/role/list", new Poco::JSON::Object);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatRoleList(*resp, *format));
}

int RunRoleGrantPermission(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() < 3) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("role grant command requires role name, permission type, "
                                        "and key [endkey] as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  Result<PermType> type = ParsePermType(flags.positionals[1]);
  if (!type.ok()) return Fail(env, kExitBadArgs, type.status());
  Result<PermRange> range = RangeFromFlags(flags, 2);
  if (!range.ok()) return Fail(env, kExitBadArgs, range.status());
  const std::string& role = flags.positionals[0];
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/auth/role/grant", RoleGrantPermissionRequest(role, *type, *range));
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatAuthAck(AuthAck::kRoleGrantPermission, role, "", *resp, *format));
}

int RunRoleRevokePermission(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() < 2) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("role revoke-permission command requires role name and "
                                        "key [endkey] as its argument"));
  }
  Result<AuthOutputFormat> format = AuthFormatFromFlags(flags);
  if (!format.ok()) return Fail(env, kExitBadFeature, format.status());
  Result<PermRange> range = RangeFromFlags(flags, 1);
  if (!range.ok()) return Fail(env, kExitBadArgs, range.status());
  const std::string& role = flags.positionals[0];
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/auth/role/revoke", RoleRevokePermissionRequest(role, *range));
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatRoleRevokePermission(role, flags.positionals[1], range->range_end,
                                                     *resp, *format));
}

}  // namespace shadekv::ctl
