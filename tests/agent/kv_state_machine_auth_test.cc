// Auth entries applied by the KvStateMachine on real LevelDB: changes move
// with the applied index and make no revision, verdicts consume the index
// and change nothing, and the state comes back after reopening and after a
// snapshot install. Also the entry codec's auth ops: round trip and
// hostile bodies.
#include <gtest/gtest.h>

#include "agent/server/kv_state_machine.h"
#include "tests/store/temp_dir.h"

namespace shadekv::agent {
namespace {

using auth::AuthChange;
using Kind = auth::AuthChange::Kind;
using store::testing::TempDir;

AuthChange Change(Kind kind, std::string user = "", std::string role = "") {
  AuthChange c;
  c.kind = kind;
  c.user = std::move(user);
  c.role = std::move(role);
  if (kind == Kind::kUserAdd || kind == Kind::kUserChangePassword) c.password_hash = "$argon2id$x";
  if (kind == Kind::kEnable) c.secret = std::string(32, 's');
  return c;
}

class KvStateMachineAuthTest : public ::testing::Test {
 protected:
  void SetUp() override { sm_ = OpenAt(dir_.Sub("kv")); }

  std::unique_ptr<KvStateMachine> OpenAt(const std::string& path) {
    Result<std::unique_ptr<KvStateMachine>> sm = KvStateMachine::Open(path);
    EXPECT_TRUE(sm.ok()) << sm.status().ToString();
    if (!sm.ok()) return nullptr;
    return std::move(sm).value();
  }

  Status Apply(EntryOp op, const std::string& user = "root") {
    RaftEntry entry;
    entry.request_id = ++index_;
    entry.user = user;
    entry.op = std::move(op);
    Result<AppliedEntry> applied = sm_->Apply(index_, EncodeRaftEntry(entry));
    EXPECT_TRUE(applied.ok()) << applied.status().ToString();
    if (!applied.ok()) return applied.status();
    EXPECT_EQ(sm_->AppliedIndex(), index_);
    return applied->result.status();
  }

  void Build() {
    ASSERT_TRUE(Apply(Change(Kind::kUserAdd, "root")).ok());
    ASSERT_TRUE(Apply(Change(Kind::kUserGrantRole, "root", "root")).ok());
    ASSERT_TRUE(Apply(Change(Kind::kUserAdd, "app")).ok());
    ASSERT_TRUE(Apply(Change(Kind::kRoleAdd, "", "app-rw")).ok());
    AuthChange perm = Change(Kind::kRoleGrantPermission, "", "app-rw");
    perm.perm = {auth::PermType::kReadWrite, "app/", "app0"};
    ASSERT_TRUE(Apply(perm).ok());
    ASSERT_TRUE(Apply(Change(Kind::kUserGrantRole, "app", "app-rw")).ok());
    ASSERT_TRUE(Apply(Change(Kind::kEnable)).ok());
  }

