// What `shadectl auth|user|role ...` prints, byte for byte as etcdctl 3.4
// (printer_simple.go, printer_json.go, printer_fields.go), from the
// gateway's /v3/auth/* responses. Pure functions.
//
// The auth commands have their own output-format set, since etcdctl's
// `fields` printer covers them (but not user get, user list or auth status):
// simple, json and fields print; table, and fields where etcdctl has no
// printer, fail with Unimplemented "<format> not supported as output format"
// (etcdctl exits 4 after the request has been made).
#pragma once

#include <string>
#include <string_view>

#include <Poco/JSON/Object.h>

#include "shadekv/common/status.h"

namespace shadekv::ctl {

enum class AuthOutputFormat { kSimple, kJson, kFields, kTable };

// -w for the auth commands: simple, json, fields or table. protobuf and
// unknown names: Unimplemented (exit 4), naming what is supported.
Result<AuthOutputFormat> ParseAuthOutputFormat(std::string_view name);

// The responses whose printers differ only in the simple line.
enum class AuthAck {
  kUserAdd,              // "User <name> created"
  kUserDelete,           // "User <name> deleted"
  kUserChangePassword,   // "Password updated"
  kUserGrantRole,        // "Role <role> is granted to user <name>"
  kUserRevokeRole,       // "Role <role> is revoked from user <name>"
  kRoleAdd,              // "Role <name> created"
  kRoleDelete,           // "Role <name> deleted"
  kRoleGrantPermission,  // "Role <name> updated"
};

// json: the response header as etcdctl's JSON; fields: the header lines.
// `name` is the user or role the command named, `role` the granted role.
Result<std::string> FormatAuthAck(AuthAck ack, const std::string& name, const std::string& role,
                                  const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format);

// role revoke-permission: "Permission of key K is revoked from role R", or
// of range "[K, E)" / "[K, <open ended>" . `key_arg` is the key as typed (an
// empty key prints empty although "\x00" was sent), `range_end` as sent.
Result<std::string> FormatRoleRevokePermission(const std::string& role, const std::string& key_arg,
                                               const std::string& range_end,
                                               const Poco::JSON::Object::Ptr& resp,
                                               AuthOutputFormat format);

// role get: "Role R", "KV Read:" and "KV Write:" with one tab-indented line
// per permission (a key, "[K, E)" or "[K, <open ended>", plus " (prefix K)"
// when E is K's prefix end). json: perm items with permType as a number
// (omitted for READ); fields: header lines and PermType/Key/RangeEnd lines.
Result<std::string> FormatRoleGet(const std::string& role, const Poco::JSON::Object::Ptr& resp,
                                  AuthOutputFormat format);

// role list / user list: one name per line; json: header and the names;
// fields (role list only): header lines and `"Roles" : "a" "b"`.
Result<std::string> FormatRoleList(const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format);
Result<std::string> FormatUserList(const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format);

// user get: "User: U" and "Roles: r1 r2"; json: header and roles.
Result<std::string> FormatUserGet(const std::string& user, const Poco::JSON::Object::Ptr& resp,
                                  AuthOutputFormat format);

// auth status (etcdctl 3.5's; etcd 3.4 has no such RPC): "Authentication
// Status: true" and "AuthRevision: N"; json: header, enabled, authRevision;
// fields: header lines, Enabled, AuthRevision.
Result<std::string> FormatAuthStatus(const Poco::JSON::Object::Ptr& resp, AuthOutputFormat format);

}  // namespace shadekv::ctl
