// Log compaction and InstallSnapshot: Raft paper §7 (Figure 13), sent in
// chunks with the meta on each (our variant of `offset`/`done`).
#include <gtest/gtest.h>

#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::Describe;
using testing::Filter;
using testing::Msg;
using testing::NewEntry;
using testing::TestCluster;

void SmallChunks(Config& c) { c.max_snapshot_chunk_bytes = 4; }

// Builds {1,2,3} with leader 1; node 3 misses "a","b","c" and the leader
// compacts them away into a snapshot whose image is "0123456789".
class RaftSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    c_.Elect(1);
    c_.Isolate(3);
    c_.raw(1).ReportUnreachable(3);
    for (const char* d : {"a", "b", "c"}) ASSERT_TRUE(c_.ProposeAndStabilize(1, d).ok());
    c_.Snapshot(1, "0123456789");  // snapshot at index 4, log compacted
    c_.Heal();
  }
  // A heartbeat round makes the leader probe node 3 (next 2), whose previous
  // entry is compacted: the answer to the heartbeat triggers the snapshot.
  std::vector<Message> ProbeNode3() {
    c_.Tick(1);
    c_.Deliver(Filter(c_.Flush(1), MessageType::kHeartbeat));
    c_.Deliver(c_.Flush(3));
    (void)c_.Flush(2);
    return c_.Flush(1);
  }
  TestCluster c_{{1, 2, 3}, {}, SmallChunks};
};

// §7: "the leader must occasionally send snapshots to followers that lag
// behind" - when the entries it needs were discarded.
TEST_F(RaftSnapshotTest, LeaderSendsSnapshotInChunksWhenFollowerNeedsCompactedEntries) {
  std::vector<Message> snaps = Filter(ProbeNode3(), MessageType::kSnap);
  ASSERT_EQ(snaps.size(), 3u);
  EXPECT_EQ(Describe(snaps[0]), "1->3 MsgSnap Term:1 Snapshot: Index:4 Term:1 Chunk:0+4");
  EXPECT_EQ(Describe(snaps[1]), "1->3 MsgSnap Term:1 Snapshot: Index:4 Term:1 Chunk:4+4");
  EXPECT_EQ(Describe(snaps[2]), "1->3 MsgSnap Term:1 Snapshot: Index:4 Term:1 Chunk:8+2 last");
  EXPECT_EQ(snaps[0].snapshot.data, "0123");
  EXPECT_EQ(snaps[0].snapshot.meta.conf_state, (ConfState{{1, 2, 3}, {}}));
  EXPECT_EQ(c_.raw(1).GetStatus().progress.at(3).state, Progress::State::kSnapshot);
}

// §7: the follower reassembles the chunks, discards its log, installs the
// snapshot (Ready.snapshot) and adopts its membership.
TEST_F(RaftSnapshotTest, FollowerInstallsReassembledSnapshotAndCatchesUp) {
  std::vector<Message> snaps = Filter(ProbeNode3(), MessageType::kSnap);
  c_.Deliver({snaps[0], snaps[1]});
  EXPECT_TRUE(c_.Flush(3).empty()) << "no answer before the last chunk";
  c_.Deliver({snaps[2]});
  std::vector<Message> resp = c_.Flush(3);
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(Describe(resp[0]), "3->1 MsgAppResp Term:1 Index:4");
  ASSERT_EQ(c_.node(3).installed.size(), 1u);
  EXPECT_EQ(c_.node(3).installed[0].data, "0123456789");
  EXPECT_EQ(c_.node(3).installed[0].meta.index, 4u);
  EXPECT_EQ(c_.raw(3).GetStatus().hard_state.commit, 4u);
  EXPECT_EQ(c_.raw(3).GetStatus().applied, 4u);
  EXPECT_EQ(c_.raw(3).GetStatus().conf_state, (ConfState{{1, 2, 3}, {}}));
  c_.Deliver(resp);
  EXPECT_EQ(c_.raw(1).GetStatus().progress.at(3).state, Progress::State::kReplicate);
  c_.Stabilize();
  ASSERT_TRUE(c_.ProposeAndStabilize(1, "d").ok());
  EXPECT_EQ(c_.AppliedData(3), std::vector<std::string>{"d"});
}

