// Leader election: Raft paper §5.1-§5.2, §5.4.1; PreVote and CheckQuorum /
// leader lease from the thesis (§9.6, §6.2, §4.2.3).
#include <gtest/gtest.h>

#include <set>

#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::Describe;
using testing::Filter;
using testing::Msg;
using testing::TestCluster;

void NoPreVote(Config& c) {
  c.pre_vote = false;
  c.check_quorum = false;
}

// §5.2: "If a follower receives no communication over a period of time called
// the election timeout, then it ... begins an election"; with PreVote (thesis
// §9.6) it first asks, without bumping its term.
TEST(RaftElectionTest, FollowerStartsPreVoteAfterElectionTimeoutWithoutBumpingTerm) {
  TestCluster c({1, 2, 3});
  c.Tick(1, 20);  // past any randomized timeout in [10, 20)
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kPreCandidate);
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.term, 0u);
  std::vector<Message> msgs = c.Flush(1);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(Describe(msgs[0]), "1->2 MsgPreVote Term:1 Log:0/0");
  EXPECT_EQ(Describe(msgs[1]), "1->3 MsgPreVote Term:1 Log:0/0");
}

// §5.2: election timeouts are chosen randomly from a fixed interval; ours is
// [election_tick, 2*election_tick) and comes only from Config::seed.
TEST(RaftElectionTest, ElectionTimeoutIsRandomizedInRangeAndDeterministicPerSeed) {
  std::set<int> seen;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    auto ticks_to_campaign = [seed]() {
      TestCluster c({1, 2, 3}, {}, [seed](Config& cfg) { cfg.seed = seed; });
      for (int t = 1; t <= 40; ++t) {
        c.Tick(1);
        if (c.raw(1).GetStatus().soft_state.role != Role::kFollower) return t;
      }
      return -1;
    };
    const int ticks = ticks_to_campaign();
    EXPECT_GE(ticks, 10);
    EXPECT_LT(ticks, 20);
    EXPECT_EQ(ticks, ticks_to_campaign()) << "same seed, same timeout";
    seen.insert(ticks);
  }
  EXPECT_GT(seen.size(), 3u);
}

// §5.2: a candidate that wins a majority becomes leader; §5.4.2/§8: the new
// leader appends an empty entry of its term and commits it.
TEST(RaftElectionTest, CandidateWithMajorityBecomesLeaderAndCommitsEmptyEntryOfItsTerm) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  NodeStatus s = c.raw(1).GetStatus();
  EXPECT_EQ(s.soft_state, (SoftState{1, Role::kLeader}));
  EXPECT_EQ(s.hard_state, (HardState{1, 1, 1}));
  EXPECT_EQ(s.last_index, 1u);
  for (NodeId id : {2, 3}) {
    EXPECT_EQ(c.raw(id).GetStatus().soft_state, (SoftState{1, Role::kFollower}));
    EXPECT_EQ(c.raw(id).GetStatus().hard_state, (HardState{1, 1, 1}));
    ASSERT_EQ(c.node(id).applied.size(), 1u);
    EXPECT_EQ(c.node(id).applied[0], (Entry{1, 1, EntryType::kNormal, ""}));
  }
}

// §5.2: "each server will vote for at most one candidate in a given term, on a
// first-come-first-served basis".
TEST(RaftElectionTest, VoterGrantsAtMostOneVotePerTerm) {
  TestCluster c({1, 2, 3}, {}, NoPreVote);
  Message v1 = Msg(MessageType::kVote, 1, 3, 1);
  ASSERT_TRUE(c.raw(3).Step(v1).ok());
  Message v2 = Msg(MessageType::kVote, 2, 3, 1);
  ASSERT_TRUE(c.raw(3).Step(v2).ok());
  std::vector<Message> msgs = c.Flush(3);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(Describe(msgs[0]), "3->1 MsgVoteResp Term:1");
  EXPECT_EQ(Describe(msgs[1]), "3->2 MsgVoteResp Term:1 Rejected (Hint: 0, LogTerm: 0)");
  EXPECT_EQ(c.storage(3).hard_state().vote, 1u) << "the vote is persisted";
  // The same candidate asking again (a retransmission) is granted again.
  ASSERT_TRUE(c.raw(3).Step(v1).ok());
  EXPECT_EQ(Describe(c.Flush(3).at(0)), "3->1 MsgVoteResp Term:1");
}

