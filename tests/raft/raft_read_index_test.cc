// Linearizable reads with ReadIndex (thesis §6.4).
#include <gtest/gtest.h>

#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::Describe;
using testing::Filter;
using testing::Msg;
using testing::TestCluster;

// §6.4: record the commit index, confirm leadership with a heartbeat round
// carrying the request, then serve at that index.
TEST(RaftReadIndexTest, LeaderConfirmsLeadershipWithHeartbeatRoundBeforeAnswering) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  c.raw(1).ReadIndex("r1");
  std::vector<Message> hbs = c.Flush(1);
  ASSERT_EQ(hbs.size(), 2u);
  EXPECT_EQ(Describe(hbs[0]), "1->2 MsgHeartbeat Term:1 Commit:2 Context:r1");
  EXPECT_TRUE(c.node(1).read_states.empty()) << "no answer before a quorum confirmed";
  c.Deliver({hbs[0]});
  std::vector<Message> resp = c.Flush(2);
  EXPECT_EQ(Describe(resp.at(0)), "2->1 MsgHeartbeatResp Term:1 Context:r1");
  c.Deliver(resp);
  (void)c.Flush(1);
  ASSERT_EQ(c.node(1).read_states.size(), 1u);
  EXPECT_EQ(c.node(1).read_states[0].index, 2u);
  EXPECT_EQ(c.node(1).read_states[0].request_ctx, "r1");
}

TEST(RaftReadIndexTest, FollowerForwardsReadIndexAndGetsLeadersIndex) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  c.raw(2).ReadIndex("f1");
  std::vector<Message> fwd = c.Flush(2);
  ASSERT_EQ(fwd.size(), 1u);
  EXPECT_EQ(Describe(fwd[0]), "2->1 MsgReadIndex Term:0 Context:f1");
  c.Deliver(fwd);
  c.Stabilize();
  ASSERT_EQ(c.node(2).read_states.size(), 1u);
  EXPECT_EQ(c.node(2).read_states[0].index, 2u);
  EXPECT_EQ(c.node(2).read_states[0].request_ctx, "f1");
  EXPECT_TRUE(c.node(1).read_states.empty());
}

// §6.4 step 1: a new leader must first commit an entry of its term; until
// then, reads wait.
TEST(RaftReadIndexTest, NewLeaderDefersReadsUntilItCommitsAnEntryOfItsTerm) {
  TestCluster c({1, 2, 3});
  c.raw(1).Campaign();
  while (c.raw(1).GetStatus().soft_state.role != Role::kLeader) c.Deliver(c.FlushAll());
  ASSERT_EQ(c.raw(1).GetStatus().hard_state.commit, 0u);
  c.raw(1).ReadIndex("early");
  std::vector<Message> msgs = c.Flush(1);
  EXPECT_TRUE(Filter(msgs, MessageType::kHeartbeat).empty()) << "read is queued";
  c.Deliver(msgs);
  c.Stabilize();
  ASSERT_EQ(c.node(1).read_states.size(), 1u);
  EXPECT_EQ(c.node(1).read_states[0].index, 1u);
  EXPECT_EQ(c.node(1).read_states[0].request_ctx, "early");
}

TEST(RaftReadIndexTest, SingleVoterAnswersImmediately) {
  TestCluster c({1});
  c.Elect(1);
  c.raw(1).ReadIndex("solo");
  std::vector<Message> msgs = c.Flush(1);
  EXPECT_TRUE(msgs.empty());
  ASSERT_EQ(c.node(1).read_states.size(), 1u);
  EXPECT_EQ(c.node(1).read_states[0].index, 1u);
}

// A leader cut off from the majority never answers: a read there would not be
// linearizable.
TEST(RaftReadIndexTest, PartitionedLeaderNeverAnswersAndDropsReadsOnStepDown) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(1);
  c.raw(1).ReadIndex("lost");
  for (int i = 0; i < 25; ++i) {
    c.Tick(1);
    c.Stabilize();
  }
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kFollower);
  c.Heal();
  c.Stabilize();
  EXPECT_TRUE(c.node(1).read_states.empty());
}

// Several reads in one heartbeat window: the quorum for the later one also
// confirms the earlier ones.
TEST(RaftReadIndexTest, QuorumForLaterReadAnswersEarlierReadsToo) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.raw(1).ReadIndex("a");
  c.raw(1).ReadIndex("b");
  std::vector<Message> msgs = c.Flush(1);
  std::vector<Message> for_b;
  for (const Message& m : msgs) {
    if (m.context == "b" && m.to == 2) for_b.push_back(m);
  }
  c.Deliver(for_b);
  c.Deliver(c.Flush(2));
  (void)c.Flush(1);
  ASSERT_EQ(c.node(1).read_states.size(), 2u);
  EXPECT_EQ(c.node(1).read_states[0].request_ctx, "a");
  EXPECT_EQ(c.node(1).read_states[1].request_ctx, "b");
}

TEST(RaftReadIndexTest, FollowerWithoutLeaderDropsRead) {
  TestCluster c({1, 2, 3});
  c.raw(2).ReadIndex("nobody");
  EXPECT_TRUE(c.Flush(2).empty());
  EXPECT_TRUE(c.node(2).read_states.empty());
}

}  // namespace
}  // namespace shadekv::raft
