// Applying committed entries before their Ready is persisted (raw_node.h,
// Ready): which entries qualify, that a leader's and a follower's committed
// entries do, and restarting with the state machine ahead of the persisted
// commit index (a crash between the apply and the batch's write).
#include <gtest/gtest.h>

#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::NewEntry;
using testing::TestCluster;

Ready Committing(uint64_t first, uint64_t last) {
  Ready rd;
  for (uint64_t i = first; i <= last; ++i) rd.committed_entries.push_back(NewEntry(i, 1, "x"));
  return rd;
}

TEST(ApplyBeforePersistTest, EntriesTheStableLogHoldsQualify) {
  EXPECT_EQ(AppliableBeforePersist(Committing(3, 6), 6), 4u);
  EXPECT_EQ(AppliableBeforePersist(Committing(3, 6), 10), 4u);
  EXPECT_EQ(AppliableBeforePersist(Ready{}, 10), 0u);
}

TEST(ApplyBeforePersistTest, EntriesNotYetStableWaitForTheWrite) {
  EXPECT_EQ(AppliableBeforePersist(Committing(3, 6), 4), 2u);
  EXPECT_EQ(AppliableBeforePersist(Committing(3, 6), 2), 0u);
}

TEST(ApplyBeforePersistTest, EntriesTheBatchRewritesWaitForTheWrite) {
  // The stable log holds 1..8, but this batch replaces 5.. with entries of a
  // newer term: the stable 5 and 6 are not the committed ones.
  Ready rd = Committing(3, 6);
  rd.entries = {NewEntry(5, 2, "x"), NewEntry(6, 2, "x")};
  EXPECT_EQ(AppliableBeforePersist(rd, 8), 2u);
}

TEST(ApplyBeforePersistTest, AConfChangeAndWhatFollowsWaitForTheWrite) {
  Ready rd = Committing(3, 6);
  rd.committed_entries[2].type = EntryType::kConfChange;
  EXPECT_EQ(AppliableBeforePersist(rd, 6), 2u);
}

TEST(ApplyBeforePersistTest, NothingWhenTheBatchInstallsASnapshot) {
  Ready rd = Committing(11, 12);
  rd.snapshot.meta.index = 10;
  rd.snapshot.meta.term = 1;
  EXPECT_EQ(AppliableBeforePersist(rd, 12), 0u);
}

// Performs a Ready by hand: persist, then advance (nothing is applied here).
void Persist(TestCluster& c, NodeId id, const Ready& rd) {
  ASSERT_TRUE(c.storage(id).Append(rd.entries).ok());
  if (rd.hard_state.has_value()) c.storage(id).SetHardState(*rd.hard_state);
  c.raw(id).Advance(rd);
}

TEST(ApplyBeforePersistTest, LeaderAppliesWhatItCommittedAheadOfItsNextWrite) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.raw(1).Propose("a").ok());
  c.Deliver(c.Flush(1));
  c.Deliver(c.Flush(2));  // acknowledgements: the leader commits "a"
  ASSERT_TRUE(c.raw(1).Propose("b").ok());
  ASSERT_TRUE(c.raw(1).HasReady());
  Ready rd = c.raw(1).GetReady();
  ASSERT_EQ(rd.committed_entries.size(), 1u);
  EXPECT_EQ(rd.committed_entries[0].data, "a");
  ASSERT_EQ(rd.entries.size(), 1u);
  EXPECT_EQ(rd.entries[0].data, "b");
  EXPECT_EQ(AppliableBeforePersist(rd, c.storage(1).LastIndex()), 1u);
  Persist(c, 1, rd);
}

TEST(ApplyBeforePersistTest, FollowerWaitsForEntriesArrivingWithTheirCommit) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  auto only_to = [](NodeId to, std::vector<Message> messages) {
    std::vector<Message> out;
    for (Message& m : messages) {
      if (m.to == to) out.push_back(std::move(m));
    }
    return out;
  };
  auto to_two = [&](std::vector<Message> messages) { return only_to(2, std::move(messages)); };
  ASSERT_TRUE(c.raw(1).Propose("a").ok());
  c.Deliver(only_to(3, c.Flush(1)));  // node 2 never sees the first append
  c.Deliver(c.Flush(3));
  // The leader committed "a" with node 3; its next append brings node 2 the
  // entry and the commit together. It may not apply "a" before writing it.
  ASSERT_TRUE(c.raw(1).Propose("b").ok());
  c.Deliver(to_two(c.Flush(1)));  // "b" alone: node 2 lacks "a" and refuses
  c.Deliver(c.Flush(2));
  c.Deliver(to_two(c.Flush(1)));  // the leader backs up: "a", "b" and commit 2
  ASSERT_TRUE(c.raw(2).HasReady());
  Ready rd = c.raw(2).GetReady();
  ASSERT_FALSE(rd.committed_entries.empty());
  EXPECT_EQ(rd.committed_entries.back().data, "a");
  EXPECT_EQ(AppliableBeforePersist(rd, c.storage(2).LastIndex()), 0u);
  Persist(c, 2, rd);
}

TEST(ApplyBeforePersistTest, RestartWithStateMachineAheadOfPersistedCommit) {
  TestCluster c({1, 2, 3});
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  ASSERT_TRUE(c.ProposeAndStabilize(1, "b").ok());
  const HardState written = c.storage(2).hard_state();
  ASSERT_EQ(written.commit, 3u);
  // Node 2 applied through 3, but the write carrying commit 3 was lost.
  c.storage(2).SetHardState(HardState{written.term, written.vote, 1});
  c.Restart(2);
  NodeStatus status = c.raw(2).GetStatus();
  EXPECT_EQ(status.hard_state.commit, 3u);
  EXPECT_EQ(status.applied, 3u);
  // The raised commit is written back first, without a sync and with
  // nothing to apply again.
  ASSERT_TRUE(c.raw(2).HasReady());
  Ready rd = c.raw(2).GetReady();
  ASSERT_TRUE(rd.hard_state.has_value());
  EXPECT_EQ(rd.hard_state->commit, 3u);
  EXPECT_FALSE(rd.must_sync);
  EXPECT_TRUE(rd.committed_entries.empty());
  Persist(c, 2, rd);
  EXPECT_EQ(c.storage(2).hard_state().commit, 3u);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "c").ok());
  EXPECT_EQ(c.AppliedData(2), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(ApplyBeforePersistTest, RestartRefusesAppliedBeyondTheLog) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Append({NewEntry(1, 1, "a"), NewEntry(2, 1, "b")}).ok());
  storage.SetHardState(HardState{1, kNoNode, 1});
  Config cfg = testing::DefaultConfig(1);
  cfg.storage = &storage;
  cfg.applied = 3;
  Result<std::unique_ptr<RawNode>> refused = RawNode::Create(cfg);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().ToString().find("applied 3 is beyond the last log index 2"),
            std::string::npos)
      << refused.status().ToString();
  cfg.applied = 2;
  Result<std::unique_ptr<RawNode>> raised = RawNode::Create(cfg);
  ASSERT_TRUE(raised.ok()) << raised.status().ToString();
  EXPECT_EQ((*raised)->GetStatus().hard_state.commit, 2u);
}

}  // namespace
}  // namespace shadekv::raft
