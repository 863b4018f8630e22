// Lease entries applied by the KvStateMachine on real LevelDB: grant, puts
// checked against the lease table at apply time, revoke deleting every
// attached key in one revision (reported to the event listener as ordinary
// DELETEs), verdicts that consume the index and change nothing, checkpoints,
// and the table rebuilt after reopening and after a snapshot install.
#include <gtest/gtest.h>

#include "agent/server/kv_state_machine.h"
#include "tests/store/temp_dir.h"

namespace shadekv::agent {
namespace {

using lease::LeaseRecord;
using lease::LeaseTable;
using store::testing::TempDir;

class KvStateMachineLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override { sm_ = OpenAt(dir_.Sub("kv")); }

  std::unique_ptr<KvStateMachine> OpenAt(const std::string& path) {
    Result<std::unique_ptr<KvStateMachine>> sm = KvStateMachine::Open(path);
    EXPECT_TRUE(sm.ok()) << sm.status().ToString();
    if (!sm.ok()) return nullptr;
    (*sm)->SetEventListener(
        [this](const store::ChangeEvent& e, const RaftEntry&) { events_.push_back(e); });
    return std::move(sm).value();
  }

  // Applies `op` at the next index; returns the request's verdict.
  Result<store::ApplyResult> Apply(EntryOp op) {
    RaftEntry entry;
    entry.request_id = ++index_;
    entry.op = std::move(op);
    Result<AppliedEntry> applied = sm_->Apply(index_, EncodeRaftEntry(entry));
    EXPECT_TRUE(applied.ok()) << applied.status().ToString();
    if (!applied.ok()) return applied.status();
    EXPECT_EQ(sm_->AppliedIndex(), index_);
    return applied->result;
  }

  store::PutRequest Put(std::string key, int64_t lease) {
    store::PutRequest p;
    p.key = std::move(key);
    p.value = "v";
    p.lease = lease;
    return p;
  }

  std::vector<int64_t> Ids() {
    return sm_->lessor().With([](LeaseTable& t, int64_t) { return t.Ids(); });
  }
  std::vector<std::string> Keys(int64_t id) {
    return sm_->lessor().With([id](LeaseTable& t, int64_t) { return t.Keys(id); });
  }

  TempDir dir_{"shadekv-sm-lease-"};
  std::unique_ptr<KvStateMachine> sm_;
  uint64_t index_ = 0;
  std::vector<store::ChangeEvent> events_;
};

TEST_F(KvStateMachineLeaseTest, GrantMakesNoRevisionAndRefusesAnExistingId) {
  ASSERT_TRUE(Apply(LeaseGrant{7, 10}).ok());
  EXPECT_EQ(sm_->CurrentRevision(), 1);
  EXPECT_EQ(Apply(LeaseGrant{7, 20}).status(),
            Status::FailedPrecondition("etcdserver: lease already exists"));
  EXPECT_EQ(Ids(), std::vector<int64_t>{7});
  EXPECT_EQ(sm_->lessor().With([](LeaseTable& t, int64_t) { return t.Record(7); }),
            (LeaseRecord{7, 10, 0}));
}

TEST_F(KvStateMachineLeaseTest, PutsAreCheckedAgainstTheTableWhenApplied) {
  ASSERT_TRUE(Apply(LeaseGrant{7, 10}).ok());
  ASSERT_TRUE(Apply(Put("a", 7)).ok());
  EXPECT_EQ(Apply(Put("b", 8)).status(), Status::NotFound("etcdserver: requested lease not found"));
  EXPECT_EQ(sm_->CurrentRevision(), 2);
  EXPECT_EQ(Keys(7), std::vector<std::string>{"a"});
  // The key moves to no lease: detached.
  ASSERT_TRUE(Apply(Put("a", 0)).ok());
  EXPECT_TRUE(Keys(7).empty());
}

TEST_F(KvStateMachineLeaseTest, RevokeDeletesEveryAttachedKeyInOneRevisionOnce) {
  ASSERT_TRUE(Apply(LeaseGrant{7, 10}).ok());
  for (int k = 0; k < 200; ++k) ASSERT_TRUE(Apply(Put("k" + std::to_string(k), 7)).ok());
  ASSERT_TRUE(Apply(Put("other", 0)).ok());
  const int64_t before = sm_->CurrentRevision();
  events_.clear();
  Result<store::ApplyResult> revoked = Apply(LeaseRevoke{7});
  ASSERT_TRUE(revoked.ok()) << revoked.status().ToString();
  EXPECT_EQ(sm_->CurrentRevision(), before + 1);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].revision, before + 1);
  EXPECT_EQ(events_[0].changes.size(), 200u);
  for (const store::KeyChange& c : events_[0].changes) {
    EXPECT_EQ(c.type, store::KeyChange::Type::kDelete);
  }
  EXPECT_TRUE(Ids().empty());
  // Again (a retried expiry, a client racing it): a verdict, no revision.
  EXPECT_EQ(Apply(LeaseRevoke{7}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(sm_->CurrentRevision(), before + 1);
  EXPECT_EQ(events_.size(), 1u);
  store::RangeRequest all;
  all.key = "a";
  all.range_end = "z";
  Result<store::RangeResponse> left = sm_->Range(all);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->kvs.size(), 1u);
  EXPECT_EQ(left->kvs[0].key, "other");
}

