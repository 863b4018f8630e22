// AuthState: etcd 3.4's auth mutations (errors as observed on etcd 3.4.23)
// and an RBAC matrix over every key operation.
#include "agent/auth/auth_state.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace shadekv::auth {
namespace {

using Kind = AuthChange::Kind;

AuthChange UserAdd(const std::string& name) {
  AuthChange c;
  c.kind = Kind::kUserAdd;
  c.user = name;
  c.password_hash = "hash-of-" + name;
  return c;
}
AuthChange RoleAdd(const std::string& role) {
  AuthChange c;
  c.kind = Kind::kRoleAdd;
  c.role = role;
  return c;
}
AuthChange Grant(const std::string& user, const std::string& role) {
  AuthChange c;
  c.kind = Kind::kUserGrantRole;
  c.user = user;
  c.role = role;
  return c;
}
AuthChange Revoke(const std::string& user, const std::string& role) {
  AuthChange c = Grant(user, role);
  c.kind = Kind::kUserRevokeRole;
  return c;
}
AuthChange Perm(const std::string& role, PermType type, const std::string& key,
                const std::string& end) {
  AuthChange c;
  c.kind = Kind::kRoleGrantPermission;
  c.role = role;
  c.perm = {type, key, end};
  return c;
}
AuthChange Simple(Kind kind, const std::string& user = "", const std::string& role = "") {
  AuthChange c;
  c.kind = kind;
  c.user = user;
  c.role = role;
  if (kind == Kind::kEnable) c.secret = "secret";
  return c;
}

void ExpectError(const Status& s, StatusCode code, const std::string& message) {
  EXPECT_EQ(s.code(), code) << s.ToString();
  EXPECT_EQ(s.message(), message);
}

TEST(AuthStateTest, EnableWithoutRootUserIsRefusedLikeEtcd) {
  AuthState s;
  ExpectError(s.Apply(Simple(Kind::kEnable)), StatusCode::kFailedPrecondition,
              "etcdserver: root user does not exist");
  ASSERT_TRUE(s.Apply(UserAdd("root")).ok());
  ExpectError(s.Apply(Simple(Kind::kEnable)), StatusCode::kFailedPrecondition,
              "etcdserver: root user does not have root role");
  EXPECT_FALSE(s.enabled());
  // The root role needs no role record.
  ASSERT_TRUE(s.Apply(Grant("root", "root")).ok());
  ASSERT_TRUE(s.Apply(Simple(Kind::kEnable)).ok());
  EXPECT_TRUE(s.enabled());
  EXPECT_EQ(s.secret(), "secret");
}

TEST(AuthStateTest, FailedMutationChangesNothing) {
  AuthState s;
  ASSERT_TRUE(s.Apply(UserAdd("u")).ok());
  AuthState before = s;
  ExpectError(s.Apply(UserAdd("u")), StatusCode::kFailedPrecondition,
              "etcdserver: user name already exists");
  ExpectError(s.Apply(UserAdd("")), StatusCode::kInvalidArgument, "etcdserver: user name is empty");
  ExpectError(s.Apply(RoleAdd("")), StatusCode::kInvalidArgument, "etcdserver: role name is empty");
  ExpectError(s.Apply(Grant("nobody", "root")), StatusCode::kFailedPrecondition,
              "etcdserver: user name not found");
  ExpectError(s.Apply(Grant("u", "nope")), StatusCode::kFailedPrecondition,
              "etcdserver: role name not found");
  ExpectError(s.Apply(Revoke("u", "zz")), StatusCode::kFailedPrecondition,
              "etcdserver: role is not granted to the user");
  ExpectError(s.Apply(Simple(Kind::kUserDelete, "nobody")), StatusCode::kFailedPrecondition,
              "etcdserver: user name not found");
  ExpectError(s.Apply(Simple(Kind::kUserChangePassword, "nobody")), StatusCode::kFailedPrecondition,
              "etcdserver: user name not found");
  ExpectError(s.Apply(Simple(Kind::kRoleDelete, "", "nope")), StatusCode::kFailedPrecondition,
              "etcdserver: role name not found");
  ExpectError(s.Apply(Perm("nope", PermType::kRead, "a", "")), StatusCode::kFailedPrecondition,
              "etcdserver: role name not found");
  AuthChange revoke_perm = Perm("nope", PermType::kRead, "a", "");
  revoke_perm.kind = Kind::kRoleRevokePermission;
  ExpectError(s.Apply(revoke_perm), StatusCode::kFailedPrecondition,
              "etcdserver: role name not found");
  ASSERT_TRUE(s.Apply(RoleAdd("r")).ok());
  before = s;
  revoke_perm.role = "r";
  ExpectError(s.Apply(revoke_perm), StatusCode::kFailedPrecondition,
              "etcdserver: permission is not granted to the role");
  ExpectError(s.Apply(RoleAdd("r")), StatusCode::kFailedPrecondition,
              "etcdserver: role name already exists");
  ExpectError(s.Apply(Perm("r", static_cast<PermType>(7), "a", "")), StatusCode::kInvalidArgument,
              "etcdserver: permission type 7 is not one of READ (0), WRITE (1), READWRITE (2)");
  EXPECT_EQ(s, before);
}

TEST(AuthStateTest, RootCannotLoseRootWhileEnabled) {
  AuthState s;
  ASSERT_TRUE(s.Apply(UserAdd("root")).ok());
  ASSERT_TRUE(s.Apply(RoleAdd("root")).ok());
  ASSERT_TRUE(s.Apply(Grant("root", "root")).ok());
  ASSERT_TRUE(s.Apply(Simple(Kind::kEnable)).ok());
  AuthState before = s;
  const std::string kMgmt = "etcdserver: invalid auth management";
  ExpectError(s.Apply(Simple(Kind::kUserDelete, "root")), StatusCode::kInvalidArgument, kMgmt);
  ExpectError(s.Apply(Revoke("root", "root")), StatusCode::kInvalidArgument, kMgmt);
  ExpectError(s.Apply(Simple(Kind::kRoleDelete, "", "root")), StatusCode::kInvalidArgument, kMgmt);
  EXPECT_EQ(s, before);
  ASSERT_TRUE(s.Apply(Simple(Kind::kDisable)).ok());
  EXPECT_TRUE(s.Apply(Revoke("root", "root")).ok());
  EXPECT_TRUE(s.Apply(Simple(Kind::kUserDelete, "root")).ok());
}

TEST(AuthStateTest, RevisionAndEpochMoveWithChanges) {
  AuthState s;
  ASSERT_TRUE(s.Apply(UserAdd("u")).ok());
  EXPECT_EQ(s.revision(), 1u);
  EXPECT_EQ(s.FindUser("u")->epoch, 1u);
  ASSERT_TRUE(s.Apply(RoleAdd("r")).ok());
  AuthChange pw = Simple(Kind::kUserChangePassword, "u");
  pw.password_hash = "new";
  ASSERT_TRUE(s.Apply(pw).ok());
  EXPECT_EQ(s.FindUser("u")->epoch, 3u);
  EXPECT_EQ(s.FindUser("u")->password_hash, "new");
  // Deleting and re-adding gives a new epoch: old tokens stay dead.
  ASSERT_TRUE(s.Apply(Simple(Kind::kUserDelete, "u")).ok());
  ASSERT_TRUE(s.Apply(UserAdd("u")).ok());
  EXPECT_EQ(s.FindUser("u")->epoch, 5u);
  // A grant already held is accepted and ignored, like etcd.
  ASSERT_TRUE(s.Apply(Grant("u", "r")).ok());
  AuthState before = s;
  EXPECT_TRUE(s.Apply(Grant("u", "r")).ok());
  EXPECT_EQ(s.FindUser("u")->roles, before.FindUser("u")->roles);
}

TEST(AuthStateTest, RoleDeleteTakesItFromUsersAndPermsStaySorted) {
  AuthState s;
  ASSERT_TRUE(s.Apply(UserAdd("u")).ok());
  ASSERT_TRUE(s.Apply(RoleAdd("r")).ok());
  ASSERT_TRUE(s.Apply(Grant("u", "r")).ok());
  ASSERT_TRUE(s.Apply(Perm("r", PermType::kWrite, "c", "")).ok());
  ASSERT_TRUE(s.Apply(Perm("r", PermType::kRead, "a", "b")).ok());
  ASSERT_TRUE(s.Apply(Perm("r", PermType::kReadWrite, "a", "b")).ok());  // updates the type
  ASSERT_EQ(s.FindRole("r")->perms.size(), 2u);
  EXPECT_EQ(s.FindRole("r")->perms[0], (Permission{PermType::kReadWrite, "a", "b"}));
  EXPECT_EQ(s.FindRole("r")->perms[1], (Permission{PermType::kWrite, "c", ""}));
  ASSERT_TRUE(s.Apply(Simple(Kind::kRoleDelete, "", "r")).ok());
  EXPECT_TRUE(s.FindUser("u")->roles.empty());
}

TEST(AuthStateTest, PermissionsCoverFollowsEtcdRangeRules) {
  std::vector<Permission> perms = {{PermType::kRead, "a", "c"},
                                   {PermType::kRead, "c", "e"},
                                   {PermType::kWrite, "k", ""},
                                   {PermType::kReadWrite, "x", std::string(1, '\0')}};
  EXPECT_TRUE(PermissionsCover(perms, false, "a", ""));
  EXPECT_TRUE(PermissionsCover(perms, false, "a", "e"));  // the union of two perms
  EXPECT_FALSE(PermissionsCover(perms, false, "a", "f"));
  EXPECT_FALSE(PermissionsCover(perms, true, "a", ""));
  EXPECT_TRUE(PermissionsCover(perms, true, "k", ""));
  EXPECT_FALSE(PermissionsCover(perms, true, "k", "l"));  // a single key is not a range
  EXPECT_FALSE(PermissionsCover(perms, false, "k", ""));
  EXPECT_TRUE(PermissionsCover(perms, false, "x", std::string(1, '\0')));
  EXPECT_TRUE(PermissionsCover(perms, true, "zzz", std::string(1, '\0')));
  EXPECT_FALSE(PermissionsCover(perms, false, "w", std::string(1, '\0')));
  EXPECT_FALSE(PermissionsCover({}, false, "a", ""));
}

// The RBAC matrix: every key operation by several users on keys inside and
// outside their ranges.
class RbacMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* u : {"root", "reader", "writer", "both", "nobody"}) Must(UserAdd(u));
    for (const char* r : {"root", "read-app", "write-app", "rw-logs"}) Must(RoleAdd(r));
    Must(Grant("root", "root"));
    Must(Perm("read-app", PermType::kRead, "app/", "app0"));
    Must(Perm("write-app", PermType::kWrite, "app/", "app0"));
    Must(Perm("rw-logs", PermType::kReadWrite, "logs", ""));
    Must(Grant("reader", "read-app"));
    Must(Grant("writer", "write-app"));
    Must(Grant("both", "read-app"));
    Must(Grant("both", "write-app"));
    Must(Grant("both", "rw-logs"));
    Must(Simple(Kind::kEnable));
  }
  void Must(const AuthChange& c) { ASSERT_TRUE(s_.Apply(c).ok()); }
  AuthState s_;
};

