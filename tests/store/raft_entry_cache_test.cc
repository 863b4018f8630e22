// RaftEntryCache: the bounded run of newest entries behind RaftLogStore::Entries.
#include "store/raft_entry_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shadekv::store {
namespace {

using raft::Entry;

std::vector<Entry> Span(uint64_t lo, uint64_t hi, uint64_t term, size_t bytes = 10) {
  std::vector<Entry> out;
  for (uint64_t i = lo; i <= hi; ++i) {
    out.push_back(Entry{term, i, raft::EntryType::kNormal, std::string(bytes, 'x')});
  }
  return out;
}

std::vector<Entry> Get(const RaftEntryCache& cache, uint64_t lo, uint64_t hi,
                       uint64_t max_bytes = UINT64_MAX) {
  std::vector<Entry> out;
  cache.Get(lo, hi, max_bytes, &out);
  return out;
}

TEST(RaftEntryCacheTest, AppendsContiguousRuns) {
  RaftEntryCache cache(100, 1 << 20);
  cache.Append(Span(1, 3, 1));
  cache.Append(Span(4, 5, 1));
  EXPECT_EQ(cache.first(), 1u);
  EXPECT_EQ(cache.size(), 5u);
  EXPECT_TRUE(cache.Covers(1, 6));
  EXPECT_FALSE(cache.Covers(1, 7));
  EXPECT_FALSE(cache.Covers(3, 3));
  EXPECT_EQ(Get(cache, 2, 4), (std::vector<Entry>{Span(2, 3, 1)}));
}

TEST(RaftEntryCacheTest, AppendReplacesTheSuffixItOverlaps) {
  RaftEntryCache cache(100, 1 << 20);
  cache.Append(Span(1, 5, 1));
  cache.Append(Span(3, 3, 2));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.Covers(4, 5));
  EXPECT_EQ(Get(cache, 3, 4)[0].term, 2u);
  EXPECT_EQ(cache.bytes(), 30u);
}

TEST(RaftEntryCacheTest, RestartsWhenTheNewRunDoesNotContinueTheOldOne) {
  RaftEntryCache cache(100, 1 << 20);
  cache.Append(Span(5, 6, 1));
  cache.Append(Span(9, 10, 2));  // a gap: after a snapshot install, say
  EXPECT_EQ(cache.first(), 9u);
  EXPECT_EQ(cache.size(), 2u);
  cache.Append(Span(2, 3, 3));  // before the cached run
  EXPECT_EQ(cache.first(), 2u);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(RaftEntryCacheTest, EvictsOldestBeyondCountAndBytes) {
  RaftEntryCache by_count(3, 1 << 20);
  by_count.Append(Span(1, 10, 1));
  EXPECT_EQ(by_count.first(), 8u);
  EXPECT_EQ(by_count.size(), 3u);

  RaftEntryCache by_bytes(100, 25);
  by_bytes.Append(Span(1, 4, 1));  // 10 bytes each: keeps 2
  EXPECT_EQ(by_bytes.first(), 3u);
  EXPECT_EQ(by_bytes.bytes(), 20u);

  RaftEntryCache huge(100, 25);
  huge.Append(Span(1, 1, 1, 1000));  // one entry over budget is still kept
  EXPECT_EQ(huge.size(), 1u);
}

TEST(RaftEntryCacheTest, DropThroughAndClear) {
  RaftEntryCache cache(100, 1 << 20);
  cache.Append(Span(1, 5, 1));
  cache.DropThrough(3);
  EXPECT_EQ(cache.first(), 4u);
  EXPECT_EQ(cache.bytes(), 20u);
  cache.DropThrough(9);
  EXPECT_TRUE(cache.empty());
  cache.Append(Span(10, 11, 1));
  cache.Clear();
  EXPECT_TRUE(cache.empty());
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(RaftEntryCacheTest, GetFollowsTheStorageByteRule) {
  RaftEntryCache cache(100, 1 << 20);
  cache.Append(Span(1, 5, 1));
  EXPECT_EQ(Get(cache, 1, 6, 0).size(), 1u);
  EXPECT_EQ(Get(cache, 1, 6, 29).size(), 2u);
  EXPECT_EQ(Get(cache, 1, 6, 30).size(), 3u);
  std::vector<Entry> out = Span(7, 7, 1, 15);  // bytes already gathered count too
  cache.Get(1, 6, 30, &out);
  EXPECT_EQ(out.size(), 2u);
}

TEST(RaftEntryCacheTest, DisabledCacheHoldsNothing) {
  RaftEntryCache cache(0, 1 << 20);
  cache.Append(Span(1, 5, 1));
  EXPECT_TRUE(cache.empty());
  EXPECT_FALSE(cache.Covers(1, 2));
}

}  // namespace
}  // namespace shadekv::store