TEST_F(RaftSnapshotTest, FollowerDiscardsOutOfOrderChunkAndRejects) {
  std::vector<Message> snaps = Filter(ProbeNode3(), MessageType::kSnap);
  c_.Deliver({snaps[0], snaps[2]});  // chunk 2 lost
  std::vector<Message> resp = c_.Flush(3);
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_EQ(Describe(resp[0]),
            "3->1 MsgAppResp Term:1 Index:4 Rejected (Hint: 1, LogTerm: 0) Context:snapshot");
  EXPECT_TRUE(c_.node(3).installed.empty());
  // The leader gives up on this transfer and starts over on the next probe.
  c_.Deliver(resp);
  EXPECT_EQ(c_.raw(1).GetStatus().progress.at(3).state, Progress::State::kProbe);
  for (int i = 0; i < 3; ++i) {
    c_.Tick(1);
    c_.Stabilize();
  }
  ASSERT_EQ(c_.node(3).installed.size(), 1u);
  EXPECT_EQ(c_.node(3).installed[0].data, "0123456789");
}

TEST_F(RaftSnapshotTest, ChunkOfADifferentSnapshotIsRejected) {
  std::vector<Message> snaps = Filter(ProbeNode3(), MessageType::kSnap);
  c_.Deliver({snaps[0]});
  Message other = snaps[1];
  other.snapshot.meta.index = 3;
  c_.Deliver({other});
  std::vector<Message> resp = c_.Flush(3);
  ASSERT_EQ(resp.size(), 1u);
  EXPECT_TRUE(resp[0].reject);
  // Even the right continuation no longer applies: the buffer was discarded.
  c_.Deliver({snaps[1], snaps[2]});
  EXPECT_TRUE(c_.node(3).installed.empty());
}

// The host may have no snapshot ready yet (kUnavailable): retry later.
TEST_F(RaftSnapshotTest, UnavailableSnapshotIsRetriedOnALaterHeartbeat) {
  c_.storage(1).SetSnapshotTemporarilyUnavailable(true);
  EXPECT_TRUE(Filter(ProbeNode3(), MessageType::kSnap).empty());
  EXPECT_EQ(c_.raw(1).GetStatus().progress.at(3).state, Progress::State::kProbe);
  c_.storage(1).SetSnapshotTemporarilyUnavailable(false);
  for (int i = 0; i < 3; ++i) {
    c_.Tick(1);
    c_.Stabilize();
  }
  ASSERT_EQ(c_.node(3).installed.size(), 1u);
}

TEST_F(RaftSnapshotTest, ReportSnapshotMovesProgressOutOfSnapshotState) {
  (void)ProbeNode3();  // chunks dropped
  ASSERT_EQ(c_.raw(1).GetStatus().progress.at(3).state, Progress::State::kSnapshot);
  c_.raw(1).ReportSnapshot(3, false);
  Progress pr = c_.raw(1).GetStatus().progress.at(3);
  EXPECT_EQ(pr.state, Progress::State::kProbe);
  EXPECT_EQ(pr.next, 2u) << "failed: probe from match+1 again";
  for (int i = 0; i < 3; ++i) {
    c_.Tick(1);
    c_.Stabilize();
  }
  ASSERT_EQ(c_.node(3).installed.size(), 1u);
}

TEST_F(RaftSnapshotTest, SuccessfulReportSnapshotProbesAfterTheSnapshot) {
  std::vector<Message> snaps = Filter(ProbeNode3(), MessageType::kSnap);
  c_.raw(1).ReportSnapshot(3, true);
  Progress pr = c_.raw(1).GetStatus().progress.at(3);
  EXPECT_EQ(pr.state, Progress::State::kProbe);
  EXPECT_EQ(pr.next, 5u);
}

