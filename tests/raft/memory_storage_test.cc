#include "shadekv/raft/memory_storage.h"

#include <gtest/gtest.h>

namespace shadekv::raft {
namespace {

Entry E(uint64_t index, uint64_t term, std::string data = "") {
  return Entry{term, index, EntryType::kNormal, std::move(data)};
}

class MemoryStorageTest : public ::testing::Test {
 protected:
  // Log 1..5 with terms 1,1,2,2,3.
  void SetUp() override {
    ASSERT_TRUE(storage_.Append({E(1, 1), E(2, 1), E(3, 2), E(4, 2), E(5, 3)}).ok());
  }
  MemoryStorage storage_;
};

TEST(MemoryStorageEmptyTest, FreshStorageHasNoEntriesAndAnswersTermZeroAtIndexZero) {
  MemoryStorage storage;
  EXPECT_EQ(storage.FirstIndex(), 1u);
  EXPECT_EQ(storage.LastIndex(), 0u);
  EXPECT_EQ(*storage.Term(0), 0u);
  EXPECT_TRUE(IsUnavailable(storage.Term(1).status()));
  EXPECT_TRUE(storage.GetSnapshot()->empty());
  EXPECT_TRUE(storage.LoadInitialState()->hard_state.empty());
}

TEST_F(MemoryStorageTest, EntriesReturnsRangeAndNamedErrors) {
  auto got = storage_.Entries(2, 5, UINT64_MAX);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, (std::vector<Entry>{E(2, 1), E(3, 2), E(4, 2)}));
  EXPECT_TRUE(IsUnavailable(storage_.Entries(2, 7, UINT64_MAX).status()));
  EXPECT_TRUE(IsCompacted(storage_.Entries(0, 2, UINT64_MAX).status()));
}

TEST_F(MemoryStorageTest, EntriesCutsAtMaxBytesButReturnsAtLeastOne) {
  MemoryStorage storage;
  ASSERT_TRUE(storage.Append({E(1, 1, "aaaa"), E(2, 1, "bbbb"), E(3, 1, "cccc")}).ok());
  EXPECT_EQ(storage.Entries(1, 4, 0)->size(), 1u);
  EXPECT_EQ(storage.Entries(1, 4, 8)->size(), 2u);
  EXPECT_EQ(storage.Entries(1, 4, 11)->size(), 2u);
  EXPECT_EQ(storage.Entries(1, 4, 12)->size(), 3u);
}

TEST_F(MemoryStorageTest, AppendReplacesConflictingSuffix) {
  ASSERT_TRUE(storage_.Append({E(4, 5), E(5, 5), E(6, 5)}).ok());
  EXPECT_EQ(storage_.LastIndex(), 6u);
  EXPECT_EQ(*storage_.Term(3), 2u);
  EXPECT_EQ(*storage_.Term(4), 5u);
  ASSERT_TRUE(storage_.Append({E(2, 6)}).ok());
  EXPECT_EQ(storage_.LastIndex(), 2u);
}

TEST_F(MemoryStorageTest, AppendRejectsGapAndNonContiguousEntries) {
  EXPECT_EQ(storage_.Append({E(7, 3)}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(storage_.Append({E(6, 3), E(8, 3)}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(storage_.LastIndex(), 5u);
}

TEST_F(MemoryStorageTest, CompactKeepsTermOfCompactedIndexAndRejectsOldIndex) {
  ASSERT_TRUE(storage_.Compact(3).ok());
  EXPECT_EQ(storage_.FirstIndex(), 4u);
  EXPECT_EQ(storage_.LastIndex(), 5u);
  EXPECT_EQ(*storage_.Term(3), 2u);
  EXPECT_TRUE(IsCompacted(storage_.Term(2).status()));
  EXPECT_TRUE(IsCompacted(storage_.Entries(3, 5, UINT64_MAX).status()));
  EXPECT_TRUE(IsCompacted(storage_.Compact(3)));
  EXPECT_EQ(storage_.Compact(9).code(), StatusCode::kInvalidArgument);
  // Appending over the compacted prefix only keeps the new part.
  ASSERT_TRUE(storage_.Append({E(3, 2), E(4, 2), E(5, 3), E(6, 3)}).ok());
  EXPECT_EQ(storage_.FirstIndex(), 4u);
  EXPECT_EQ(storage_.LastIndex(), 6u);
}

TEST_F(MemoryStorageTest, CreateSnapshotRecordsMetaAndRejectsStaleOrFutureIndex) {
  ConfState cs{{1, 2, 3}, {}};
  auto snap = storage_.CreateSnapshot(4, cs, "image");
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->meta, (SnapshotMeta{4, 2, cs}));
  EXPECT_EQ(*storage_.GetSnapshot(), *snap);
  EXPECT_EQ(storage_.CreateSnapshot(3, cs, "").status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(storage_.CreateSnapshot(6, cs, "").status().code(), StatusCode::kOutOfRange);
}

TEST_F(MemoryStorageTest, ApplySnapshotReplacesLogAndRejectsOlderSnapshot) {
  Snapshot snap{SnapshotMeta{10, 4, ConfState{{1, 2}, {3}}}, "img"};
  ASSERT_TRUE(storage_.ApplySnapshot(snap).ok());
  EXPECT_EQ(storage_.FirstIndex(), 11u);
  EXPECT_EQ(storage_.LastIndex(), 10u);
  EXPECT_EQ(*storage_.Term(10), 4u);
  EXPECT_EQ(storage_.LoadInitialState()->conf_state, snap.meta.conf_state);
  Snapshot older{SnapshotMeta{8, 4, {}}, ""};
  EXPECT_EQ(storage_.ApplySnapshot(older).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(storage_.ApplySnapshot(snap).code(), StatusCode::kFailedPrecondition);
}

TEST_F(MemoryStorageTest, SnapshotCanBeMadeTemporarilyUnavailable) {
  storage_.SetSnapshotTemporarilyUnavailable(true);
  EXPECT_TRUE(IsUnavailable(storage_.GetSnapshot().status()));
  storage_.SetSnapshotTemporarilyUnavailable(false);
  EXPECT_TRUE(storage_.GetSnapshot().ok());
}

TEST_F(MemoryStorageTest, HardStateAndConfStateRoundTripThroughInitialState) {
  storage_.SetHardState(HardState{3, 2, 5});
  storage_.SetConfState(ConfState{{1, 2, 3}, {4}});
  auto init = storage_.LoadInitialState();
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(init->hard_state, (HardState{3, 2, 5}));
  EXPECT_EQ(init->conf_state, (ConfState{{1, 2, 3}, {4}}));
}

}  // namespace
}  // namespace shadekv::raft
