// shadectl's `auth`, `user` and `role` commands (etcdctl 3.4's
// auth_command.go, user_command.go, role_command.go): same arguments, flags,
// output and exit codes. Registered in ctl.cc's command table.
#pragma once

#include <string_view>
#include <vector>

#include "agent/ctl/auth_format.h"
#include "agent/ctl/commands.h"
#include "agent/ctl/flags.h"

namespace shadekv::ctl {

// True for "auth", "user" and "role": their -w also accepts `fields`, which
// ctl.cc's common format parser does not know.
bool IsAuthCommandGroup(std::string_view word);

// The -w of an auth command (ParseAuthOutputFormat of --write-out).
Result<AuthOutputFormat> AuthFormatFromFlags(const ParsedFlags& flags);

std::vector<FlagSpec> UserAddFlagSpecs();     // --interactive --new-user-password --no-password
std::vector<FlagSpec> UserGetFlagSpecs();     // --detail
std::vector<FlagSpec> UserPasswdFlagSpecs();  // --interactive
std::vector<FlagSpec> RolePermFlagSpecs();    // --prefix --from-key

int RunAuthEnable(const ParsedFlags& flags, CommandEnv& env);
int RunAuthDisable(const ParsedFlags& flags, CommandEnv& env);
// etcdctl 3.5's `auth status`; etcd 3.4 has no /v3/auth/status, and
// shadectl then says so (exit 1).
int RunAuthStatus(const ParsedFlags& flags, CommandEnv& env);

// user add NAME[:PASSWORD]: without a password, --interactive (default true)
// asks twice on the terminal; --interactive=false reads the first word of
// stdin; --new-user-password gives it; --no-password creates a user that can
// only authenticate by TLS common name.
int RunUserAdd(const ParsedFlags& flags, CommandEnv& env);
int RunUserDelete(const ParsedFlags& flags, CommandEnv& env);
// user get NAME [--detail]: --detail prints each granted role as `role get`.
int RunUserGet(const ParsedFlags& flags, CommandEnv& env);
int RunUserList(const ParsedFlags& flags, CommandEnv& env);
int RunUserPasswd(const ParsedFlags& flags, CommandEnv& env);
int RunUserGrantRole(const ParsedFlags& flags, CommandEnv& env);
int RunUserRevokeRole(const ParsedFlags& flags, CommandEnv& env);

int RunRoleAdd(const ParsedFlags& flags, CommandEnv& env);
int RunRoleDelete(const ParsedFlags& flags, CommandEnv& env);
int RunRoleGet(const ParsedFlags& flags, CommandEnv& env);
int RunRoleList(const ParsedFlags& flags, CommandEnv& env);
// role grant-permission ROLE read|write|readwrite KEY [ENDKEY] [--prefix|--from-key]
int RunRoleGrantPermission(const ParsedFlags& flags, CommandEnv& env);
// role revoke-permission ROLE KEY [ENDKEY] [--prefix|--from-key]
int RunRoleRevokePermission(const ParsedFlags& flags, CommandEnv& env);

}  // namespace shadekv::ctl
