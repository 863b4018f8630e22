// The etcd v3 JSON gateway codec for /v3/auth/*: request bodies in, response
// bodies out, as etcd 3.4.23's gateway reads and prints them (observed with
// curl). Pure functions; any thread.
//
// Request field names (proto names; lowerCamelCase also accepted, unknown
// fields ignored, like every gateway request):
//   authenticate, user/add, user/changepw: name, password (user/add also
//     options.no_password); user/get, user/delete: name; user/grant: user,
//     role; user/revoke: name, role; role/add: name; role/get, role/delete:
//     role; role/grant: name, perm{permType, key, range_end}; role/revoke:
//     role, key, range_end. key and range_end are base64 bytes; permType is
//     "READ" | "WRITE" | "READWRITE" or 0..2.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/api/etcd_json.h"
#include "agent/auth/auth_state.h"
#include "shadekv/common/status.h"

namespace shadekv::api {

// Every field any auth request may carry; a route reads the ones it knows.
struct AuthRequest {
  std::string name;
  std::string password;
  std::string user;
  std::string role;
  bool no_password = false;
  bool has_perm = false;  // role/grant named a perm object
  auth::Permission perm;  // role/grant; role/revoke uses perm.key/range_end
};

// Which fields a route reads (etcd ignores the others, so must we: a bad
// value in a field the request does not have is no error).
enum AuthField : uint32_t {
  kAuthName = 1,
  kAuthPassword = 2,
  kAuthUser = 4,
  kAuthRole = 8,
  kAuthOptions = 16,
  kAuthPerm = 32,
  kAuthKeyRange = 64,
};

// Errors: etcd's decoding messages (kInvalidArgument), e.g. "unknown value
// \"BAD\" for enum authpb.Permission_Type".
Result<AuthRequest> ParseAuthRequest(std::string_view body, uint32_t fields);

// {"header":..} alone (enable, disable, add, delete, grant, revoke, changepw).
std::string EncodeAuthEmptyResponse(const ResponseHeader& header);
// {"header":..,"token":".."}
std::string EncodeAuthenticateResponse(const ResponseHeader& header, const std::string& token);
// {"header":..,"<field>":[..]} with the list left out when empty: user/get
// ("roles"), user/list ("users"), role/list ("roles").
std::string EncodeAuthNamesResponse(const ResponseHeader& header, const std::string& field,
                                    const std::vector<std::string>& names);
// {"header":..,"perm":[{"permType":..,"key":..,"range_end":..}]}, zero
// values left out (READ is the zero type).
std::string EncodeRoleGetResponse(const ResponseHeader& header,
                                  const std::vector<auth::Permission>& perms);
// etcd 3.5's AuthStatusResponse (3.4's gateway has no /v3/auth/status):
// {"header":..,"enabled":true,"authRevision":"N"}.
std::string EncodeAuthStatusResponse(const ResponseHeader& header, bool enabled,
                                     uint64_t auth_revision);

}  // namespace shadekv::api