// Without any report, a leader stuck in snapshot state re-probes after
// kSnapshotTimeoutElections election timeouts.
TEST_F(RaftSnapshotTest, LostSnapshotIsResentAfterSnapshotTimeout) {
  (void)ProbeNode3();  // chunks dropped, no report
  c_.SetFilter([](const Message& m) { return m.type != MessageType::kSnap; });
  for (int i = 0; i < 39; ++i) {
    c_.Tick(1);
    c_.Stabilize();
  }
  EXPECT_EQ(c_.raw(1).GetStatus().progress.at(3).state, Progress::State::kSnapshot);
  c_.Tick(1);
  EXPECT_EQ(c_.raw(1).GetStatus().progress.at(3).state, Progress::State::kProbe);
  c_.SetFilter(nullptr);
  for (int i = 0; i < 3; ++i) {
    c_.Tick(1);
    c_.Stabilize();
  }
  ASSERT_EQ(c_.node(3).installed.size(), 1u);
}

// §7: a snapshot the follower's log already covers is not installed; the
// follower answers with its commit index.
TEST(RaftSnapshotFollowerTest, StaleSnapshotIsIgnoredAndAnsweredWithCommitIndex) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  Message snap = Msg(MessageType::kSnap, 1, 2, 1);
  snap.snapshot.meta = SnapshotMeta{1, 1, ConfState{{1, 2, 3}, {}}};
  ASSERT_TRUE(c.raw(2).Step(snap).ok());
  std::vector<Message> resp = c.Flush(2);
  EXPECT_EQ(Describe(resp.at(0)), "2->1 MsgAppResp Term:1 Index:2");
  EXPECT_TRUE(c.node(2).installed.empty());
}

// §7: "If existing log entry has same index and term as snapshot's last
// included entry, retain log entries following it" (commit fast-forwards).
TEST(RaftSnapshotFollowerTest, SnapshotMatchingTheLogOnlyAdvancesCommit) {
  TestCluster c({1, 2, 3});
  ASSERT_TRUE(c.storage(2).Append({NewEntry(1, 1), NewEntry(2, 1), NewEntry(3, 1)}).ok());
  c.storage(2).SetHardState(HardState{1, 0, 1});
  c.Restart(2);
  Message snap = Msg(MessageType::kSnap, 1, 2, 1);
  snap.snapshot.meta = SnapshotMeta{2, 1, ConfState{{1, 2, 3}, {}}};
  ASSERT_TRUE(c.raw(2).Step(snap).ok());
  EXPECT_EQ(Describe(c.Flush(2).at(0)), "2->1 MsgAppResp Term:1 Index:2");
  EXPECT_EQ(c.raw(2).GetStatus().hard_state.commit, 2u);
  EXPECT_EQ(c.raw(2).GetStatus().last_index, 3u);
  EXPECT_TRUE(c.node(2).installed.empty());
}

// §7 + thesis §4: the snapshot carries the membership; a fresh node adopts
// it, including members it never heard of.
TEST(RaftSnapshotFollowerTest, RestoredSnapshotResetsUnstableLogAndAdoptsConfState) {
  TestCluster c({1, 2, 3});
  c.AddEmptyNode(4);
  Message snap = Msg(MessageType::kSnap, 1, 4, 3);
  snap.snapshot.meta = SnapshotMeta{10, 3, ConfState{{1, 2, 3}, {4}}};
  snap.snapshot.data = "img";
  ASSERT_TRUE(c.raw(4).Step(snap).ok());
  ASSERT_TRUE(c.raw(4).HasReady());
  Ready rd = c.raw(4).GetReady();
  EXPECT_EQ(rd.snapshot.meta.index, 10u);
  EXPECT_EQ(rd.snapshot.data, "img");
  EXPECT_TRUE(rd.entries.empty());
  EXPECT_TRUE(rd.must_sync);
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(*rd.hard_state, (HardState{3, 0, 10}));
  ASSERT_EQ(rd.messages.size(), 1u);
  EXPECT_EQ(Describe(rd.messages[0]), "4->1 MsgAppResp Term:3 Index:10");
  ASSERT_TRUE(c.storage(4).ApplySnapshot(rd.snapshot).ok());
  c.storage(4).SetHardState(*rd.hard_state);
  c.raw(4).Advance(rd);
  NodeStatus s = c.raw(4).GetStatus();
  EXPECT_EQ(s.conf_state, (ConfState{{1, 2, 3}, {4}}));
  EXPECT_EQ(s.applied, 10u);
  EXPECT_EQ(s.last_index, 10u);
  EXPECT_FALSE(c.raw(4).HasReady());
}

}  // namespace
}  // namespace shadekv::raft
