// Membership changes: Raft paper §6 as refined by the thesis §4.1 (one server
// at a time, effective when applied) and §4.2.1 (learners / non-voting
// members), §4.2.2 (removing the current leader).
#include <gtest/gtest.h>

#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::Describe;
using testing::Filter;
using testing::Msg;
using testing::TestCluster;

ConfChange Change(ConfChangeType type, NodeId id) { return ConfChange{type, id, "ctx"}; }

// Thesis §4.2.1: a learner receives the log but does not count toward
// commitment.
TEST(RaftMembershipTest, AddedLearnerReceivesLogButNeverCountsForCommit) {
  TestCluster c({1, 2});
  c.Elect(1);
  c.AddEmptyNode(3, ConfState{{1, 2}, {}});
  ASSERT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 3)).ok());
  c.Stabilize();
  EXPECT_EQ(c.raw(1).GetStatus().conf_state, (ConfState{{1, 2}, {3}}));
  EXPECT_TRUE(c.raw(1).GetStatus().progress.at(3).learner);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  EXPECT_EQ(c.AppliedData(3), std::vector<std::string>{"a"});
  EXPECT_EQ(c.raw(3).GetStatus().conf_state, (ConfState{{1, 2}, {3}}));
  // With voter 2 down, leader + learner are not a quorum of {1,2}.
  c.Isolate(2);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "b").ok());
  EXPECT_EQ(c.raw(3).GetStatus().last_index, c.raw(1).GetStatus().last_index);
  EXPECT_EQ(c.AppliedData(1), std::vector<std::string>{"a"}) << "b must not commit";
}

// kAddVoter on a learner promotes it; it then counts toward commitment.
TEST(RaftMembershipTest, PromotedLearnerCountsTowardCommit) {
  TestCluster c({1, 2}, {3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddVoter, 3)).ok());
  c.Stabilize();
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(c.raw(id).GetStatus().conf_state, (ConfState{{1, 2, 3}, {}})) << "node " << id;
  }
  EXPECT_FALSE(c.raw(1).GetStatus().progress.at(3).learner);
  c.Isolate(2);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  EXPECT_EQ(c.AppliedData(1), std::vector<std::string>{"a"}) << "1 and 3 are a majority";
}

// Thesis §4.1: a new server joins empty, catches up from the leader and then
// participates; the cluster keeps working.
TEST(RaftMembershipTest, AddedVoterCatchesUpFromEmptyLogAndCanLead) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  c.AddEmptyNode(4, ConfState{{1, 2, 3}, {}});
  ASSERT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddVoter, 4)).ok());
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(4), std::vector<std::string>{"a"});
  EXPECT_EQ(c.raw(4).GetStatus().conf_state, (ConfState{{1, 2, 3, 4}, {}}));
  c.raw(1).TransferLeader(4);
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 4u);
}

// Thesis §4.1: one change at a time; a second waits until the first applied.
TEST(RaftMembershipTest, OnlyOneConfChangeMayBePendingAtATime) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 4)).ok());
  Status second = c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 5));
  EXPECT_EQ(second.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.message(), "raft: a configuration change is still pending (index 2, applied 1)");
  c.Stabilize();
  EXPECT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 5)).ok());
}

// A change forwarded while another is pending is replaced by an empty entry.
TEST(RaftMembershipTest, ForwardedConfChangeWhilePendingBecomesEmptyEntry) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 4)).ok());
  ASSERT_TRUE(c.raw(2).ProposeConfChange(Change(ConfChangeType::kAddLearner, 5)).ok());
  c.Stabilize();
  EXPECT_EQ(c.raw(1).GetStatus().conf_state, (ConfState{{1, 2, 3}, {4}}));
  const std::vector<Entry>& applied = c.node(1).applied;
  ASSERT_EQ(applied.size(), 3u);
  EXPECT_EQ(applied[2], (Entry{1, 3, EntryType::kNormal, ""}));
}

