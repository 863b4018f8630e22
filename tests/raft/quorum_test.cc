// Majority arithmetic (§5.2 elections, §5.3/§5.4.2 commitment).
#include "agent/raft/quorum.h"

#include <gtest/gtest.h>

namespace shadekv::raft {
namespace {

TEST(QuorumTest, QuorumSizeIsAStrictMajority) {
  EXPECT_EQ(QuorumSize(1), 1u);
  EXPECT_EQ(QuorumSize(2), 2u);
  EXPECT_EQ(QuorumSize(3), 2u);
  EXPECT_EQ(QuorumSize(4), 3u);
  EXPECT_EQ(QuorumSize(5), 3u);
}

// §5.3: an entry is committed once it is stored on a majority.
TEST(QuorumTest, CommittedIndexIsTheMajorityReplicatedIndex) {
  EXPECT_EQ(CommittedIndex({1, 2, 3}, {{1, 5}, {2, 3}, {3, 1}}), 3u);
  EXPECT_EQ(CommittedIndex({1, 2, 3, 4}, {{1, 5}, {2, 3}, {3, 1}, {4, 4}}), 3u);
  EXPECT_EQ(CommittedIndex({1}, {{1, 7}}), 7u);
  // A voter with no known match counts as 0.
  EXPECT_EQ(CommittedIndex({1, 2, 3}, {{1, 5}}), 0u);
  // Non-voters in the match map are ignored.
  EXPECT_EQ(CommittedIndex({1, 2, 3}, {{1, 5}, {2, 1}, {3, 1}, {9, 5}}), 1u);
}

// §5.2: a candidate wins with votes from a majority; it has lost once a
// majority can no longer be reached.
TEST(QuorumTest, TallyVotesReportsWonLostOrPending) {
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}, {2, true}}), VoteResult::kWon);
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}, {2, false}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}, {2, false}, {3, false}}), VoteResult::kLost);
  // Votes from non-voters (learners) never count.
  EXPECT_EQ(TallyVotes({1, 2, 3}, {{1, true}, {4, true}, {5, true}}), VoteResult::kPending);
  EXPECT_EQ(TallyVotes({1}, {{1, true}}), VoteResult::kWon);
}

TEST(QuorumTest, QuorumActiveNeedsAMajorityOfVoters) {
  EXPECT_TRUE(QuorumActive({1, 2, 3}, {1, 3}));
  EXPECT_FALSE(QuorumActive({1, 2, 3}, {1, 4, 5}));
  EXPECT_FALSE(QuorumActive({}, {1}));
}

}  // namespace
}  // namespace shadekv::raft
