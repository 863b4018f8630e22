// Log replication and commitment: Raft paper §5.3-§5.4 (Figures 2, 7, 8),
// with etcd-style flow control (probe/replicate, bounded inflights).
#include <gtest/gtest.h>

#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::Describe;
using testing::Filter;
using testing::Msg;
using testing::NewEntry;
using testing::TestCluster;

// Builds a follower (node 2 of {1,2,3}) whose stable log has the given
// (index, term) entries and whose term is the last entry's term.
void SeedLog(TestCluster& c, NodeId id, const std::vector<Entry>& entries, uint64_t commit) {
  ASSERT_TRUE(c.storage(id).Append(entries).ok());
  c.storage(id).SetHardState(HardState{entries.back().term, kNoNode, commit});
  c.Restart(id);
}

// §5.3: the leader appends the command, replicates it, and applies it once it
// is replicated on a majority.
TEST(RaftReplicationTest, LeaderReplicatesProposalAndCommitsOnMajorityAck) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).Propose("a").ok());
  std::vector<Message> apps = c.Flush(1);
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(Describe(apps[0]),
            "1->2 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2 EntryNormal \"a\"]");
  EXPECT_EQ(Describe(apps[1]),
            "1->3 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2 EntryNormal \"a\"]");
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.commit, 1u);
  c.Deliver({apps[0]});
  std::vector<Message> acks = c.Flush(2);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(Describe(acks[0]), "2->1 MsgAppResp Term:1 Index:2");
  c.Deliver(acks);
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.commit, 2u) << "leader + node 2 are a majority";
  // The new commit index goes out to everyone.
  std::vector<Message> next = c.Flush(1);
  EXPECT_EQ(c.AppliedData(1), std::vector<std::string>{"a"});
  ASSERT_FALSE(Filter(next, MessageType::kApp).empty());
  EXPECT_EQ(Filter(next, MessageType::kApp)[0].commit, 2u);
}

TEST(RaftReplicationTest, ClusterKeepsCommittingWithAMinorityDown) {
  TestCluster c({1, 2, 3, 4, 5});
  c.Elect(1);
  c.Isolate(4);
  c.Isolate(5);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  for (NodeId id : {1, 2, 3}) EXPECT_EQ(c.AppliedData(id), std::vector<std::string>{"a"});
  EXPECT_TRUE(c.AppliedData(4).empty());
  c.Heal();
  for (int i = 0; i < 3; ++i) {
    c.Tick(1);
    c.Stabilize();
  }
  EXPECT_EQ(c.AppliedData(5), std::vector<std::string>{"a"});
}

// §5.3 consistency check: a follower rejects AppendEntries whose previous
// entry's term does not match, and (end of §5.3, etcd's fast backtracking)
// hints the largest index whose term is <= the leader's term at the probe.
TEST(RaftReplicationTest, FollowerRejectsMismatchedPrevTermAndHintsPastTheConflictingTerm) {
  TestCluster c({1, 2, 3}, {}, [](Config& cfg) { cfg.pre_vote = false; });
  SeedLog(c, 2, {NewEntry(1, 1), NewEntry(2, 1), NewEntry(3, 3), NewEntry(4, 3), NewEntry(5, 3)},
          1);
  Message app = Msg(MessageType::kApp, 1, 2, 4);
  app.index = 5;
  app.log_term = 2;
  ASSERT_TRUE(c.raw(2).Step(app).ok());
  std::vector<Message> msgs = c.Flush(2);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(Describe(msgs[0]), "2->1 MsgAppResp Term:4 Index:5 Rejected (Hint: 2, LogTerm: 1)");
  EXPECT_EQ(c.raw(2).GetStatus().last_index, 5u) << "a rejection changes no entry";
}

