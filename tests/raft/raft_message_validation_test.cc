// Messages from the network are untrusted: Step() refuses malformed ones with
// kInvalidArgument and they change nothing (rules in raft_messages.cc).
// Broken invariants in the core's own state abort (raft_log.cc).
#include <gtest/gtest.h>

#include "agent/raft/raft_log.h"
#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::Msg;
using testing::NewEntry;
using testing::TestCluster;

class RaftMessageValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_.Elect(1);
    before_ = c_.raw(2).GetStatus();
  }
  // Steps m into node 2 and expects a refusal that changed nothing.
  void ExpectRefused(const Message& m) {
    Status s = c_.raw(2).Step(m);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_FALSE(c_.raw(2).HasReady());
    NodeStatus after = c_.raw(2).GetStatus();
    EXPECT_EQ(after.hard_state, before_.hard_state);
    EXPECT_EQ(after.soft_state, before_.soft_state);
    EXPECT_EQ(after.last_index, before_.last_index);
  }
  TestCluster c_{{1, 2, 3}};
  NodeStatus before_;
};

TEST_F(RaftMessageValidationTest, LocalMessageTypesAreRefused) {
  for (MessageType t : {MessageType::kHup, MessageType::kBeat, MessageType::kSnapStatus,
                        MessageType::kUnreachable}) {
    ExpectRefused(Msg(t, 1, 2, 1));
  }
  ExpectRefused(Msg(static_cast<MessageType>(200), 1, 2, 1));
}

TEST_F(RaftMessageValidationTest, MessagesWithBadAddressingAreRefused) {
  ExpectRefused(Msg(MessageType::kHeartbeat, kNoNode, 2, 1));
  ExpectRefused(Msg(MessageType::kHeartbeat, 2, 2, 1));  // from ourselves
  ExpectRefused(Msg(MessageType::kHeartbeat, 1, 3, 1));  // addressed to node 3
  ExpectRefused(Msg(MessageType::kHeartbeat, 1, 2, 0));  // no term
}

TEST_F(RaftMessageValidationTest, ResponsesAndLeaderRequestsFromNonMembersAreRefused) {
  for (MessageType t :
       {MessageType::kAppResp, MessageType::kHeartbeatResp, MessageType::kVoteResp,
        MessageType::kPreVoteResp, MessageType::kTransferLeader, MessageType::kTimeoutNow}) {
    ExpectRefused(Msg(t, 9, 2, 1));
  }
  Message prop = Msg(MessageType::kProp, 9, 2, 0);
  prop.entries = {Entry{}};
  ExpectRefused(prop);
}

// Leader-originated messages are accepted from a sender our (possibly stale)
// configuration does not know, as etcd does.
TEST_F(RaftMessageValidationTest, HeartbeatFromUnknownLeaderOfNewerTermIsAccepted) {
  Message hb = Msg(MessageType::kHeartbeat, 9, 2, 2);
  EXPECT_TRUE(c_.raw(2).Step(hb).ok());
  EXPECT_EQ(c_.raw(2).GetStatus().soft_state, (SoftState{9, Role::kFollower}));
}

TEST_F(RaftMessageValidationTest, AppendWithNonContiguousEntriesIsRefused) {
  Message app = Msg(MessageType::kApp, 1, 2, 1);
  app.index = 1;
  app.log_term = 1;
  app.entries = {NewEntry(2, 1), NewEntry(4, 1)};
  ExpectRefused(app);
  app.entries = {NewEntry(3, 1)};  // does not follow index 1
  ExpectRefused(app);
}

TEST_F(RaftMessageValidationTest, AppendWithImpossibleTermsIsRefused) {
  Message app = Msg(MessageType::kApp, 1, 2, 1);
  app.index = 1;
  app.log_term = 1;
  app.entries = {NewEntry(2, 5)};  // entry newer than the message term
  ExpectRefused(app);
  app.entries = {NewEntry(2, 0)};
  ExpectRefused(app);
  app.log_term = 4;  // previous entry newer than the message term
  app.entries.clear();
  ExpectRefused(app);
  app.log_term = 1;
  app.entries = {Entry{1, 2, static_cast<EntryType>(9), ""}};
  ExpectRefused(app);
}

TEST_F(RaftMessageValidationTest, SnapshotWithInvalidMetaOrOverflowingOffsetIsRefused) {
  Message snap = Msg(MessageType::kSnap, 1, 2, 1);
  ExpectRefused(snap);  // index 0
  snap.snapshot.meta.index = 5;
  snap.snapshot.meta.term = 3;  // newer than the message
  ExpectRefused(snap);
  snap.snapshot.meta.term = 1;
  snap.snapshot.data = "xy";
  snap.chunk_offset = UINT64_MAX;
  ExpectRefused(snap);
}

TEST_F(RaftMessageValidationTest, OversizedForwardedProposalIsRefused) {
  TestCluster c({1, 2, 3}, {}, [](Config& cfg) { cfg.max_proposal_bytes = 4; });
  c.Elect(1);
  Message prop = Msg(MessageType::kProp, 2, 1, 0);
  prop.entries = {NewEntry(0, 0, "12345")};
  Status s = c.raw(1).Step(prop);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(c.raw(1).HasReady());
}

// A garbage commit index in a heartbeat cannot push commit past the log.
TEST_F(RaftMessageValidationTest, HeartbeatCommitBeyondLogIsClamped) {
  Message hb = Msg(MessageType::kHeartbeat, 1, 2, 1);
  hb.commit = 1000;
  EXPECT_TRUE(c_.raw(2).Step(hb).ok());
  EXPECT_EQ(c_.raw(2).GetStatus().hard_state.commit, 1u);
}

// Invariant: a committed entry is never overwritten; trying is a bug that
// aborts with a message on stderr.
TEST(RaftInvariantDeathTest, OverwritingACommittedEntryAborts) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  MemoryStorage storage;
  ASSERT_TRUE(storage.Append({NewEntry(1, 1), NewEntry(2, 1)}).ok());
  RaftLog log(&storage);
  log.CommitTo(2);
  EXPECT_DEATH(log.Append({NewEntry(2, 2)}),
               "invariant violated: append after 1 would overwrite committed 2");
}

TEST(RaftInvariantDeathTest, CommittingBeyondTheLogAborts) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  MemoryStorage storage;
  RaftLog log(&storage);
  EXPECT_DEATH(log.CommitTo(3), "commit 3 is beyond last index 0");
}

}  // namespace
}  // namespace shadekv::raft
