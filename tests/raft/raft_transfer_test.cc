// Leadership transfer (thesis §3.10): the leader stops accepting proposals,
// brings the transferee up to date, then sends TimeoutNow; the transferee
// campaigns at once, bypassing PreVote and the leader lease.
#include <gtest/gtest.h>

#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::Describe;
using testing::Filter;
using testing::Msg;
using testing::TestCluster;

TEST(RaftTransferTest, TransferToUpToDateFollowerSendsTimeoutNowAndTransfereeWins) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.raw(1).TransferLeader(2);
  EXPECT_EQ(c.raw(1).GetStatus().lead_transferee, 2u);
  std::vector<Message> msgs = c.Flush(1);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(Describe(msgs[0]), "1->2 MsgTimeoutNow Term:1");
  c.Deliver(msgs);
  // The transferee skips pre-vote and flags its votes as a transfer.
  std::vector<Message> votes = c.Flush(2);
  ASSERT_EQ(votes.size(), 2u);
  EXPECT_EQ(Describe(votes[0]), "2->1 MsgVote Term:2 Log:1/1 Context:transfer");
  EXPECT_EQ(Describe(votes[1]), "2->3 MsgVote Term:2 Log:1/1 Context:transfer");
  c.Deliver(votes);
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 2u);
  EXPECT_EQ(c.raw(2).GetStatus().hard_state.term, 2u);
  EXPECT_EQ(c.raw(1).GetStatus().soft_state, (SoftState{2, Role::kFollower}));
  EXPECT_EQ(c.raw(1).GetStatus().lead_transferee, kNoNode);
}

TEST(RaftTransferTest, LaggingTransfereeIsCaughtUpBeforeTimeoutNow) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(3);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  c.Heal();
  c.raw(1).TransferLeader(3);
  std::vector<Message> msgs = c.Flush(1);
  EXPECT_TRUE(Filter(msgs, MessageType::kTimeoutNow).empty());
  c.Deliver(msgs);
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 3u);
  EXPECT_EQ(c.AppliedData(3), std::vector<std::string>{"a"});
}

TEST(RaftTransferTest, ProposalsFailWhileTransferIsInProgress) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(2);
  c.raw(1).TransferLeader(2);
  Status s = c.raw(1).Propose("x");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "raft: leader transfer to 2 in progress");
}

TEST(RaftTransferTest, TransferIsAbortedAfterAnElectionTimeout) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(2);
  c.raw(1).TransferLeader(2);
  for (int i = 0; i < 9; ++i) {
    c.Tick(1);
    c.Stabilize();
  }
  EXPECT_EQ(c.raw(1).GetStatus().lead_transferee, 2u);
  c.Tick(1);
  EXPECT_EQ(c.raw(1).GetStatus().lead_transferee, kNoNode);
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kLeader);
  EXPECT_TRUE(c.raw(1).Propose("x").ok());
}

TEST(RaftTransferTest, TransferToSelfLearnerOrStrangerIsIgnored) {
  TestCluster c({1, 2, 3}, {4});
  c.Elect(1);
  for (NodeId target : {1, 4, 9}) {
    c.raw(1).TransferLeader(target);
    EXPECT_EQ(c.raw(1).GetStatus().lead_transferee, kNoNode) << target;
  }
  EXPECT_TRUE(Filter(c.Flush(1), MessageType::kTimeoutNow).empty());
}

TEST(RaftTransferTest, FollowerForwardsTransferRequestToLeader) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.raw(3).TransferLeader(3);
  std::vector<Message> msgs = c.Flush(3);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(Describe(msgs[0]), "3->1 MsgTransferLeader Term:1");
  c.Deliver(msgs);
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 3u);
}

// A new transfer request replaces one in progress to another node.
TEST(RaftTransferTest, SecondTransferToAnotherNodeReplacesTheFirst) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(2);
  c.raw(1).TransferLeader(2);
  (void)c.Flush(1);
  c.raw(1).TransferLeader(3);
  EXPECT_EQ(c.raw(1).GetStatus().lead_transferee, 3u);
  c.Stabilize();
  EXPECT_EQ(c.Leader(), 3u);
}

// Learners and non-voters ignore TimeoutNow: they never campaign.
TEST(RaftTransferTest, LearnerIgnoresTimeoutNow) {
  TestCluster c({1, 2, 3}, {4});
  c.Elect(1);
  ASSERT_TRUE(c.raw(4).Step(Msg(MessageType::kTimeoutNow, 1, 4, 1)).ok());
  EXPECT_TRUE(c.Flush(4).empty());
  EXPECT_EQ(c.raw(4).GetStatus().hard_state.term, 1u);
}

}  // namespace
}  // namespace shadekv::raft