// §5.4.1 election restriction: a voter denies a candidate whose log is less
// up-to-date (lower last term, or same term and shorter).
TEST(RaftElectionTest, VoterRejectsCandidateWithLessUpToDateLog) {
  TestCluster c({1, 2, 3}, {}, NoPreVote);
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "x").ok());  // logs: 1/1, 1/2
  Message stale_term = Msg(MessageType::kVote, 2, 3, 5);
  stale_term.log_term = 0;
  stale_term.index = 9;
  ASSERT_TRUE(c.raw(3).Step(stale_term).ok());
  EXPECT_EQ(Describe(c.Flush(3).back()), "3->2 MsgVoteResp Term:5 Rejected (Hint: 0, LogTerm: 0)");
  Message shorter = Msg(MessageType::kVote, 2, 3, 6);
  shorter.log_term = 1;
  shorter.index = 1;
  ASSERT_TRUE(c.raw(3).Step(shorter).ok());
  EXPECT_EQ(Describe(c.Flush(3).back()), "3->2 MsgVoteResp Term:6 Rejected (Hint: 0, LogTerm: 0)");
  Message equal = Msg(MessageType::kVote, 2, 3, 7);
  equal.log_term = 1;
  equal.index = 2;
  ASSERT_TRUE(c.raw(3).Step(equal).ok());
  EXPECT_EQ(Describe(c.Flush(3).back()), "3->2 MsgVoteResp Term:7");
}

// §5.4.3 Leader Completeness: a node that lacks a committed entry cannot
// collect a majority, so it never leads.
TEST(RaftElectionTest, NodeMissingACommittedEntryCannotWinAnElection) {
  TestCluster c({1, 2, 3}, {}, NoPreVote);
  c.Elect(1);
  c.Isolate(3);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "committed").ok());
  ASSERT_EQ(c.AppliedData(1), std::vector<std::string>{"committed"});
  c.Heal();
  c.raw(3).Campaign();
  std::vector<Message> votes = c.Flush(3);
  ASSERT_EQ(votes.size(), 2u);
  EXPECT_EQ(Describe(votes[0]), "3->1 MsgVote Term:2 Log:1/1");
  c.Deliver(votes);
  std::vector<Message> answers = c.Flush(1);
  std::vector<Message> from2 = c.Flush(2);
  answers.insert(answers.end(), from2.begin(), from2.end());
  for (const Message& m : Filter(answers, MessageType::kVoteResp)) {
    EXPECT_TRUE(m.reject) << Describe(m);
  }
  c.Deliver(answers);
  EXPECT_NE(c.raw(3).GetStatus().soft_state.role, Role::kLeader);
  // The cluster recovers with a leader that has the entry.
  for (int i = 0; i < 60 && c.Leader() == kNoNode; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  ASSERT_NE(c.Leader(), 3u);
  ASSERT_NE(c.Leader(), kNoNode);
  EXPECT_EQ(c.AppliedData(3), std::vector<std::string>{"committed"});
}

// §5.2: "If the AppendEntries RPC is from a leader whose term is at least as
// large as the candidate's current term, the candidate ... returns to follower".
TEST(RaftElectionTest, CandidateStepsDownOnAppendFromLeaderOfSameTerm) {
  TestCluster c({1, 2, 3}, {}, NoPreVote);
  c.raw(2).Campaign();
  ASSERT_EQ(c.raw(2).GetStatus().soft_state.role, Role::kCandidate);
  Message app = Msg(MessageType::kApp, 1, 2, 1);
  ASSERT_TRUE(c.raw(2).Step(app).ok());
  EXPECT_EQ(c.raw(2).GetStatus().soft_state, (SoftState{1, Role::kFollower}));
  EXPECT_EQ(c.raw(2).GetStatus().hard_state.term, 1u);
}

// §5.1: "If a server receives a request with a stale term number, it rejects
// the request"; with CheckQuorum the stale leader is told the newer term.
TEST(RaftElectionTest, StaleTermAppendIsAnsweredWithCurrentTermAndChangesNothing) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(1);
  NodeId new_leader = kNoNode;
  for (int i = 0; i < 100 && new_leader == kNoNode; ++i) {
    c.Tick(2);
    c.Tick(3);
    c.Stabilize();
    for (NodeId id : {2, 3}) {
      if (c.raw(id).GetStatus().soft_state.role == Role::kLeader) new_leader = id;
    }
  }
  ASSERT_NE(new_leader, kNoNode);
  const uint64_t term = c.raw(new_leader).GetStatus().hard_state.term;
  EXPECT_EQ(term, 2u);
  Message old = Msg(MessageType::kApp, 1, new_leader, 1);
  old.index = 1;
  old.log_term = 1;
  ASSERT_TRUE(c.raw(new_leader).Step(old).ok());
  std::vector<Message> msgs = c.Flush(new_leader);
  std::vector<Message> resp = Filter(msgs, MessageType::kAppResp);
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(Describe(resp[0]), std::to_string(new_leader) + "->1 MsgAppResp Term:2 Index:0");
  EXPECT_EQ(c.raw(new_leader).GetStatus().soft_state.role, Role::kLeader);
  // The stale leader learns the term and steps down.
  c.Heal();
  c.Deliver(resp);
  EXPECT_EQ(c.raw(1).GetStatus().soft_state, (SoftState{0, Role::kFollower}));
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.term, 2u);
}