TEST(RaftReplicationTest, FollowerRejectsAppendBeyondItsLogAndHintsItsLastIndex) {
  TestCluster c({1, 2, 3});
  SeedLog(c, 2, {NewEntry(1, 1), NewEntry(2, 1)}, 1);
  Message app = Msg(MessageType::kApp, 1, 2, 2);
  app.index = 7;
  app.log_term = 2;
  ASSERT_TRUE(c.raw(2).Step(app).ok());
  EXPECT_EQ(Describe(c.Flush(2).at(0)),
            "2->1 MsgAppResp Term:2 Index:7 Rejected (Hint: 2, LogTerm: 1)");
}

// §5.3: "If an existing entry conflicts with a new one (same index but
// different terms), delete the existing entry and all that follow it".
TEST(RaftReplicationTest, FollowerReplacesConflictingUncommittedSuffix) {
  TestCluster c({1, 2, 3});
  SeedLog(c, 2, {NewEntry(1, 1), NewEntry(2, 1, "old2"), NewEntry(3, 1, "old3")}, 1);
  Message app = Msg(MessageType::kApp, 1, 2, 2);
  app.index = 1;
  app.log_term = 1;
  app.commit = 2;
  app.entries = {NewEntry(2, 2, "new2")};
  ASSERT_TRUE(c.raw(2).Step(app).ok());
  std::vector<Message> msgs = c.Flush(2);
  EXPECT_EQ(Describe(msgs.at(0)), "2->1 MsgAppResp Term:2 Index:2");
  EXPECT_EQ(c.storage(2).LastIndex(), 2u);
  EXPECT_EQ(*c.storage(2).Term(2), 2u);
  EXPECT_EQ(c.AppliedData(2), std::vector<std::string>{"new2"});
}

// §5.3: an AppendEntries for entries the follower already has (a duplicate)
// changes nothing, and one below the commit index is answered with it.
TEST(RaftReplicationTest, DuplicateAndStaleAppendsAreIdempotent) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  Message dup = Msg(MessageType::kApp, 1, 2, 1);
  dup.index = 1;
  dup.log_term = 1;
  dup.entries = {NewEntry(2, 1, "a")};
  ASSERT_TRUE(c.raw(2).Step(dup).ok());
  EXPECT_EQ(Describe(c.Flush(2).at(0)), "2->1 MsgAppResp Term:1 Index:2");
  Message stale = Msg(MessageType::kApp, 1, 2, 1);
  stale.index = 0;
  stale.entries = {NewEntry(1, 1)};
  ASSERT_TRUE(c.raw(2).Step(stale).ok());
  EXPECT_EQ(Describe(c.Flush(2).at(0)), "2->1 MsgAppResp Term:1 Index:2");
  EXPECT_EQ(c.AppliedData(2), std::vector<std::string>{"a"});
}

// Figure 7 / §5.3: a deposed leader's uncommitted entries are overwritten by
// the new leader's log, and every log converges.
TEST(RaftReplicationTest, DivergentUncommittedEntriesAreOverwrittenByNewLeader) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(1);
  for (const char* d : {"lost1", "lost2", "lost3"}) ASSERT_TRUE(c.raw(1).Propose(d).ok());
  c.Stabilize();
  EXPECT_EQ(c.raw(1).GetStatus().last_index, 4u);
  c.Tick(2, 20);
  c.Stabilize();
  c.Tick(3, 20);
  c.Stabilize();
  ASSERT_NE(c.Leader(), kNoNode);
  const NodeId leader = c.raw(2).GetStatus().soft_state.role == Role::kLeader ? 2 : 3;
  ASSERT_TRUE(c.ProposeAndStabilize(leader, "kept").ok());
  c.Heal();
  for (int i = 0; i < 15; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(c.AppliedData(id), std::vector<std::string>{"kept"}) << "node " << id;
    EXPECT_EQ(c.raw(id).GetStatus().last_index, 3u);
  }
}