store::RangeRequest RangeOf(const std::string& key, const std::string& end = "") {
  store::RangeRequest r;
  r.key = key;
  r.range_end = end;
  return r;
}
store::PutRequest PutOf(const std::string& key, bool prev_kv = false) {
  store::PutRequest p;
  p.key = key;
  p.value = "v";
  p.prev_kv = prev_kv;
  return p;
}
store::DeleteRangeRequest DeleteOf(const std::string& key, const std::string& end = "",
                                   bool prev_kv = false) {
  store::DeleteRangeRequest d;
  d.key = key;
  d.range_end = end;
  d.prev_kv = prev_kv;
  return d;
}

TEST_F(RbacMatrixTest, EveryOperationInsideAndOutsideRanges) {
  struct Case {
    std::string user;
    std::string op;
    std::function<Status(const AuthState&, const std::string&)> check;
    bool allowed;
  };
  auto range = [](std::string k, std::string e = "") {
    return [=](const AuthState& s, const std::string& u) { return s.CheckRange(u, RangeOf(k, e)); };
  };
  auto put = [](std::string k, bool prev = false) {
    return [=](const AuthState& s, const std::string& u) { return s.CheckPut(u, PutOf(k, prev)); };
  };
  auto del = [](std::string k, std::string e = "", bool prev = false) {
    return [=](const AuthState& s, const std::string& u) {
      return s.CheckDeleteRange(u, DeleteOf(k, e, prev));
    };
  };
  auto txn = [](std::vector<std::string> compare_keys, std::vector<store::RequestOp> success,
                std::vector<store::RequestOp> failure) {
    return [=](const AuthState& s, const std::string& u) {
      store::TxnRequest t;
      for (const std::string& k : compare_keys) {
        store::Compare c;
        c.key = k;
        t.compare.push_back(c);
      }
      t.success = success;
      t.failure = failure;
      return s.CheckTxn(u, t);
    };
  };
  auto nested = [](store::RequestOp op) {
    auto inner = std::make_shared<store::TxnRequest>();
    inner->success.push_back(std::move(op));
    return store::RequestOp{std::shared_ptr<const store::TxnRequest>(inner)};
  };
  auto lease = [](std::vector<std::string> keys) {
    return [=](const AuthState& s, const std::string& u) { return s.CheckLeaseRevoke(u, keys); };
  };
  std::vector<Case> cases;
  const std::vector<std::string> users = {"root", "reader", "writer", "both", "nobody", "ghost"};
  auto add = [&](const std::string& op, auto check, std::vector<bool> allowed) {
    for (size_t i = 0; i < users.size(); ++i) cases.push_back({users[i], op, check, allowed[i]});
  };
  //                                          root   reader writer both   nobody ghost
  add("range app/x", range("app/x"), {true, true, false, true, false, false});
  add("range app/ prefix", range("app/", "app0"), {true, true, false, true, false, false});
  add("range app/ to app1", range("app/", "app1"), {true, false, false, false, false, false});
  add("range other", range("other"), {true, false, false, false, false, false});
  add("range all", range("", std::string(1, '\0')), {true, false, false, false, false, false});
  add("put app/x", put("app/x"), {true, false, true, true, false, false});
  add("put app/x prev_kv", put("app/x", true), {true, false, false, true, false, false});
  add("put other", put("other"), {true, false, false, false, false, false});
  add("put logs", put("logs"), {true, false, false, true, false, false});
  add("put logs2", put("logs2"), {true, false, false, false, false, false});
  add("delete app/x", del("app/x"), {true, false, true, true, false, false});
  add("delete app/ prefix prev_kv", del("app/", "app0", true),
      {true, false, false, true, false, false});
  add("delete other", del("other"), {true, false, false, false, false, false});
  add("txn read app", txn({"app/a"}, {store::RequestOp{RangeOf("app/b")}}, {}),
      {true, true, false, true, false, false});
  add("txn compare outside", txn({"other"}, {}, {}), {true, false, false, false, false, false});
  add("txn put in failure branch", txn({"app/a"}, {}, {store::RequestOp{PutOf("app/b")}}),
      {true, false, false, true, false, false});
  add("txn nested put outside", txn({}, {nested(store::RequestOp{PutOf("other")})}, {}),
      {true, false, false, false, false, false});
  add("txn nested put inside", txn({}, {nested(store::RequestOp{PutOf("app/q")})}, {}),
      {true, false, true, true, false, false});
  add("txn delete inside", txn({}, {store::RequestOp{DeleteOf("app/q")}}, {}),
      {true, false, true, true, false, false});
  add("lease revoke app keys", lease({"app/1", "app/2"}), {true, false, true, true, false, false});
  add("lease revoke mixed keys", lease({"app/1", "other"}),
      {true, false, false, false, false, false});
  for (const Case& c : cases) {
    Status s = c.check(s_, c.user);
    if (c.allowed) {
      EXPECT_TRUE(s.ok()) << c.user << " " << c.op << ": " << s.ToString();
    } else {
      EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << c.user << " " << c.op;
      EXPECT_EQ(s.message(), "etcdserver: permission denied");
    }
  }
  // No user at all: etcd's "user name is empty" for every operation.
  for (const Case& c : cases) {
    if (c.user != "root") continue;
    ExpectError(c.check(s_, ""), StatusCode::kInvalidArgument, "etcdserver: user name is empty");
  }
}

