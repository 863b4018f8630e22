// Majority vote over hashkv answers: who is reported, who is skipped.
#include "agent/maintenance/hash_comparison.h"

#include <gtest/gtest.h>

namespace shadekv::maintenance {
namespace {

HashReport R(uint64_t id, uint32_t hash, int64_t revision = 10, int64_t compact = 0) {
  return HashReport{id, "m" + std::to_string(id), revision, compact, hash};
}

TEST(CompareHashes, EqualHashesAreConsistent) {
  HashVerdict v = CompareHashes({R(1, 7), R(2, 7), R(3, 7)}, 1, true);
  EXPECT_TRUE(v.consistent);
  EXPECT_TRUE(v.suspects.empty());
  EXPECT_TRUE(v.skipped.empty());
  EXPECT_TRUE(v.detail.empty());
}

TEST(CompareHashes, MinorityFollowerIsTheSuspect) {
  HashVerdict v = CompareHashes({R(1, 7), R(2, 9), R(3, 7)}, 1, true);
  EXPECT_FALSE(v.consistent);
  EXPECT_EQ(v.suspects, std::vector<uint64_t>{2});
  EXPECT_EQ(v.detail,
            "hash mismatch at revision 10: m2 (id 2) hash 9 differs from m1 (id 1) hash 7, "
            "m3 (id 3) hash 7");
}

TEST(CompareHashes, TheReferenceItselfCanBeTheMinority) {
  HashVerdict v = CompareHashes({R(1, 5), R(2, 7), R(3, 7)}, 1, true);
  EXPECT_FALSE(v.consistent);
  EXPECT_EQ(v.suspects, std::vector<uint64_t>{1});
}

TEST(CompareHashes, OnATieTheReferenceWinsAsEtcdsLeaderDoes) {
  HashVerdict v = CompareHashes({R(1, 5), R(2, 7)}, 1, true);
  EXPECT_FALSE(v.consistent);
  EXPECT_EQ(v.suspects, std::vector<uint64_t>{2});
  HashVerdict w = CompareHashes({R(1, 5), R(2, 7)}, 2, true);
  EXPECT_EQ(w.suspects, std::vector<uint64_t>{1});
}

TEST(CompareHashes, ThreeWaySplitBlamesEveryoneButTheReference) {
  HashVerdict v = CompareHashes({R(1, 5), R(2, 6), R(3, 7)}, 1, true);
  EXPECT_FALSE(v.consistent);
  EXPECT_EQ(v.suspects, (std::vector<uint64_t>{2, 3}));
  EXPECT_NE(v.detail.find(" differ from "), std::string::npos);
}

TEST(CompareHashes, OtherCompactRevisionIsSkippedWhenRequired) {
  HashVerdict v = CompareHashes({R(1, 5, 10, 3), R(2, 6, 10, 4), R(3, 5, 10, 3)}, 1, true);
  EXPECT_TRUE(v.consistent);
  EXPECT_EQ(v.skipped, std::vector<uint64_t>{2});
}

TEST(CompareHashes, OtherCompactRevisionIsComparedWhenNotRequired) {
  // A shadow keeps more history: the live-keyspace hash still compares.
  HashVerdict v = CompareHashes({R(1, 5, 10, 3), R(2, 6, 10, 0)}, 1, false);
  EXPECT_FALSE(v.consistent);
  EXPECT_EQ(v.suspects, std::vector<uint64_t>{2});
}

TEST(CompareHashes, OtherRevisionIsNeverCompared) {
  HashVerdict v = CompareHashes({R(1, 5, 10), R(2, 6, 11)}, 1, false);
  EXPECT_TRUE(v.consistent);
  EXPECT_EQ(v.skipped, std::vector<uint64_t>{2});
}

TEST(CompareHashes, MissingReferenceSkipsEverything) {
  HashVerdict v = CompareHashes({R(1, 5), R(2, 6)}, 9, true);
  EXPECT_TRUE(v.consistent);
  EXPECT_EQ(v.skipped, (std::vector<uint64_t>{1, 2}));
}

TEST(CompareHashes, SingleReportIsConsistent) {
  EXPECT_TRUE(CompareHashes({R(1, 5)}, 1, true).consistent);
  EXPECT_TRUE(CompareHashes({}, 1, true).consistent);
}

TEST(MemberIdHex, LowercaseHexWithoutPadding) {
  EXPECT_EQ(MemberIdHex(0), "0");
  EXPECT_EQ(MemberIdHex(0xfa5d3c1b2e4f6071ULL), "fa5d3c1b2e4f6071");
}

}  // namespace
}  // namespace shadekv::maintenance
