// The pure half of shadectl's auth, user and role commands: etcdctl 3.4's
// argument rules (ctlv3/command/role_command.go, user_command.go, global.go)
// and the JSON gateway request bodies for /v3/auth/*. No I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/JSON/Object.h>

#include "shadekv/common/status.h"

namespace shadekv::ctl {

// authpb.Permission_Type; the numbers are etcd's wire values (never renumber).
enum class PermType { kRead = 0, kWrite = 1, kReadWrite = 2 };

// clientv3.StrToPermissionType: READ, WRITE or READWRITE in any case.
// InvalidArgument "invalid permission type: <text>" otherwise.
Result<PermType> ParsePermType(std::string_view text);

// "READ", "WRITE" or "READWRITE".
std::string PermTypeName(PermType type);

// A gateway permission's permType: the enum name ("READWRITE"), its number,
// or absent (READ, the zero value). Unknown values read as READ.
PermType PermTypeFromJson(const Poco::JSON::Object::Ptr& perm);

// clientv3.GetPrefixRangeEnd: the key after every key starting with
// `prefix`; "\x00" (open ended) when there is none ("" or all 0xff bytes).
std::string PrefixRangeEnd(std::string_view prefix);

// The key range of a permission, as `role grant-permission` and
// `role revoke-permission` compute it from `<key> [endkey]`:
// - key only: that key (range_end empty);
// - --prefix: [key, PrefixRangeEnd(key)); --from-key: [key, "\x00");
// - an empty key stands for "\x00", with range_end "\x00" under either flag.
// InvalidArgument (etcdctl exits 128) for both flags together, or an endkey
// with either flag. `key_args` holds one or two arguments.
struct PermRange {
  std::string key;
  std::string range_end;
};
Result<PermRange> PermRangeFromArgs(const std::vector<std::string>& key_args, bool prefix,
                                    bool from_key);

// Who to authenticate as, from the global --user and --password flags
// (etcdctl's authCfgFromCmd): none when --user is empty; with --password the
// whole --user value is the name; otherwise "name:password" splits at the
// first colon, and a bare name leaves the password to be asked for.
struct Credentials {
  std::string user;
  std::string password;
  bool ask_password = false;
};
std::optional<Credentials> CredentialsFromFlags(const std::string& user_flag,
                                                const std::string& password_flag);

// etcdctl's non-interactive password read (fmt.Scanf("%s")): the first
// whitespace-separated word of the first line of `input`, "" when none.
std::string FirstWord(std::string_view input);

// Request bodies, field names as etcd 3.4's gateway takes them (bytes fields
// base64).
Poco::JSON::Object::Ptr AuthenticateRequest(const std::string& user, const std::string& password);
Poco::JSON::Object::Ptr UserAddRequest(const std::string& user, const std::string& password,
                                       bool no_password);
Poco::JSON::Object::Ptr UserNameRequest(const std::string& user);  // get, delete
Poco::JSON::Object::Ptr UserChangePasswordRequest(const std::string& user,
                                                  const std::string& password);
Poco::JSON::Object::Ptr UserGrantRoleRequest(const std::string& user, const std::string& role);
Poco::JSON::Object::Ptr UserRevokeRoleRequest(const std::string& user, const std::string& role);
Poco::JSON::Object::Ptr RoleAddRequest(const std::string& role);
Poco::JSON::Object::Ptr RoleNameRequest(const std::string& role);  // get, delete
Poco::JSON::Object::Ptr RoleGrantPermissionRequest(const std::string& role, PermType type,
                                                   const PermRange& range);
Poco::JSON::Object::Ptr RoleRevokePermissionRequest(const std::string& role,
                                                    const PermRange& range);

}  // namespace shadekv::ctl