// §5.1: any message with a higher term makes the receiver a follower of it.
TEST(RaftElectionTest, LeaderSeeingHigherTermBecomesFollower) {
  TestCluster c({1, 2, 3}, {}, NoPreVote);
  c.Elect(1);
  Message hb = Msg(MessageType::kHeartbeat, 2, 1, 5);
  ASSERT_TRUE(c.raw(1).Step(hb).ok());
  EXPECT_EQ(c.raw(1).GetStatus().soft_state, (SoftState{2, Role::kFollower}));
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.term, 5u);
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.vote, kNoNode);
}

// §5.2: a candidate that cannot get a majority times out and starts a new
// election with a new term (split votes).
TEST(RaftElectionTest, CandidateWithoutMajorityRetriesInNextTerm) {
  TestCluster c({1, 2, 3}, {}, NoPreVote);
  c.Isolate(1);
  c.raw(1).Campaign();
  c.Stabilize();
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kCandidate);
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.term, 1u);
  c.Tick(1, 20);
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.term, 2u);
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kCandidate);
}

// §5.2: a candidate rejected by a majority returns to follower.
TEST(RaftElectionTest, CandidateRejectedByMajorityBecomesFollower) {
  TestCluster c({1, 2, 3}, {}, NoPreVote);
  c.raw(1).Campaign();
  (void)c.Flush(1);
  Message r2 = Msg(MessageType::kVoteResp, 2, 1, 1);
  r2.reject = true;
  Message r3 = Msg(MessageType::kVoteResp, 3, 1, 1);
  r3.reject = true;
  ASSERT_TRUE(c.raw(1).Step(r2).ok());
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kCandidate);
  ASSERT_TRUE(c.raw(1).Step(r3).ok());
  EXPECT_EQ(c.raw(1).GetStatus().soft_state, (SoftState{0, Role::kFollower}));
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.term, 1u);
}

// Thesis §9.6: a pre-candidate only bumps its term once a majority said it
// could win; a partitioned node therefore never inflates its term and does
// not disrupt the leader when it comes back.
TEST(RaftElectionTest, PartitionedNodeWithPreVoteDoesNotDisruptLeaderOnRejoin) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 50; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(c.raw(3).GetStatus().hard_state.term, 1u);
  EXPECT_EQ(c.raw(3).GetStatus().soft_state.role, Role::kPreCandidate);
  c.Heal();
  for (int i = 0; i < 30; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  EXPECT_EQ(c.Leader(), 1u);
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.term, 1u);
  EXPECT_EQ(c.raw(3).GetStatus().soft_state, (SoftState{1, Role::kFollower}));
}

// Thesis §9.6: a pre-vote is granted for a future term without changing the
// voter's term or vote.
TEST(RaftElectionTest, PreVoteGrantDoesNotChangeVotersTermOrVote) {
  TestCluster c({1, 2, 3});
  Message pv = Msg(MessageType::kPreVote, 1, 2, 1);
  ASSERT_TRUE(c.raw(2).Step(pv).ok());
  EXPECT_EQ(Describe(c.Flush(2).at(0)), "2->1 MsgPreVoteResp Term:1");
  EXPECT_EQ(c.raw(2).GetStatus().hard_state, (HardState{0, 0, 0}));
}

// Thesis §6.2 (CheckQuorum): a leader that has not heard from a majority for
// an election timeout steps down.
TEST(RaftElectionTest, LeaderWithoutQuorumStepsDownAfterElectionTimeout) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(1);
  for (int i = 0; i < 9; ++i) {
    c.Tick(1);
    c.Stabilize();
  }
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kLeader);
  for (int i = 0; i < 11; ++i) {
    c.Tick(1);
    c.Stabilize();
  }
  EXPECT_EQ(c.raw(1).GetStatus().soft_state, (SoftState{0, Role::kFollower}));
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.term, 1u);
}

