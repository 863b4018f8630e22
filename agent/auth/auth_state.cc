// etcd's auth store rules over a plain value: mutations and permission checks.
#include "agent/auth/auth_state.h"

#include <algorithm>
#include <optional>
#include <tuple>

namespace shadekv::auth {
namespace {

Status UserEmpty() { return Status::InvalidArgument("etcdserver: user name is empty"); }
Status UserNotFound() { return Status::FailedPrecondition("etcdserver: user name not found"); }
Status RoleNotFound() { return Status::FailedPrecondition("etcdserver: role name not found"); }
Status Denied() { return Status::PermissionDenied("etcdserver: permission denied"); }
Status InvalidMgmt() { return Status::InvalidArgument("etcdserver: invalid auth management"); }

bool HasRole(const User& u, const std::string& role) {
  return std::binary_search(u.roles.begin(), u.roles.end(), role);
}

// A half-open key interval; nullopt end = no upper bound.
struct Interval {
  std::string start;
  std::optional<std::string> end;
};

// etcd's range rules: empty range_end = the single key, "\0" = every key >=
// key. An inverted range (range_end <= key) covers nothing.
std::optional<Interval> ToInterval(const std::string& key, const std::string& range_end) {
  if (range_end.empty()) return Interval{key, key + std::string(1, '\0')};
  if (range_end == std::string(1, '\0')) return Interval{key, std::nullopt};
  if (range_end <= key) return std::nullopt;
  return Interval{key, range_end};
}

bool Grants(PermType type, bool write) {
  return type == PermType::kReadWrite || type == (write ? PermType::kWrite : PermType::kRead);
}

}  // namespace

bool PermissionsCover(const std::vector<Permission>& perms, bool write, const std::string& key,
                      const std::string& range_end) {
  // An inverted request range reads or deletes nothing; etcd still checks
  // the key itself, so do we.
  std::optional<Interval> wanted = ToInterval(key, range_end);
  if (!wanted.has_value()) wanted = ToInterval(key, "");
  std::vector<Interval> have;
  for (const Permission& p : perms) {
    if (!Grants(p.type, write)) continue;
    if (std::optional<Interval> i = ToInterval(p.key, p.range_end)) have.push_back(std::move(*i));
  }
  // Sweep: extend the covered prefix [wanted.start, point) with any interval
  // that starts inside it, until it reaches the wanted end (etcd checks
  // against the union of a user's permissions, not one permission).
  std::string point = wanted->start;
  for (size_t round = 0; round <= have.size(); ++round) {
    bool extended = false;
    std::optional<std::string> best = point;
    for (const Interval& i : have) {
      if (i.start > point) continue;
      if (!i.end.has_value()) {
        best = std::nullopt;
        extended = true;
        break;
      }
      if (*i.end > point && best.has_value() && *i.end > *best) {
        best = i.end;
        extended = true;
      }
    }
    if (!extended) return false;
    if (!best.has_value()) return true;
    if (wanted->end.has_value() && *best >= *wanted->end) return true;
    point = *best;
  }
  return false;
}

const User* AuthState::FindUser(const std::string& name) const {
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : &it->second;
}

const Role* AuthState::FindRole(const std::string& name) const {
  auto it = roles_.find(name);
  return it == roles_.end() ? nullptr : &it->second;
}

void AuthState::Reset(bool enabled, uint64_t revision, std::string secret,
                      std::map<std::string, User> users, std::map<std::string, Role> roles) {
  enabled_ = enabled;
  revision_ = revision;
  secret_ = std::move(secret);
  users_ = std::move(users);
  roles_ = std::move(roles);
}

Status AuthState::Apply(const AuthChange& c) {
  using Kind = AuthChange::Kind;
  const uint64_t next = revision_ + 1;
  switch (c.kind) {
    case Kind::kEnable: {
      if (enabled_) return Status::Ok();  // etcd: enabling twice is a no-op
      const User* root = FindUser(kRootUser);
      if (root == nullptr) {
        return Status::FailedPrecondition("etcdserver: root user does not exist");
      }
      if (!HasRole(*root, kRootRole)) {
        return Status::FailedPrecondition("etcdserver: root user does not have root role");
      }
      if (c.secret.empty()) return Status::InvalidArgument("auth enable: no token secret given");
      enabled_ = true;
      secret_ = c.secret;
      break;
    }
    case Kind::kDisable:
      if (!enabled_) return Status::Ok();
      enabled_ = false;
      break;
    case Kind::kUserAdd: {
      if (c.user.empty()) return UserEmpty();
      if (FindUser(c.user) != nullptr) {
        return Status::FailedPrecondition("etcdserver: user name already exists");
      }
      users_[c.user] = User{c.user, c.password_hash, {}, next};
      break;
    }
    case Kind::kUserDelete: {
      if (enabled_ && c.user == kRootUser) return InvalidMgmt();
      if (users_.erase(c.user) == 0) return UserNotFound();
      break;
    }
    case Kind::kUserChangePassword: {
      auto it = users_.find(c.user);
      if (it == users_.end()) return UserNotFound();
      it->second.password_hash = c.password_hash;
      it->second.epoch = next;
      break;
    }
    case Kind::kUserGrantRole: {
      auto it = users_.find(c.user);
      if (it == users_.end()) return UserNotFound();
      // The root role needs no role record (etcd grants it by name).
      if (c.role != kRootRole && FindRole(c.role) == nullptr) return RoleNotFound();
      std::vector<std::string>& roles = it->second.roles;
      auto pos = std::lower_bound(roles.begin(), roles.end(), c.role);
      if (pos != roles.end() && *pos == c.role) return Status::Ok();  // etcd ignores it
      roles.insert(pos, c.role);
      break;
    }
    case Kind::kUserRevokeRole: {
      if (enabled_ && c.user == kRootUser && c.role == kRootRole) return InvalidMgmt();
      auto it = users_.find(c.user);
      if (it == users_.end()) return UserNotFound();
      std::vector<std::string>& roles = it->second.roles;
      auto pos = std::lower_bound(roles.begin(), roles.end(), c.role);
      if (pos == roles.end() || *pos != c.role) {
        return Status::FailedPrecondition("etcdserver: role is not granted to the user");
      }
      roles.erase(pos);
      break;
    }
    case Kind::kRoleAdd: {
      if (c.role.empty()) return Status::InvalidArgument("etcdserver: role name is empty");
      if (FindRole(c.role) != nullptr) {
        return Status::FailedPrecondition("etcdserver: role name already exists");
      }
      roles_[c.role] = Role{c.role, {}};
      break;
    }
    case Kind::kRoleDelete: {
      if (enabled_ && c.role == kRootRole) return InvalidMgmt();
      if (roles_.erase(c.role) == 0) return RoleNotFound();
      // etcd takes a deleted role away from every user holding it.
      for (auto& [name, user] : users_) {
        auto pos = std::lower_bound(user.roles.begin(), user.roles.end(), c.role);
        if (pos != user.roles.end() && *pos == c.role) user.roles.erase(pos);
      }
      break;
    }
    case Kind::kRoleGrantPermission: {
      auto it = roles_.find(c.role);
      if (it == roles_.end()) return RoleNotFound();
      const int type = static_cast<int>(c.perm.type);
      if (type < 0 || type > 2) {
        // etcd 3.4 stores any number, which then grants nothing; refuse it.
        return Status::InvalidArgument("etcdserver: permission type " + std::to_string(type) +
                                       " is not one of READ (0), WRITE (1), READWRITE (2)");
      }
      std::vector<Permission>& perms = it->second.perms;
      auto less = [](const Permission& a, const Permission& b) {
        return std::tie(a.key, a.range_end) < std::tie(b.key, b.range_end);
      };
      auto pos = std::lower_bound(perms.begin(), perms.end(), c.perm, less);
      if (pos != perms.end() && pos->key == c.perm.key && pos->range_end == c.perm.range_end) {
        pos->type = c.perm.type;  // etcd updates the type of the same range
      } else {
        perms.insert(pos, c.perm);
      }
      break;
    }
    case Kind::kRoleRevokePermission: {
      auto it = roles_.find(c.role);
      if (it == roles_.end()) return RoleNotFound();
      std::vector<Permission>& perms = it->second.perms;
      auto pos = std::find_if(perms.begin(), perms.end(), [&](const Permission& p) {
        return p.key == c.perm.key && p.range_end == c.perm.range_end;
      });
      if (pos == perms.end()) {
        return Status::FailedPrecondition("etcdserver: permission is not granted to the role");
      }
      perms.erase(pos);
      break;
    }
    default:
      return Status::InvalidArgument("auth change: unknown kind " +
                                     std::to_string(static_cast<int>(c.kind)));
  }
  revision_ = next;
  return Status::Ok();
}

const User* AuthState::Subject(const std::string& user, Status* status, bool* everything) const {
  *everything = false;
  if (!enabled_) {
    *everything = true;
    return nullptr;
  }
  if (user.empty()) {
    *status = UserEmpty();
    return nullptr;
  }
  const User* u = FindUser(user);
  if (u == nullptr) {
    *status = Denied();
    return nullptr;
  }
  if (HasRole(*u, kRootRole)) *everything = true;
  return u;
}

Status AuthState::CheckKeys(const std::string& user, const std::string& key,
                            const std::string& range_end, bool write) const {
  Status status;
  bool everything = false;
  const User* u = Subject(user, &status, &everything);
  if (everything) return Status::Ok();
  if (u == nullptr) return status;
  std::vector<Permission> perms;
  for (const std::string& name : u->roles) {
    if (const Role* r = FindRole(name)) perms.insert(perms.end(), r->perms.begin(), r->perms.end());
  }
  return PermissionsCover(perms, write, key, range_end) ? Status::Ok() : Denied();
}

Status AuthState::CheckRead(const std::string& user, const std::string& key,
                            const std::string& range_end) const {
  return CheckKeys(user, key, range_end, /*write=*/false);
}

Status AuthState::CheckWrite(const std::string& user, const std::string& key,
                             const std::string& range_end) const {
  return CheckKeys(user, key, range_end, /*write=*/true);
}

Status AuthState::CheckRange(const std::string& user, const store::RangeRequest& r) const {
  return CheckRead(user, r.key, r.range_end);
}

Status AuthState::CheckPut(const std::string& user, const store::PutRequest& r) const {
  SHADEKV_RETURN_IF_ERROR(CheckWrite(user, r.key, ""));
  if (r.prev_kv) SHADEKV_RETURN_IF_ERROR(CheckRead(user, r.key, ""));
  return Status::Ok();
}

Status AuthState::CheckDeleteRange(const std::string& user,
                                   const store::DeleteRangeRequest& r) const {
  SHADEKV_RETURN_IF_ERROR(CheckWrite(user, r.key, r.range_end));
  if (r.prev_kv) SHADEKV_RETURN_IF_ERROR(CheckRead(user, r.key, r.range_end));
  return Status::Ok();
}

Status AuthState::CheckTxn(const std::string& user, const store::TxnRequest& r) const {
  if (!enabled_) return Status::Ok();
  for (const store::Compare& c : r.compare) {
    SHADEKV_RETURN_IF_ERROR(CheckRead(user, c.key, c.range_end));
  }
  for (const auto* branch : {&r.success, &r.failure}) {
    for (const store::RequestOp& op : *branch) {
      Status s = std::visit(
          [&](const auto& o) -> Status {
            using T = std::decay_t<decltype(o)>;
            if constexpr (std::is_same_v<T, store::RangeRequest>) {
              return CheckRange(user, o);
            } else if constexpr (std::is_same_v<T, store::PutRequest>) {
              return CheckPut(user, o);
            } else if constexpr (std::is_same_v<T, store::DeleteRangeRequest>) {
              return CheckDeleteRange(user, o);
            } else {
              return CheckTxn(user, *o);
            }
          },
          op.request);
      SHADEKV_RETURN_IF_ERROR(s);
    }
  }
  return Status::Ok();
}

Status AuthState::CheckLeaseRevoke(const std::string& user,
                                   const std::vector<std::string>& keys) const {
  // A lease without keys may be revoked by anyone, as in etcd.
  for (const std::string& key : keys) SHADEKV_RETURN_IF_ERROR(CheckWrite(user, key, ""));
  return Status::Ok();
}

Status AuthState::CheckAdmin(const std::string& user) const {
  if (!enabled_) return Status::Ok();
  if (user.empty()) return UserEmpty();
  const User* u = FindUser(user);
  if (u == nullptr) return UserNotFound();
  return HasRole(*u, kRootRole) ? Status::Ok() : Denied();
}

Status AuthState::CheckUserGet(const std::string& user, const std::string& target) const {
  if (enabled_ && !user.empty() && user == target && FindUser(user) != nullptr) {
    return Status::Ok();
  }
  return CheckAdmin(user);
}

Status AuthState::CheckRoleGet(const std::string& user, const std::string& role) const {
  if (enabled_ && !user.empty()) {
    const User* u = FindUser(user);
    if (u != nullptr && HasRole(*u, role)) return Status::Ok();
  }
  return CheckAdmin(user);
}

}  // namespace shadekv::auth