TEST_F(KvStateMachineLeaseTest, RevokeOfALeaseWithoutKeysMakesNoRevision) {
  ASSERT_TRUE(Apply(LeaseGrant{3, 10}).ok());
  ASSERT_TRUE(Apply(LeaseRevoke{3}).ok());
  EXPECT_EQ(sm_->CurrentRevision(), 1);
  EXPECT_TRUE(events_.empty());
  EXPECT_TRUE(Ids().empty());
}

TEST_F(KvStateMachineLeaseTest, CheckpointsPersistAndSkipUnknownLeases) {
  ASSERT_TRUE(Apply(LeaseGrant{1, 600}).ok());
  ASSERT_TRUE(Apply(LeaseCheckpoint{{{1, 250}, {99, 5}}}).ok());
  sm_.reset();
  sm_ = OpenAt(dir_.Sub("kv"));
  EXPECT_EQ(sm_->lessor().With([](LeaseTable& t, int64_t) { return t.Record(1); }),
            (LeaseRecord{1, 600, 250}));
  EXPECT_EQ(Ids(), std::vector<int64_t>{1});
}

TEST_F(KvStateMachineLeaseTest, ReopenAndSnapshotInstallRebuildLeasesAndAttachments) {
  ASSERT_TRUE(Apply(LeaseGrant{1, 600}).ok());
  ASSERT_TRUE(Apply(LeaseGrant{2, 600}).ok());
  ASSERT_TRUE(Apply(Put("x", 1)).ok());
  ASSERT_TRUE(Apply(Put("y", 1)).ok());
  ASSERT_TRUE(Apply(Put("z", 2)).ok());
  ASSERT_TRUE(Apply(Put("plain", 0)).ok());
  uint64_t index = index_;

  sm_.reset();
  sm_ = OpenAt(dir_.Sub("kv"));
  EXPECT_EQ(Ids(), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Keys(1), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(Keys(2), std::vector<std::string>{"z"});

  Result<std::string> image = sm_->SnapshotImage();
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  std::unique_ptr<KvStateMachine> other = OpenAt(dir_.Sub("other"));
  raft::Snapshot snapshot;
  snapshot.meta.index = index;
  snapshot.data = *image;
  ASSERT_TRUE(other->RestoreSnapshot(snapshot).ok());
  EXPECT_EQ(other->lessor().With([](LeaseTable& t, int64_t) { return t.Ids(); }),
            (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(other->lessor().With([](LeaseTable& t, int64_t) { return t.Keys(1); }),
            (std::vector<std::string>{"x", "y"}));
  // The restored member revokes exactly the same keys.
  sm_ = std::move(other);
  events_.clear();
  ASSERT_TRUE(Apply(LeaseRevoke{1}).ok());
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].changes.size(), 2u);
}

}  // namespace
}  // namespace shadekv::agent