// §5.4.2 / Figure 8: a leader never commits an entry from a previous term by
// counting replicas; it commits it indirectly with an entry of its own term.
TEST(RaftReplicationTest, LeaderDoesNotCommitPreviousTermEntryByCounting) {
  TestCluster c({1, 2, 3}, {}, [](Config& cfg) { cfg.pre_vote = false; });
  // Node 1 holds an uncommitted entry from term 2 that nobody else has.
  SeedLog(c, 1, {NewEntry(1, 1), NewEntry(2, 2, "t2")}, 1);
  SeedLog(c, 2, {NewEntry(1, 1)}, 1);
  SeedLog(c, 3, {NewEntry(1, 1)}, 1);
  c.raw(1).Campaign();
  (void)c.Flush(1);
  ASSERT_TRUE(c.raw(1).Step(Msg(MessageType::kVoteResp, 2, 1, 3)).ok());
  ASSERT_EQ(c.raw(1).GetStatus().soft_state.role, Role::kLeader);
  ASSERT_EQ(c.raw(1).GetStatus().last_index, 3u);  // the empty entry of term 3
  (void)c.Flush(1);
  // Node 2 acknowledges index 2 (the term-2 entry): a majority holds it...
  Message ack2 = Msg(MessageType::kAppResp, 2, 1, 3);
  ack2.index = 2;
  ASSERT_TRUE(c.raw(1).Step(ack2).ok());
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.commit, 1u) << "...but it is not of term 3";
  // ...and once the term-3 entry is on a majority, both commit.
  Message ack3 = Msg(MessageType::kAppResp, 2, 1, 3);
  ack3.index = 3;
  ASSERT_TRUE(c.raw(1).Step(ack3).ok());
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.commit, 3u);
}

// §5.3 with the thesis' pipelining (§10.2.1): in replicate state the leader
// streams without waiting, but at most max_inflight_msgs unacknowledged.
TEST(RaftReplicationTest, ReplicateStatePipelinesUpToMaxInflightMessages) {
  TestCluster c({1, 2}, {}, [](Config& cfg) { cfg.max_inflight_msgs = 2; });
  c.Elect(1);
  ASSERT_EQ(c.raw(1).GetStatus().progress.at(2).state, Progress::State::kReplicate);
  for (const char* d : {"a", "b", "c", "d"}) ASSERT_TRUE(c.raw(1).Propose(d).ok());
  std::vector<Message> apps = Filter(c.Flush(1), MessageType::kApp);
  ASSERT_EQ(apps.size(), 2u);
  EXPECT_EQ(Describe(apps[0]),
            "1->2 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2 EntryNormal \"a\"]");
  EXPECT_EQ(Describe(apps[1]),
            "1->2 MsgApp Term:1 Log:1/2 Commit:1 Entries:[1/3 EntryNormal \"b\"]");
  // Acknowledging the first frees one slot: the rest goes out in one message.
  Message ack = Msg(MessageType::kAppResp, 2, 1, 1);
  ack.index = 2;
  ASSERT_TRUE(c.raw(1).Step(ack).ok());
  std::vector<Message> more = Filter(c.Flush(1), MessageType::kApp);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(
      Describe(more[0]),
      "1->2 MsgApp Term:1 Log:1/3 Commit:2 Entries:[1/4 EntryNormal \"c\" 1/5 EntryNormal \"d\"]");
}

// Probe state: one kApp at a time until the follower answers.
TEST(RaftReplicationTest, ProbeStateSendsOneAppendAtATime) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  c.Isolate(3);
  c.raw(1).ReportUnreachable(3);
  ASSERT_EQ(c.raw(1).GetStatus().progress.at(3).state, Progress::State::kProbe);
  ASSERT_TRUE(c.raw(1).Propose("a").ok());
  ASSERT_TRUE(c.raw(1).Propose("b").ok());
  std::vector<Message> to3;
  for (const Message& m : Filter(c.Flush(1), MessageType::kApp)) {
    if (m.to == 3) to3.push_back(m);
  }
  ASSERT_EQ(to3.size(), 1u);
  EXPECT_EQ(Describe(to3[0]),
            "1->3 MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2 EntryNormal \"a\"]");
  // "b" waits for the answer to the outstanding probe.
}