  TempDir dir_{"shadekv-sm-auth-"};
  std::unique_ptr<KvStateMachine> sm_;
  uint64_t index_ = 0;
};

TEST_F(KvStateMachineAuthTest, ChangesApplyWithoutARevisionAndVerdictsChangeNothing) {
  Build();
  EXPECT_EQ(sm_->CurrentRevision(), 1);
  std::shared_ptr<const auth::AuthState> state = sm_->auth_state();
  EXPECT_TRUE(state->enabled());
  EXPECT_EQ(state->FindUser("app")->roles, std::vector<std::string>{"app-rw"});
  EXPECT_EQ(Apply(Change(Kind::kUserAdd, "app")),
            Status::FailedPrecondition("etcdserver: user name already exists"));
  EXPECT_EQ(Apply(Change(Kind::kUserDelete, "root")),
            Status::InvalidArgument("etcdserver: invalid auth management"));
  EXPECT_EQ(*sm_->auth_state(), *state);
  EXPECT_EQ(sm_->AppliedIndex(), index_);
  // The snapshot handed out before a change stays as it was.
  ASSERT_TRUE(Apply(Change(Kind::kUserDelete, "app")).ok());
  EXPECT_NE(state->FindUser("app"), nullptr);
  EXPECT_EQ(sm_->auth_state()->FindUser("app"), nullptr);
}

TEST_F(KvStateMachineAuthTest, StateSurvivesReopenAndSnapshotInstall) {
  Build();
  auth::AuthState expected = *sm_->auth_state();
  sm_.reset();
  sm_ = OpenAt(dir_.Sub("kv"));
  EXPECT_EQ(*sm_->auth_state(), expected);

  Result<std::string> image = sm_->SnapshotImage();
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  std::unique_ptr<KvStateMachine> other = OpenAt(dir_.Sub("other"));
  ASSERT_FALSE(other->auth_state()->enabled());
  raft::Snapshot snapshot;
  snapshot.meta.index = index_;
  snapshot.data = *image;
  ASSERT_TRUE(other->RestoreSnapshot(snapshot).ok());
  EXPECT_EQ(*other->auth_state(), expected);
}

// A permission revoked after the API checked a request (its entry still in
// flight) is honoured when the entry applies: refused, nothing changes.
TEST_F(KvStateMachineAuthTest, KeyEntriesAreCheckedAgainstTheStateAtTheirIndex) {
  Build();
  store::PutRequest put;
  put.key = "app/x";
  put.value = "v";
  ASSERT_TRUE(Apply(put, "app").ok());
  EXPECT_EQ(sm_->CurrentRevision(), 2);
  AuthChange revoke = Change(Kind::kRoleRevokePermission, "", "app-rw");
  revoke.perm = {auth::PermType::kReadWrite, "app/", "app0"};
  ASSERT_TRUE(Apply(revoke).ok());
  EXPECT_EQ(Apply(put, "app"), Status::PermissionDenied("etcdserver: permission denied"));
  store::DeleteRangeRequest del;
  del.key = "app/x";
  EXPECT_EQ(Apply(del, "app"), Status::PermissionDenied("etcdserver: permission denied"));
  store::TxnRequest txn;
  txn.success.push_back(store::RequestOp{put});
  EXPECT_EQ(Apply(txn, "app"), Status::PermissionDenied("etcdserver: permission denied"));
  EXPECT_EQ(Apply(put, ""), Status::InvalidArgument("etcdserver: user name is empty"));
  EXPECT_EQ(sm_->CurrentRevision(), 2);
  EXPECT_EQ(sm_->AppliedIndex(), index_);
  // root may still write.
  ASSERT_TRUE(Apply(put, "root").ok());
  EXPECT_EQ(sm_->CurrentRevision(), 3);
}

TEST(EntryCodecAuthTest, EveryKindRoundTrips) {
  for (int k = 0; k <= AuthChange::kMaxKind; ++k) {
    RaftEntry entry;
    entry.request_id = 9;
    entry.user = "root";
    AuthChange c = Change(static_cast<Kind>(k), "u\0x", "r");
    c.perm = {auth::PermType::kWrite, std::string("k\0", 2), std::string(1, '\0')};
    c.secret = "s";
    entry.op = c;
    Result<RaftEntry> back = DecodeRaftEntry(EncodeRaftEntry(entry));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_TRUE(std::holds_alternative<AuthChange>(back->op));
    EXPECT_EQ(std::get<AuthChange>(back->op), c);
  }
}

TEST(EntryCodecAuthTest, HostileAuthBodiesAreErrors) {
  RaftEntry entry;
  AuthChange c = Change(Kind::kRoleGrantPermission, "", "r");
  c.perm = {auth::PermType::kRead, "a", "b"};
  entry.op = c;
  std::string bytes = EncodeRaftEntry(entry);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(DecodeRaftEntry(bytes.substr(0, n)).ok()) << "cut at " << n;
  }
  // An unknown permission type (the byte after the perm array header).
  std::string bad = bytes;
  size_t perm = bad.find('\x93', bad.size() - 12);
  ASSERT_NE(perm, std::string::npos);
  bad[perm + 1] = 7;
  Result<RaftEntry> r = DecodeRaftEntry(bad);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("perm.type"), std::string::npos) << r.status().ToString();
  // Tag 43 is reserved, not an auth kind.
  std::string unknown = bytes;
  size_t tag = unknown.find(static_cast<char>(32 + 9));
  ASSERT_NE(tag, std::string::npos);
  unknown[tag] = 43;
  EXPECT_FALSE(DecodeRaftEntry(unknown).ok());
}

}  // namespace
}  // namespace shadekv::agent