TEST(RaftElectionTest, LeaderWithQuorumStaysLeaderAcrossManyElectionTimeouts) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(3);
  for (int i = 0; i < 100; ++i) {
    c.Tick(1);
    c.Stabilize();
  }
  EXPECT_EQ(c.Leader(), 1u);
}

// Thesis §4.2.3/§9.6 leader lease: a follower that heard from its leader
// within the election timeout ignores vote requests (and does not adopt
// their term), unless they belong to a leader transfer.
TEST(RaftElectionTest, FollowerInLeaseIgnoresVoteRequestsUnlessTransfer) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  Message vote = Msg(MessageType::kVote, 2, 3, 2);
  vote.index = 1;
  vote.log_term = 1;
  ASSERT_TRUE(c.raw(3).Step(vote).ok());
  EXPECT_TRUE(c.Flush(3).empty());
  EXPECT_EQ(c.raw(3).GetStatus().hard_state.term, 1u);
  vote.context = "transfer";
  ASSERT_TRUE(c.raw(3).Step(vote).ok());
  EXPECT_EQ(Describe(c.Flush(3).at(0)), "3->2 MsgVoteResp Term:2");
  EXPECT_EQ(c.raw(3).GetStatus().hard_state, (HardState{2, 2, 1}));
}

TEST(RaftElectionTest, FollowerOutOfLeaseGrantsVote) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Tick(3, 10);  // a full election timeout without hearing the leader
  (void)c.Flush(3);
  Message vote = Msg(MessageType::kVote, 2, 3, 2);
  vote.index = 1;
  vote.log_term = 1;
  ASSERT_TRUE(c.raw(3).Step(vote).ok());
  EXPECT_EQ(Describe(c.Flush(3).back()), "3->2 MsgVoteResp Term:2");
}

// Thesis §4.2.1: learners never campaign; a node outside the configuration
// never campaigns either.
TEST(RaftElectionTest, LearnersAndNonMembersNeverCampaign) {
  TestCluster c({1, 2, 3}, {4});
  c.AddEmptyNode(5);
  c.Tick(4, 100);
  c.Tick(5, 100);
  c.raw(4).Campaign();
  c.raw(5).Campaign();
  EXPECT_TRUE(c.Flush(4).empty());
  EXPECT_TRUE(c.Flush(5).empty());
  EXPECT_EQ(c.raw(4).GetStatus().soft_state.role, Role::kFollower);
  EXPECT_EQ(c.raw(5).GetStatus().hard_state.term, 0u);
}

// §5.2: the candidate asks only voters; learners' votes never count.
TEST(RaftElectionTest, CandidateAsksOnlyVotersAndIgnoresLearnerVotes) {
  TestCluster c({1, 2, 3}, {4, 5}, NoPreVote);
  c.raw(1).Campaign();
  std::vector<Message> msgs = c.Flush(1);
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[0].to, 2u);
  EXPECT_EQ(msgs[1].to, 3u);
  Message learner_vote = Msg(MessageType::kVoteResp, 4, 1, 1);
  ASSERT_TRUE(c.raw(1).Step(learner_vote).ok());
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kCandidate);
  ASSERT_TRUE(c.raw(1).Step(Msg(MessageType::kVoteResp, 2, 1, 1)).ok());
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kLeader);
}

// §5.2 with one voter: the node elects itself at once.
TEST(RaftElectionTest, SingleVoterElectsItselfImmediately) {
  TestCluster c({1});
  c.Elect(1);
  EXPECT_EQ(c.raw(1).GetStatus().soft_state, (SoftState{1, Role::kLeader}));
  EXPECT_EQ(c.raw(1).GetStatus().hard_state, (HardState{1, 1, 1}));
}

// Figure 2: currentTerm and votedFor survive a restart (the host persisted
// them before any message went out, as Ready.must_sync demanded).
TEST(RaftElectionTest, TermAndVoteArePersistedBeforeMessagesAndSurviveRestart) {
  TestCluster c({1, 2, 3}, {}, NoPreVote);
  c.raw(1).Campaign();
  Ready rd = c.raw(1).GetReady();
  EXPECT_TRUE(rd.must_sync);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(*rd.hard_state, (HardState{1, 1, 0}));
  EXPECT_EQ(rd.soft_state, (SoftState{0, Role::kCandidate}));
  EXPECT_EQ(rd.messages.size(), 2u);
  c.storage(1).SetHardState(*rd.hard_state);
  c.raw(1).Advance(rd);
  c.Restart(1);
  EXPECT_EQ(c.raw(1).GetStatus().hard_state, (HardState{1, 1, 0}));
  EXPECT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kFollower);
}

}  // namespace
}  // namespace shadekv::raft
