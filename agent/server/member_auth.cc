// Auth requests of one member: changes go through Raft carrying hashes (the
// password is hashed here, before proposing); logins and token checks are
// answered from the local replicated state, without a Raft entry per login.
#include <chrono>

#include "agent/auth/auth_token.h"
#include "agent/auth/password.h"
#include "agent/server/member.h"

namespace shadekv::agent {
namespace {

int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status AuthFailed() {
  return Status::InvalidArgument("etcdserver: authentication failed, invalid user ID or password");
}

}  // namespace

std::shared_ptr<const auth::AuthState> Member::AuthSnapshot() const {
  return state_machine_->auth_state();
}

Status Member::AuthUpdate(auth::AuthChange change, const std::string& password, bool no_password,
                          const RequestOrigin& origin) {
  using Kind = auth::AuthChange::Kind;
  if (change.kind == Kind::kUserAdd && change.user.empty()) {
    // Refused before hashing: no index, no CPU spent.
    return Status::InvalidArgument("etcdserver: user name is empty");
  }
  if ((change.kind == Kind::kUserAdd && !no_password) || change.kind == Kind::kUserChangePassword) {
    SHADEKV_ASSIGN_OR_RETURN(change.password_hash, auth::HashPassword(password));
  }
  if (change.kind == Kind::kEnable) {
    change.secret = auth::NewTokenSecret();
    if (change.secret.empty()) return Status::Internal("no random source for the token secret");
  }
  Result<store::ApplyResult> applied = ProposeAndWait(std::move(change), origin);
  return applied.status();
}

Result<std::string> Member::Authenticate(const std::string& name, const std::string& password) {
  SHADEKV_RETURN_IF_ERROR(LinearizableBarrier());
  std::shared_ptr<const auth::AuthState> state = AuthSnapshot();
  if (!state->enabled()) {
    return Status::FailedPrecondition("etcdserver: authentication is not enabled");
  }
  const auth::User* user = state->FindUser(name);
  // An unknown user gets etcd's same answer without an argon2 run, so
  // unknown names cannot be used to burn this member's CPU and memory.
  if (user != nullptr && user->password_hash.empty()) {
    // etcd 3.4's words and code for a user added with no_password.
    return Status::Unknown("auth: authentication failed, password was given for no password user");
  }
  if (user == nullptr || !auth::VerifyPassword(user->password_hash, password)) {
    return AuthFailed();
  }
  auth::TokenClaims claims{name, user->epoch, NowUnixSeconds() + options_.auth_token_ttl.count()};
  return auth::SignToken(claims, state->secret());
}

Result<std::string> Member::UserOfToken(const std::string& token) const {
  const Status invalid = Status::Unauthenticated("etcdserver: invalid auth token");
  std::shared_ptr<const auth::AuthState> state = AuthSnapshot();
  if (!state->enabled()) return invalid;
  SHADEKV_ASSIGN_OR_RETURN(auth::TokenClaims claims,
                           auth::VerifyToken(token, state->secret(), NowUnixSeconds()));
  const auth::User* user = state->FindUser(claims.user);
  if (user == nullptr || user->epoch != claims.epoch) return invalid;
  return claims.user;
}

std::string Member::InternalRootToken(std::chrono::seconds ttl) const {
  std::shared_ptr<const auth::AuthState> state = AuthSnapshot();
  if (!state->enabled()) return "";
  const auth::User* root = state->FindUser("root");
  if (root == nullptr) return "";  // cannot happen while enabled; refused there
  return auth::SignToken({"root", root->epoch, NowUnixSeconds() + ttl.count()}, state->secret());
}

}  // namespace shadekv::agent