// Removing a follower shrinks the quorum: with {1,2} left, 1 and 2 commit.
TEST(RaftMembershipTest, RemovedFollowerNoLongerCountsAndGetsNoMessages) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kRemoveNode, 3)).ok());
  c.Stabilize();
  EXPECT_EQ(c.raw(1).GetStatus().conf_state, (ConfState{{1, 2}, {}}));
  EXPECT_EQ(c.raw(1).GetStatus().progress.count(3), 0u);
  c.Tick(1);
  for (const Message& m : c.Flush(1)) EXPECT_NE(m.to, 3u) << Describe(m);
  // Node 3 applied its own removal and no longer campaigns.
  EXPECT_EQ(c.raw(3).GetStatus().conf_state, (ConfState{{1, 2}, {}}));
  c.Tick(3, 100);
  EXPECT_TRUE(c.Flush(3).empty());
  // A message from the removed node is refused.
  EXPECT_EQ(c.raw(1).Step(Msg(MessageType::kHeartbeatResp, 3, 1, 1)).code(),
            StatusCode::kInvalidArgument);
}

// Thesis §4.2.2: the leader replicates its own removal, then steps down once
// the change is applied; the rest elect a new leader.
TEST(RaftMembershipTest, RemovedLeaderStepsDownAfterApplyingAndStopsHeartbeats) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kRemoveNode, 1)).ok());
  c.Stabilize();
  EXPECT_EQ(c.raw(1).GetStatus().soft_state, (SoftState{0, Role::kFollower}));
  EXPECT_EQ(c.raw(1).GetStatus().conf_state, (ConfState{{2, 3}, {}}));
  c.Tick(1, 50);
  EXPECT_TRUE(c.Flush(1).empty()) << "no heartbeats, no campaign";
  for (NodeId id : {2, 3}) EXPECT_EQ(c.raw(id).GetStatus().conf_state, (ConfState{{2, 3}, {}}));
  for (int i = 0; i < 40 && c.Leader() == kNoNode; ++i) {
    c.Tick(2);
    c.Tick(3);
    c.Stabilize();
  }
  const NodeId leader = c.Leader();
  ASSERT_TRUE(leader == 2 || leader == 3);
  ASSERT_TRUE(c.ProposeAndStabilize(leader, "after").ok());
  EXPECT_EQ(c.AppliedData(2), std::vector<std::string>{"after"});
  EXPECT_EQ(c.AppliedData(3), std::vector<std::string>{"after"});
}

// Thesis §4.1: a node applies every committed conf change before it may
// campaign (membership is effective when applied).
TEST(RaftMembershipTest, NodeWithUnappliedConfChangeDoesNotCampaign) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddLearner, 4)).ok());
  (void)c.Flush(1);
  // Hand node 2 the entry with a commit index, but do not let it apply.
  Message app = Msg(MessageType::kApp, 1, 2, 1);
  app.index = 1;
  app.log_term = 1;
  app.commit = 2;
  app.entries = {Entry{1, 2, EntryType::kConfChange,
                       EncodeConfChange(Change(ConfChangeType::kAddLearner, 4))}};
  ASSERT_TRUE(c.raw(2).Step(app).ok());
  c.raw(2).Campaign();
  EXPECT_EQ(c.raw(2).GetStatus().soft_state.role, Role::kFollower);
  (void)c.Flush(2);  // applies
  c.raw(2).Campaign();
  EXPECT_EQ(c.raw(2).GetStatus().soft_state.role, Role::kPreCandidate);
}

TEST(RaftMembershipTest, ProposeConfChangeRejectsNodeZero) {
  TestCluster c({1});
  c.Elect(1);
  EXPECT_EQ(c.raw(1).ProposeConfChange(Change(ConfChangeType::kAddVoter, 0)).code(),
            StatusCode::kInvalidArgument);
}

TEST(RaftMembershipTest, DemotingAVoterToLearnerIsIgnored) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  EXPECT_EQ(c.raw(1).ApplyConfChange(Change(ConfChangeType::kAddLearner, 2)),
            (ConfState{{1, 2, 3}, {}}));
}

}  // namespace
}  // namespace shadekv::raft
