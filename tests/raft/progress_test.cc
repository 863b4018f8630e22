// The leader's per-follower replication state (etcd's tracker.Progress),
// backing §5.3's nextIndex/matchIndex and pipelining.
#include "agent/raft/progress.h"

#include <gtest/gtest.h>

namespace shadekv::raft {
namespace {

TEST(InflightsTest, FullAtCapacityAndFreedByAcknowledgement) {
  Inflights in(3);
  in.Add(2);
  in.Add(4);
  EXPECT_FALSE(in.Full());
  in.Add(6);
  EXPECT_TRUE(in.Full());
  in.FreeLE(4);
  EXPECT_EQ(in.Count(), 1u);
  in.FreeFirstOne();
  EXPECT_EQ(in.Count(), 0u);
}

TEST(ProgressTest, MaybeUpdateAdvancesMatchAndNextButNeverBackwards) {
  PeerProgress pr(5, 10, false);
  EXPECT_TRUE(pr.MaybeUpdate(3));
  EXPECT_EQ(pr.match, 3u);
  EXPECT_EQ(pr.next, 5u);
  EXPECT_FALSE(pr.MaybeUpdate(2));
  EXPECT_EQ(pr.match, 3u);
  EXPECT_TRUE(pr.MaybeUpdate(7));
  EXPECT_EQ(pr.next, 8u);
}

// §5.3: "After a rejection, the leader decrements nextIndex and retries";
// with the follower's hint it jumps straight to hint+1.
TEST(ProgressTest, ProbeDecrementsToHintOnlyForTheOutstandingProbe) {
  PeerProgress pr(10, 10, false);
  EXPECT_FALSE(pr.MaybeDecrTo(5, 3));  // stale: we probed at 9
  EXPECT_TRUE(pr.MaybeDecrTo(9, 3));
  EXPECT_EQ(pr.next, 4u);
  EXPECT_TRUE(pr.MaybeDecrTo(3, 100));  // hint beyond the rejected index
  EXPECT_EQ(pr.next, 3u);
}

TEST(ProgressTest, ReplicateRejectionAboveMatchFallsBackToMatchPlusOne) {
  PeerProgress pr(1, 10, false);
  pr.MaybeUpdate(4);
  pr.BecomeReplicate();
  pr.OptimisticUpdate(9);
  EXPECT_FALSE(pr.MaybeDecrTo(3, 0));  // at or below match: stale
  EXPECT_TRUE(pr.MaybeDecrTo(7, 0));
  EXPECT_EQ(pr.next, 5u);
}

TEST(ProgressTest, PausedStatePerMode) {
  PeerProgress pr(1, 2, false);
  EXPECT_FALSE(pr.IsPaused());
  pr.probe_sent = true;
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeReplicate();
  EXPECT_FALSE(pr.IsPaused());
  pr.inflights.Add(1);
  pr.inflights.Add(2);
  EXPECT_TRUE(pr.IsPaused());
  pr.BecomeSnapshot(9);
  EXPECT_TRUE(pr.IsPaused());
  EXPECT_EQ(pr.pending_snapshot, 9u);
}

TEST(ProgressTest, LeavingSnapshotStateProbesAfterThePendingSnapshot) {
  PeerProgress pr(1, 2, false);
  pr.BecomeSnapshot(20);
  pr.BecomeProbe();
  EXPECT_EQ(pr.next, 21u);
  EXPECT_EQ(pr.state, Progress::State::kProbe);
  EXPECT_EQ(pr.pending_snapshot, 0u);
}

}  // namespace
}  // namespace shadekv::raft
