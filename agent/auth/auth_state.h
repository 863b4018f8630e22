// AuthState: etcd v3's users, roles and key-range permissions, as a plain
// value every member holds and changes identically by applying the same Raft
// entries. Pure: no I/O, no clock, no threads; the caller synchronises.
//
// Mutations (Apply) and permission checks return etcd 3.4's exact errors
// (message and gRPC code, observed on etcd 3.4.23's JSON gateway), e.g.
// kFailedPrecondition "etcdserver: user name already exists". A failed
// mutation changes nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"

namespace shadekv::auth {

inline constexpr char kRootUser[] = "root";
inline constexpr char kRootRole[] = "root";

// etcd's authpb.Permission_Type numbers. Persisted: never renumber.
enum class PermType : int { kRead = 0, kWrite = 1, kReadWrite = 2 };

// A permission on [key, range_end): empty range_end is the single key `key`;
// range_end "\0" is every key >= key (etcd's rules).
struct Permission {
  PermType type = PermType::kRead;
  std::string key;
  std::string range_end;
  friend bool operator==(const Permission&, const Permission&) = default;
};

struct Role {
  std::string name;
  std::vector<Permission> perms;  // sorted by (key, range_end), unique
  friend bool operator==(const Role&, const Role&) = default;
};

struct User {
  std::string name;
  // libsodium's argon2id string (password.h); empty for a user added with
  // no_password, who can never authenticate.
  std::string password_hash;
  std::vector<std::string> roles;  // sorted, unique
  // The auth revision of the user's last creation or password change: a token
  // names the epoch it was issued for and dies when the epoch moves on.
  uint64_t epoch = 0;
  friend bool operator==(const User&, const User&) = default;
};

// One replicated change. Which fields matter depends on `kind`; the others
// stay empty. Numbers are persisted in Raft logs: never renumber.
struct AuthChange {
  enum class Kind : int {
    kEnable = 0,
    kDisable = 1,
    kUserAdd = 2,
    kUserDelete = 3,
    kUserChangePassword = 4,
    kUserGrantRole = 5,
    kUserRevokeRole = 6,
    kRoleAdd = 7,
    kRoleDelete = 8,
    kRoleGrantPermission = 9,
    kRoleRevokePermission = 10,
  };
  static constexpr int kMaxKind = 10;
  Kind kind = Kind::kEnable;
  std::string user;           // user name (user ops)
  std::string role;           // role name (role ops, grant/revoke role)
  std::string password_hash;  // kUserAdd, kUserChangePassword: already hashed
  Permission perm;            // kRoleGrantPermission; key/range_end for revoke
  std::string secret;         // kEnable: the new token signing secret
  friend bool operator==(const AuthChange&, const AuthChange&) = default;
};

class AuthState {
 public:
  bool enabled() const { return enabled_; }
  // Bumped by every applied change (etcd's auth revision).
  uint64_t revision() const { return revision_; }
  // The token signing secret of the current enablement ("" when never
  // enabled). Replaced at every enable, so disabling invalidates all tokens.
  const std::string& secret() const { return secret_; }
  const std::map<std::string, User>& users() const { return users_; }
  const std::map<std::string, Role>& roles() const { return roles_; }
  const User* FindUser(const std::string& name) const;
  const Role* FindRole(const std::string& name) const;

  // Applies `change`; on error nothing changes. Errors (etcd 3.4):
  //  enable: kFailedPrecondition "etcdserver: root user does not exist" /
  //    "etcdserver: root user does not have root role"; enabling an enabled
  //    state keeps its secret and succeeds.
  //  user add: kInvalidArgument "etcdserver: user name is empty",
  //    kFailedPrecondition "etcdserver: user name already exists".
  //  role add: kInvalidArgument "etcdserver: role name is empty",
  //    kFailedPrecondition "etcdserver: role name already exists".
  //  kFailedPrecondition "etcdserver: user name not found", "etcdserver: role
  //    name not found", "etcdserver: role is not granted to the user",
  //    "etcdserver: permission is not granted to the role".
  //  kInvalidArgument "etcdserver: invalid auth management": deleting the root
  //    user or role, or revoking root from root, while enabled.
  //  kInvalidArgument "etcdserver: permission type N is not one of READ (0),
  //    WRITE (1), READWRITE (2)" (etcd 3.4 stores any number; we refuse).
  Status Apply(const AuthChange& change);

  // Restores a state read back from storage (auth_record.h).
  void Reset(bool enabled, uint64_t revision, std::string secret, std::map<std::string, User> users,
             std::map<std::string, Role> roles);

  // ---- Permission checks (etcd's isOpPermitted rules) ----
  // All succeed while auth is disabled. Otherwise: `user` empty =>
  // kInvalidArgument "etcdserver: user name is empty"; unknown user or
  // missing permission => kPermissionDenied "etcdserver: permission denied".
  // A user holding the root role may do anything.
  Status CheckRead(const std::string& user, const std::string& key,
                   const std::string& range_end) const;
  Status CheckWrite(const std::string& user, const std::string& key,
                    const std::string& range_end) const;
  Status CheckRange(const std::string& user, const store::RangeRequest& r) const;
  // Write on the key; with prev_kv also read (etcd's checkPut / delete).
  Status CheckPut(const std::string& user, const store::PutRequest& r) const;
  Status CheckDeleteRange(const std::string& user, const store::DeleteRangeRequest& r) const;
  // Read on every compare key, and every op of both branches, recursively.
  Status CheckTxn(const std::string& user, const store::TxnRequest& r) const;
  // Write on every key attached to the lease (etcd's checkLeasePuts: a
  // lease without keys needs nothing, not even a user).
  Status CheckLeaseRevoke(const std::string& user, const std::vector<std::string>& keys) const;
  // Root role required (etcd's IsAdminPermitted): empty => "user name is
  // empty"; unknown => kFailedPrecondition "etcdserver: user name not found";
  // otherwise kPermissionDenied "etcdserver: permission denied".
  Status CheckAdmin(const std::string& user) const;
  // etcd lets a user read itself and the roles it holds without root.
  Status CheckUserGet(const std::string& user, const std::string& target) const;
  Status CheckRoleGet(const std::string& user, const std::string& role) const;

  friend bool operator==(const AuthState&, const AuthState&) = default;

 private:
  Status CheckKeys(const std::string& user, const std::string& key, const std::string& range_end,
                   bool write) const;
  // Nullptr with *status set when the check is already decided.
  const User* Subject(const std::string& user, Status* status, bool* everything) const;

  bool enabled_ = false;
  uint64_t revision_ = 0;
  std::string secret_;
  std::map<std::string, User> users_;
  std::map<std::string, Role> roles_;
};

// True when the union of `perms` intervals of the given kind covers
// [key, range_end) under etcd's range rules. Exposed for tests.
bool PermissionsCover(const std::vector<Permission>& perms, bool write, const std::string& key,
                      const std::string& range_end);

}  // namespace shadekv::auth