TEST_F(RbacMatrixTest, AdminOperationsNeedTheRootRole) {
  EXPECT_TRUE(s_.CheckAdmin("root").ok());
  ExpectError(s_.CheckAdmin("both"), StatusCode::kPermissionDenied,
              "etcdserver: permission denied");
  ExpectError(s_.CheckAdmin(""), StatusCode::kInvalidArgument, "etcdserver: user name is empty");
  ExpectError(s_.CheckAdmin("ghost"), StatusCode::kFailedPrecondition,
              "etcdserver: user name not found");
  // A user may read itself and the roles it holds.
  EXPECT_TRUE(s_.CheckUserGet("reader", "reader").ok());
  EXPECT_EQ(s_.CheckUserGet("reader", "writer").code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(s_.CheckRoleGet("reader", "read-app").ok());
  EXPECT_EQ(s_.CheckRoleGet("reader", "write-app").code(), StatusCode::kPermissionDenied);
}

TEST_F(RbacMatrixTest, DisabledAuthAllowsEverything) {
  ASSERT_TRUE(s_.Apply(Simple(Kind::kDisable)).ok());
  EXPECT_TRUE(s_.CheckPut("", PutOf("other")).ok());
  EXPECT_TRUE(s_.CheckAdmin("").ok());
  EXPECT_TRUE(s_.CheckRange("nobody", RangeOf("", std::string(1, '\0'))).ok());
}

TEST_F(RbacMatrixTest, RoleChangesTakeEffectAtOnce) {
  EXPECT_EQ(s_.CheckPut("reader", PutOf("app/x")).code(), StatusCode::kPermissionDenied);
  Must(Grant("reader", "write-app"));
  EXPECT_TRUE(s_.CheckPut("reader", PutOf("app/x")).ok());
  AuthChange revoke = Perm("write-app", PermType::kWrite, "app/", "app0");
  revoke.kind = Kind::kRoleRevokePermission;
  Must(revoke);
  EXPECT_EQ(s_.CheckPut("reader", PutOf("app/x")).code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace shadekv::auth
