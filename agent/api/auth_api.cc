// Handlers for /v3/auth/*: parse, check the caller's right to ask, hand the
// change to the member (which hashes passwords before proposing), encode.
#include "agent/api/auth_api.h"

#include <functional>
#include <map>

#include "agent/api/etcd_json_auth.h"
#include "agent/api/member_header.h"

namespace shadekv::api {
namespace {

using Kind = auth::AuthChange::Kind;
using Handler =
    std::function<HttpReply(agent::Member&, const AuthRequest&, const agent::RequestOrigin&)>;

struct Route {
  uint32_t fields;
  Handler handle;
};

ResponseHeader Header(agent::Member& m) { return HeaderOf(m, m.CurrentRevision()); }

// A change needing root: check, propose, answer with the bare header.
Route Change(uint32_t fields, Kind kind) {
  return {fields, [kind](agent::Member& m, const AuthRequest& r, const agent::RequestOrigin& o) {
            Status allowed = m.AuthSnapshot()->CheckAdmin(o.user);
            if (!allowed.ok()) return ErrorReply(allowed);
            auth::AuthChange c;
            c.kind = kind;
            // user/revoke names its user "name" (etcd's proto), user/grant "user".
            c.user = kind == Kind::kUserGrantRole ? r.user : r.name;
            c.role =
                (kind == Kind::kRoleAdd || kind == Kind::kRoleGrantPermission) ? r.name : r.role;
            c.perm = r.perm;
            if (kind == Kind::kRoleGrantPermission && !r.has_perm) {
              // etcd 3.4 crashes here (nil perm); refuse instead.
              return ErrorReply(Status::InvalidArgument("etcdserver: permission not given"));
            }
            if (kind == Kind::kRoleGrantPermission) {
              // Refused before proposing (the model refuses it too).
              const int type = static_cast<int>(r.perm.type);
              if (type < 0 || type > 2) {
                return ErrorReply(
                    Status::InvalidArgument("etcdserver: permission type " + std::to_string(type) +
                                            " is not one of READ (0), WRITE (1), READWRITE (2)"));
              }
            }
            Status done = m.AuthUpdate(std::move(c), r.password, r.no_password, o);
            if (!done.ok()) return ErrorReply(done);
            return HttpReply{200, EncodeAuthEmptyResponse(Header(m))};
          }};
}

const std::map<std::string, Route>& Table() {
  static const std::map<std::string, Route> table = {
      {"auth/enable", Change(0, Kind::kEnable)},
      {"auth/disable", Change(0, Kind::kDisable)},
      {"auth/user/add", Change(kAuthName | kAuthPassword | kAuthOptions, Kind::kUserAdd)},
      {"auth/user/delete", Change(kAuthName, Kind::kUserDelete)},
      {"auth/user/changepw", Change(kAuthName | kAuthPassword, Kind::kUserChangePassword)},
      {"auth/user/grant", Change(kAuthUser | kAuthRole, Kind::kUserGrantRole)},
      {"auth/user/revoke", Change(kAuthName | kAuthRole, Kind::kUserRevokeRole)},
      {"auth/role/add", Change(kAuthName, Kind::kRoleAdd)},
      {"auth/role/delete", Change(kAuthRole, Kind::kRoleDelete)},
      {"auth/role/grant", Change(kAuthName | kAuthPerm, Kind::kRoleGrantPermission)},
      {"auth/role/revoke", Change(kAuthRole | kAuthKeyRange, Kind::kRoleRevokePermission)},
      {"auth/authenticate",
       {kAuthName | kAuthPassword,
        [](agent::Member& m, const AuthRequest& r, const agent::RequestOrigin&) {
          Result<std::string> token = m.Authenticate(r.name, r.password);
          if (!token.ok()) return ErrorReply(token.status());
          return HttpReply{200, EncodeAuthenticateResponse(Header(m), *token)};
        }}},
      {"auth/status",
       {0,
        [](agent::Member& m, const AuthRequest&, const agent::RequestOrigin&) {
          std::shared_ptr<const auth::AuthState> s = m.AuthSnapshot();
          return HttpReply{200, EncodeAuthStatusResponse(Header(m), s->enabled(), s->revision())};
        }}},
      {"auth/user/get",
       {kAuthName,
        [](agent::Member& m, const AuthRequest& r, const agent::RequestOrigin& o) {
          std::shared_ptr<const auth::AuthState> s = m.AuthSnapshot();
          Status allowed = s->CheckUserGet(o.user, r.name);
          if (!allowed.ok()) return ErrorReply(allowed);
          const auth::User* u = s->FindUser(r.name);
          if (u == nullptr) {
            return ErrorReply(Status::FailedPrecondition("etcdserver: user name not found"));
          }
          return HttpReply{200, EncodeAuthNamesResponse(Header(m), "roles", u->roles)};
        }}},
      {"auth/user/list",
       {0,
        [](agent::Member& m, const AuthRequest&, const agent::RequestOrigin& o) {
          std::shared_ptr<const auth::AuthState> s = m.AuthSnapshot();
          Status allowed = s->CheckAdmin(o.user);
          if (!allowed.ok()) return ErrorReply(allowed);
          std::vector<std::string> names;
          for (const auto& [name, user] : s->users()) names.push_back(name);
          return HttpReply{200, EncodeAuthNamesResponse(Header(m), "users", names)};
        }}},
      {"auth/role/get",
       {kAuthRole,
        [](agent::Member& m, const AuthRequest& r, const agent::RequestOrigin& o) {
          std::shared_ptr<const auth::AuthState> s = m.AuthSnapshot();
          Status allowed = s->CheckRoleGet(o.user, r.role);
          if (!allowed.ok()) return ErrorReply(allowed);
          const auth::Role* role = s->FindRole(r.role);
          if (role == nullptr) {
            return ErrorReply(Status::FailedPrecondition("etcdserver: role name not found"));
          }
          return HttpReply{200, EncodeRoleGetResponse(Header(m), role->perms)};
        }}},
      {"auth/role/list",
       {0,
        [](agent::Member& m, const AuthRequest&, const agent::RequestOrigin& o) {
          std::shared_ptr<const auth::AuthState> s = m.AuthSnapshot();
          Status allowed = s->CheckAdmin(o.user);
          if (!allowed.ok()) return ErrorReply(allowed);
          std::vector<std::string> names;
          for (const auto& [name, role] : s->roles()) names.push_back(name);
          return HttpReply{200, EncodeAuthNamesResponse(Header(m), "roles", names)};
        }}},
  };
  return table;
}

}  // namespace

bool ServeAuthRoute(const std::string& route, agent::Member& member, const std::string& body,
                    const agent::RequestOrigin& origin, HttpReply* reply) {
  auto it = Table().find(route);
  if (it == Table().end()) return false;
  Result<AuthRequest> request = ParseAuthRequest(body, it->second.fields);
  if (!request.ok()) {
    *reply = ErrorReply(request.status());
    return true;
  }
  *reply = it->second.handle(member, *request, origin);
  return true;
}

}  // namespace shadekv::api