TEST(RaftReplicationTest, MaxSizePerMsgLimitsEntriesPerAppend) {
  TestCluster c({1, 2}, {}, [](Config& cfg) { cfg.max_size_per_msg = 5; });
  c.Elect(1);
  c.Isolate(2);
  c.raw(1).ReportUnreachable(2);  // probe: entries accumulate
  for (const char* d : {"aaa", "bbb", "ccc"}) ASSERT_TRUE(c.raw(1).Propose(d).ok());
  (void)c.Flush(1);
  c.Heal();
  Message hb_resp = Msg(MessageType::kHeartbeatResp, 2, 1, 1);
  ASSERT_TRUE(c.raw(1).Step(hb_resp).ok());
  std::vector<Message> apps = Filter(c.Flush(1), MessageType::kApp);
  ASSERT_EQ(apps.size(), 1u);
  // 3 bytes fit; adding the next would pass 5 bytes.
  ASSERT_EQ(apps[0].entries.size(), 1u);
  EXPECT_EQ(apps[0].entries[0].data, "aaa");
  c.Deliver(apps);
  c.Stabilize();
  EXPECT_EQ(c.AppliedData(2), (std::vector<std::string>{"aaa", "bbb", "ccc"}));
}

TEST(RaftReplicationTest, FollowerForwardsProposalToLeader) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(2).Propose("via2").ok());
  std::vector<Message> msgs = c.Flush(2);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(Describe(msgs[0]), "2->1 MsgProp Term:0 Entries:[0/0 EntryNormal \"via2\"]");
  c.Deliver(msgs);
  c.Stabilize();
  for (NodeId id : {1, 2, 3}) EXPECT_EQ(c.AppliedData(id), std::vector<std::string>{"via2"});
}

TEST(RaftReplicationTest, ProposalWithoutLeaderFailsUnavailable) {
  TestCluster c({1, 2, 3});
  Status s = c.raw(1).Propose("x");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "raft: no leader");
  c.raw(1).Campaign();
  EXPECT_EQ(c.raw(1).Propose("x").code(), StatusCode::kUnavailable) << "pre-candidate";
}

TEST(RaftReplicationTest, OversizedProposalFailsInvalidArgumentNamingTheSize) {
  TestCluster c({1}, {}, [](Config& cfg) { cfg.max_proposal_bytes = 8; });
  c.Elect(1);
  Status s = c.raw(1).Propose(std::string(9, 'x'));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "raft: proposal of 9 bytes exceeds max_proposal_bytes 8");
  EXPECT_TRUE(c.raw(1).Propose(std::string(8, 'x')).ok());
}

// A batch is one append and one kApp per follower for all its entries, in
// order; proposing them one by one makes one kApp each (see
// ReplicateStatePipelinesUpToMaxInflightMessages).
TEST(RaftReplicationTest, ProposeBatchSendsOneAppendPerFollowerForAllEntries) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).ProposeBatch({"a", "b", "c"}).ok());
  std::vector<Message> apps = Filter(c.Flush(1), MessageType::kApp);
  ASSERT_EQ(apps.size(), 2u);
  for (const Message& app : apps) {
    EXPECT_EQ(Describe(app), "1->" + std::to_string(app.to) +
                                 " MsgApp Term:1 Log:1/1 Commit:1 Entries:[1/2 EntryNormal \"a\" "
                                 "1/3 EntryNormal \"b\" 1/4 EntryNormal \"c\"]");
  }
  c.Deliver(apps);
  c.Stabilize();
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(c.AppliedData(id), (std::vector<std::string>{"a", "b", "c"})) << id;
  }
}

TEST(RaftReplicationTest, FollowerForwardsABatchAsOneProposal) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(2).ProposeBatch({"x", "y"}).ok());
  std::vector<Message> msgs = c.Flush(2);
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(Describe(msgs[0]),
            "2->1 MsgProp Term:0 Entries:[0/0 EntryNormal \"x\" 0/0 EntryNormal \"y\"]");
  c.Deliver(msgs);
  c.Stabilize();
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(c.AppliedData(id), (std::vector<std::string>{"x", "y"})) << id;
  }
}

TEST(RaftReplicationTest, ProposeBatchIsAllOrNothing) {
  TestCluster c({1, 2, 3}, {}, [](Config& cfg) { cfg.max_proposal_bytes = 8; });
  EXPECT_EQ(c.raw(1).ProposeBatch({"a"}).code(), StatusCode::kUnavailable) << "no leader yet";
  c.Elect(1);
  const uint64_t last = c.raw(1).GetStatus().hard_state.commit;
  Status too_big = c.raw(1).ProposeBatch({"ok", std::string(9, 'x'), "ok2"});
  EXPECT_EQ(too_big.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_big.message(), "raft: proposal of 9 bytes exceeds max_proposal_bytes 8");
  EXPECT_EQ(c.raw(1).ProposeBatch({}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Filter(c.Flush(1), MessageType::kApp).empty()) << "nothing was appended";
  c.Stabilize();
  EXPECT_EQ(c.raw(1).GetStatus().hard_state.commit, last);
  EXPECT_TRUE(c.AppliedData(1).empty());
}

// Ready contract: entries to persist come with must_sync; committed entries
// come once; after Advance nothing is repeated.
TEST(RaftReplicationTest, ReadyHandsOutEachEntryAndCommittedEntryExactlyOnce) {
  TestCluster c({1});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).Propose("a").ok());
  ASSERT_TRUE(c.raw(1).HasReady());
  Ready rd = c.raw(1).GetReady();
  EXPECT_TRUE(rd.must_sync);
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(rd.entries[0], (Entry{1, 2, EntryType::kNormal, "a"}));
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->commit, 2u);
  ASSERT_TRUE(c.storage(1).Append(rd.entries).ok());
  c.storage(1).SetHardState(*rd.hard_state);
  c.raw(1).Advance(rd);
  EXPECT_FALSE(c.raw(1).HasReady());
  EXPECT_EQ(c.raw(1).GetStatus().applied, 2u);
}

// Figure 2: a restarted member recovers term, vote, log and commit from
// storage and resumes where it left off.
TEST(RaftReplicationTest, RestartedFollowerRecoversStateFromStorage) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  c.Restart(2);
  NodeStatus s = c.raw(2).GetStatus();
  EXPECT_EQ(s.hard_state.term, 1u);
  EXPECT_EQ(s.last_index, 2u);
  EXPECT_EQ(s.applied, 2u);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "b").ok());
  EXPECT_EQ(c.AppliedData(2), (std::vector<std::string>{"a", "b"}));
}

TEST(RaftReplicationTest, CreateRejectsBadConfig) {
  MemoryStorage storage;
  Config cfg;
  cfg.storage = &storage;
  EXPECT_EQ(RawNode::Create(cfg).status().code(), StatusCode::kInvalidArgument);  // id 0
  cfg.id = 1;
  cfg.heartbeat_tick = 10;
  EXPECT_EQ(RawNode::Create(cfg).status().code(), StatusCode::kInvalidArgument);
  cfg.heartbeat_tick = 1;
  cfg.storage = nullptr;
  EXPECT_EQ(RawNode::Create(cfg).status().code(), StatusCode::kInvalidArgument);
  cfg.storage = &storage;
  cfg.applied = 5;
  EXPECT_EQ(RawNode::Create(cfg).status().code(), StatusCode::kInvalidArgument);
  cfg.applied = 0;
  storage.SetHardState(HardState{1, 0, 3});  // commit beyond the (empty) log
  EXPECT_EQ(RawNode::Create(cfg).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace shadekv::raft
