// RaftLogStore on real LevelDB: the writer rules of Persist/Compact, the exact
// raft::Storage contract (boundaries and named errors), and that a reopen
// restores everything.
#include "shadekv/store/raft_log_store.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/store/temp_dir.h"

namespace shadekv::store {
namespace {

using raft::ConfState;
using raft::Entry;
using raft::EntryType;
using raft::HardState;
using raft::SnapshotMeta;

Entry E(uint64_t index, uint64_t term, std::string data = "") {
  if (data.empty()) data = "d" + std::to_string(index) + "t" + std::to_string(term);
  return Entry{term, index, EntryType::kNormal, std::move(data)};
}

// Entries [lo, hi] all with `term`.
std::vector<Entry> Span(uint64_t lo, uint64_t hi, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = lo; i <= hi; ++i) out.push_back(E(i, term));
  return out;
}

class RaftLogStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open(RaftLogStoreOptions options = {}) {
    store_.reset();
    options_ = options;
    Result<std::unique_ptr<RaftLogStore>> opened = RaftLogStore::Open(dir_.Sub("raft"), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  void Reopen() { Open(options_); }

  void Append(std::vector<Entry> entries) {
    PersistBatch batch;
    batch.entries = std::move(entries);
    Status s = store_->Persist(batch);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  Status PersistEntries(std::vector<Entry> entries) {
    PersistBatch batch;
    batch.entries = std::move(entries);
    return store_->Persist(batch);
  }

  std::vector<Entry> All() {
    Result<std::vector<Entry>> got =
        store_->Entries(store_->FirstIndex(), store_->LastIndex() + 1, UINT64_MAX);
    EXPECT_TRUE(got.ok()) << got.status().ToString();
    return got.ok() ? *got : std::vector<Entry>{};
  }

  // Term of every live entry, FirstIndex()-1 included.
  std::vector<uint64_t> Terms() {
    std::vector<uint64_t> out;
    for (uint64_t i = store_->FirstIndex() - 1; i <= store_->LastIndex(); ++i) {
      Result<uint64_t> t = store_->Term(i);
      EXPECT_TRUE(t.ok()) << t.status().ToString();
      out.push_back(t.ok() ? *t : 0);
    }
    return out;
  }

  testing::TempDir dir_;
  RaftLogStoreOptions options_;
  std::unique_ptr<RaftLogStore> store_;
};

TEST_F(RaftLogStoreTest, NewStoreIsEmpty) {
  EXPECT_EQ(store_->FirstIndex(), 1u);
  EXPECT_EQ(store_->LastIndex(), 0u);
  EXPECT_EQ(*store_->Term(0), 0u);
  Result<raft::InitialState> init = store_->LoadInitialState();
  ASSERT_TRUE(init.ok());
  EXPECT_TRUE(init->hard_state.empty());
  EXPECT_EQ(init->conf_state, ConfState{});
  Result<raft::Snapshot> snap = store_->GetSnapshot();
  ASSERT_TRUE(snap.ok());
  EXPECT_TRUE(snap->empty());
  EXPECT_TRUE(store_->Entries(1, 1, 0)->empty());
}

TEST_F(RaftLogStoreTest, AppendsAndReadsBack) {
  Append(Span(1, 3, 1));
  Append({E(4, 2), E(5, 2)});
  EXPECT_EQ(store_->FirstIndex(), 1u);
  EXPECT_EQ(store_->LastIndex(), 5u);
  std::vector<Entry> want = Span(1, 3, 1);
  want.push_back(E(4, 2));
  want.push_back(E(5, 2));
  EXPECT_EQ(All(), want);
  EXPECT_EQ(Terms(), (std::vector<uint64_t>{0, 1, 1, 1, 2, 2}));
  EXPECT_EQ(*store_->Entries(2, 4, UINT64_MAX), (std::vector<Entry>{E(2, 1), E(3, 1)}));
}

TEST_F(RaftLogStoreTest, KeepsEntryTypeAndBinaryData) {
  Entry conf{1, 1, EntryType::kConfChange, std::string("\x00\xff\x01", 3)};
  Append({conf});
  Reopen();
  EXPECT_EQ(All(), std::vector<Entry>{conf});
}

TEST_F(RaftLogStoreTest, AppendOverwritesConflictingSuffix) {
  Append(Span(1, 5, 1));
  Append({E(3, 2), E(4, 2)});  // replaces 3..5; 5 must be gone
  EXPECT_EQ(store_->LastIndex(), 4u);
  EXPECT_EQ(All(), (std::vector<Entry>{E(1, 1), E(2, 1), E(3, 2), E(4, 2)}));
  EXPECT_TRUE(raft::IsUnavailable(store_->Term(5).status()));
  Reopen();
  EXPECT_EQ(store_->LastIndex(), 4u);
  EXPECT_EQ(All(), (std::vector<Entry>{E(1, 1), E(2, 1), E(3, 2), E(4, 2)}));
}

TEST_F(RaftLogStoreTest, AppendAtLastPlusOneAndReplacingEverything) {
  Append(Span(1, 3, 1));
  Append(Span(1, 2, 2));  // replaces the whole log
  EXPECT_EQ(All(), Span(1, 2, 2));
  Reopen();
  EXPECT_EQ(All(), Span(1, 2, 2));
}

TEST_F(RaftLogStoreTest, TermBoundariesAndNamedErrors) {
  Append(Span(1, 10, 3));
  ASSERT_TRUE(store_->Compact(4, SnapshotMeta{4, 3, {}}).ok());
  EXPECT_EQ(store_->FirstIndex(), 5u);
  EXPECT_EQ(*store_->Term(4), 3u);  // FirstIndex()-1 answers
  EXPECT_EQ(*store_->Term(10), 3u);
  EXPECT_EQ(store_->Term(3).status(), raft::ErrCompacted(3));
  EXPECT_EQ(store_->Term(11).status(), raft::ErrUnavailable(11));
}

TEST_F(RaftLogStoreTest, EntriesBoundariesAndNamedErrors) {
  Append(Span(1, 10, 3));
  ASSERT_TRUE(store_->Compact(4, SnapshotMeta{4, 3, {}}).ok());
  EXPECT_EQ(store_->Entries(4, 6, UINT64_MAX).status(), raft::ErrCompacted(4));
  EXPECT_EQ(store_->Entries(5, 12, UINT64_MAX).status(), raft::ErrUnavailable(11));
  EXPECT_EQ(*store_->Entries(5, 11, UINT64_MAX), Span(5, 10, 3));
  EXPECT_TRUE(store_->Entries(7, 7, UINT64_MAX)->empty());
  EXPECT_EQ(store_->Entries(8, 7, UINT64_MAX).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(RaftLogStoreTest, EntriesStopsAtMaxBytesButReturnsAtLeastOne) {
  std::vector<Entry> entries;
  for (uint64_t i = 1; i <= 6; ++i) entries.push_back(E(i, 1, std::string(10, 'a')));
  Append(entries);
  auto sizes = [&](uint64_t max_bytes) { return store_->Entries(1, 7, max_bytes)->size(); };
  EXPECT_EQ(sizes(0), 1u);
  EXPECT_EQ(sizes(9), 1u);
  EXPECT_EQ(sizes(10), 1u);
  EXPECT_EQ(sizes(19), 1u);
  EXPECT_EQ(sizes(20), 2u);
  EXPECT_EQ(sizes(25), 2u);
  EXPECT_EQ(sizes(60), 6u);
  Reopen();  // the same from LevelDB, with an empty cache
  EXPECT_EQ(sizes(0), 1u);
  EXPECT_EQ(sizes(25), 2u);
  EXPECT_EQ(sizes(60), 6u);
}

TEST_F(RaftLogStoreTest, EntriesSpanningDiskAndCacheKeepTheByteRule) {
  RaftLogStoreOptions small_cache;
  small_cache.cache_max_entries = 3;
  Open(small_cache);
  std::vector<Entry> entries;
  for (uint64_t i = 1; i <= 8; ++i) entries.push_back(E(i, 1, std::string(10, 'b')));
  Append(entries);  // 1..5 only on disk, 6..8 also cached
  EXPECT_EQ(*store_->Entries(1, 9, UINT64_MAX), entries);
  EXPECT_EQ(store_->Entries(4, 9, 35)->size(), 3u);  // 4, 5 from disk, 6 from the cache
  EXPECT_EQ(store_->Entries(4, 9, 20)->size(), 2u);
  EXPECT_EQ(store_->Entries(6, 9, 0)->size(), 1u);
  EXPECT_EQ(*store_->Entries(7, 9, UINT64_MAX),
            (std::vector<Entry>(entries.begin() + 6, entries.end())));
}

TEST_F(RaftLogStoreTest, CacheDisabledReadsEverythingFromDisk) {
  RaftLogStoreOptions no_cache;
  no_cache.cache_max_entries = 0;
  Open(no_cache);
  Append(Span(1, 4, 1));
  Append({E(3, 2)});
  EXPECT_EQ(All(), (std::vector<Entry>{E(1, 1), E(2, 1), E(3, 2)}));
}

TEST_F(RaftLogStoreTest, CompactDiscardsPrefixAndRecordsSnapshot) {
  Append(Span(1, 5, 1));
  Append(Span(6, 8, 2));
  SnapshotMeta meta{6, 2, ConfState{{1, 2, 3}, {}}};
  ASSERT_TRUE(store_->Compact(6, meta).ok());
  EXPECT_EQ(store_->FirstIndex(), 7u);
  EXPECT_EQ(store_->LastIndex(), 8u);
  EXPECT_EQ(All(), Span(7, 8, 2));
  EXPECT_EQ(store_->snapshot_meta(), meta);

  EXPECT_EQ(store_->GetSnapshot().status().code(), StatusCode::kUnavailable);  // no provider yet
  store_->SetSnapshotDataProvider([] { return Result<std::string>(std::string("image")); });
  Result<raft::Snapshot> snap = store_->GetSnapshot();
  ASSERT_TRUE(snap.ok()) << snap.status().ToString();
  EXPECT_EQ(snap->meta, meta);
  EXPECT_EQ(snap->data, "image");

  Reopen();
  EXPECT_EQ(store_->FirstIndex(), 7u);
  EXPECT_EQ(*store_->Term(6), 2u);
  EXPECT_EQ(All(), Span(7, 8, 2));
  EXPECT_EQ(store_->snapshot_meta(), meta);
}

TEST_F(RaftLogStoreTest, SnapshotProviderErrorsPassThrough) {
  Append(Span(1, 3, 1));
  ASSERT_TRUE(store_->Compact(2, SnapshotMeta{2, 1, {}}).ok());
  store_->SetSnapshotDataProvider(
      [] { return Result<std::string>(Status::Unavailable("still writing")); });
  EXPECT_EQ(store_->GetSnapshot().status(), Status::Unavailable("still writing"));
}

TEST_F(RaftLogStoreTest, CompactCanKeepATailTheSnapshotCovers) {
  Append(Span(1, 10, 1));
  SnapshotMeta meta{8, 1, {}};
  ASSERT_TRUE(store_->Compact(5, meta).ok());  // keep 6..10 for slow followers
  EXPECT_EQ(store_->FirstIndex(), 6u);
  EXPECT_EQ(store_->snapshot_meta(), meta);
  EXPECT_EQ(All(), Span(6, 10, 1));
  Reopen();
  EXPECT_EQ(store_->FirstIndex(), 6u);
  EXPECT_EQ(*store_->Term(5), 1u);
  EXPECT_EQ(store_->snapshot_meta(), meta);
}

TEST_F(RaftLogStoreTest, CompactWholeLogLeavesItEmptyButAnswersTerm) {
  Append(Span(1, 4, 2));
  ASSERT_TRUE(store_->Compact(4, SnapshotMeta{4, 2, {}}).ok());
  EXPECT_EQ(store_->FirstIndex(), 5u);
  EXPECT_EQ(store_->LastIndex(), 4u);
  EXPECT_EQ(*store_->Term(4), 2u);
  Append({E(5, 3)});
  Reopen();
  EXPECT_EQ(All(), std::vector<Entry>{E(5, 3)});
  EXPECT_EQ(*store_->Term(4), 2u);
}

TEST_F(RaftLogStoreTest, CompactRejectsBadRequestsAndChangesNothing) {
  Append(Span(1, 6, 1));
  ASSERT_TRUE(store_->Compact(2, SnapshotMeta{3, 1, {}}).ok());
  const std::vector<Entry> before = All();
  EXPECT_EQ(store_->Compact(2, SnapshotMeta{3, 1, {}}), raft::ErrCompacted(2));
  EXPECT_EQ(store_->Compact(1, SnapshotMeta{3, 1, {}}), raft::ErrCompacted(1));
  EXPECT_EQ(store_->Compact(7, SnapshotMeta{7, 1, {}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Compact(4, SnapshotMeta{3, 1, {}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Compact(4, SnapshotMeta{7, 1, {}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Compact(4, SnapshotMeta{5, 9, {}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->FirstIndex(), 3u);
  EXPECT_EQ(store_->snapshot_meta(), (SnapshotMeta{3, 1, {}}));
  EXPECT_EQ(All(), before);
  Reopen();
  EXPECT_EQ(store_->FirstIndex(), 3u);
  EXPECT_EQ(All(), before);
}

TEST_F(RaftLogStoreTest, SnapshotInstallDiscardsWholeLogWhenItDoesNotMatch) {
  Append(Span(1, 5, 1));
  PersistBatch batch;
  batch.snapshot = SnapshotMeta{4, 2, ConfState{{1, 2}, {3}}};  // term 2 != our term 1 at 4
  ASSERT_TRUE(store_->Persist(batch).ok());
  EXPECT_EQ(store_->FirstIndex(), 5u);
  EXPECT_EQ(store_->LastIndex(), 4u);
  EXPECT_EQ(*store_->Term(4), 2u);
  EXPECT_TRUE(All().empty());
  EXPECT_EQ(store_->LoadInitialState()->conf_state, (ConfState{{1, 2}, {3}}));
  Reopen();
  EXPECT_EQ(store_->LastIndex(), 4u);
  EXPECT_EQ(*store_->Term(4), 2u);
  EXPECT_EQ(store_->LoadInitialState()->conf_state, (ConfState{{1, 2}, {3}}));
  EXPECT_EQ(store_->snapshot_meta(), *batch.snapshot);
}

TEST_F(RaftLogStoreTest, SnapshotInstallKeepsTheMatchingSuffix) {
  Append(Span(1, 5, 1));
  PersistBatch batch;
  batch.snapshot = SnapshotMeta{3, 1, {}};
  ASSERT_TRUE(store_->Persist(batch).ok());
  EXPECT_EQ(store_->FirstIndex(), 4u);
  EXPECT_EQ(All(), Span(4, 5, 1));
  Reopen();
  EXPECT_EQ(All(), Span(4, 5, 1));
}

TEST_F(RaftLogStoreTest, SnapshotBeyondTheLogThenEntriesInOneBatch) {
  Append(Span(1, 2, 1));
  PersistBatch batch;
  batch.snapshot = SnapshotMeta{10, 3, ConfState{{1}, {}}};
  batch.entries = {E(11, 3), E(12, 4)};
  batch.hard_state = HardState{4, 1, 10};
  ASSERT_TRUE(store_->Persist(batch).ok());
  Reopen();
  EXPECT_EQ(store_->FirstIndex(), 11u);
  EXPECT_EQ(store_->LastIndex(), 12u);
  EXPECT_EQ(*store_->Term(10), 3u);
  EXPECT_EQ(All(), (std::vector<Entry>{E(11, 3), E(12, 4)}));
  EXPECT_EQ(store_->hard_state(), (HardState{4, 1, 10}));
}

TEST_F(RaftLogStoreTest, RejectsStaleSnapshot) {
  Append(Span(1, 5, 1));
  ASSERT_TRUE(store_->Compact(3, SnapshotMeta{3, 1, {}}).ok());
  PersistBatch batch;
  batch.snapshot = SnapshotMeta{3, 1, {}};
  EXPECT_EQ(store_->Persist(batch).code(), StatusCode::kFailedPrecondition);
  batch.snapshot = SnapshotMeta{2, 1, {}};
  EXPECT_EQ(store_->Persist(batch).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->FirstIndex(), 4u);
  EXPECT_EQ(All(), Span(4, 5, 1));
}

TEST_F(RaftLogStoreTest, ReopenRestoresEverything) {
  PersistBatch batch;
  batch.entries = Span(1, 20, 2);
  batch.hard_state = HardState{3, 2, 15};
  batch.conf_state = ConfState{{1, 2, 3}, {4}};
  ASSERT_TRUE(store_->Persist(batch).ok());
  ASSERT_TRUE(store_->Compact(10, SnapshotMeta{12, 2, ConfState{{1, 2, 3}, {}}}).ok());
  Reopen();
  EXPECT_EQ(store_->FirstIndex(), 11u);
  EXPECT_EQ(store_->LastIndex(), 20u);
  EXPECT_EQ(All(), Span(11, 20, 2));
  Result<raft::InitialState> init = store_->LoadInitialState();
  ASSERT_TRUE(init.ok());
  EXPECT_EQ(init->hard_state, (HardState{3, 2, 15}));
  EXPECT_EQ(init->conf_state, (ConfState{{1, 2, 3}, {4}}));
  EXPECT_EQ(store_->snapshot_meta(), (SnapshotMeta{12, 2, ConfState{{1, 2, 3}, {}}}));
}

TEST_F(RaftLogStoreTest, UnsyncedBatchIsVisibleAndSurvivesReopen) {
  PersistBatch batch;
  batch.entries = Span(1, 3, 1);
  batch.hard_state = HardState{1, 0, 2};
  batch.sync = false;
  ASSERT_TRUE(store_->Persist(batch).ok());
  EXPECT_EQ(All(), Span(1, 3, 1));
  Reopen();  // a clean close, not a machine crash: LevelDB has it
  EXPECT_EQ(All(), Span(1, 3, 1));
  EXPECT_EQ(store_->hard_state(), (HardState{1, 0, 2}));
}

TEST_F(RaftLogStoreTest, EmptyBatchesSucceedAndChangeNothing) {
  Append(Span(1, 2, 1));
  PersistBatch sync_only;  // a pure sync barrier
  EXPECT_TRUE(store_->Persist(sync_only).ok());
  sync_only.sync = false;
  EXPECT_TRUE(store_->Persist(sync_only).ok());
  EXPECT_EQ(All(), Span(1, 2, 1));
}

class RaftLogStoreRejectTest : public RaftLogStoreTest {
 protected:
  void SetUp() override {
    RaftLogStoreTest::SetUp();
    PersistBatch batch;
    batch.entries = Span(1, 6, 2);
    batch.hard_state = HardState{3, 1, 4};
    ASSERT_TRUE(store_->Persist(batch).ok());
    ASSERT_TRUE(store_->Compact(2, SnapshotMeta{2, 2, {}}).ok());
  }

  // The state SetUp made, in memory and after a reopen.
  void ExpectUnchanged() {
    for (int pass = 0; pass < 2; ++pass) {
      EXPECT_EQ(store_->FirstIndex(), 3u);
      EXPECT_EQ(store_->LastIndex(), 6u);
      EXPECT_EQ(All(), Span(3, 6, 2));
      EXPECT_EQ(store_->hard_state(), (HardState{3, 1, 4}));
      Reopen();
    }
  }
};

TEST_F(RaftLogStoreRejectTest, RejectsNonContiguousEntries) {
  EXPECT_EQ(PersistEntries({E(7, 2), E(9, 2)}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PersistEntries({E(7, 2), E(7, 2)}).code(), StatusCode::kInvalidArgument);
  ExpectUnchanged();
}

TEST_F(RaftLogStoreRejectTest, RejectsEntriesLeavingAGap) {
  Status s = PersistEntries({E(8, 2)});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("gap"), std::string::npos) << s.ToString();
  ExpectUnchanged();
}

TEST_F(RaftLogStoreRejectTest, RejectsEntriesAtOrBelowTheSnapshot) {
  EXPECT_EQ(PersistEntries({E(2, 2), E(3, 2)}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PersistEntries({E(1, 2)}).code(), StatusCode::kInvalidArgument);
  ExpectUnchanged();
}

TEST_F(RaftLogStoreRejectTest, RejectsTermsGoingBackwards) {
  EXPECT_EQ(PersistEntries({E(7, 1)}).code(), StatusCode::kInvalidArgument);  // after term 2
  EXPECT_EQ(PersistEntries({E(7, 3), E(8, 2)}).code(), StatusCode::kInvalidArgument);
  ExpectUnchanged();
}

TEST_F(RaftLogStoreRejectTest, RejectsHardStateTermGoingBackwards) {
  PersistBatch batch;
  batch.hard_state = HardState{2, 1, 5};
  EXPECT_EQ(store_->Persist(batch).code(), StatusCode::kFailedPrecondition);
  ExpectUnchanged();
}

TEST_F(RaftLogStoreRejectTest, BadHardStateRejectsTheWholeBatch) {
  PersistBatch batch;
  batch.entries = {E(7, 3)};  // valid on its own
  batch.hard_state = HardState{1, 0, 0};
  EXPECT_EQ(store_->Persist(batch).code(), StatusCode::kFailedPrecondition);
  ExpectUnchanged();
}

TEST_F(RaftLogStoreRejectTest, BadEntriesRejectTheSnapshotInTheSameBatch) {
  PersistBatch batch;
  batch.snapshot = SnapshotMeta{5, 2, {}};
  batch.entries = {E(5, 2)};  // at the new snapshot index
  EXPECT_EQ(store_->Persist(batch).code(), StatusCode::kInvalidArgument);
  ExpectUnchanged();
}

TEST_F(RaftLogStoreTest, WorksAsTheRaftCoresStorage) {
  // The interface the core sees, through a base-class pointer.
  Append(Span(1, 3, 1));
  const raft::Storage& storage = *store_;
  EXPECT_EQ(storage.FirstIndex(), 1u);
  EXPECT_EQ(storage.LastIndex(), 3u);
  EXPECT_EQ(*storage.Term(3), 1u);
  EXPECT_EQ(storage.Entries(1, 4, UINT64_MAX)->size(), 3u);
}

}  // namespace
}  // namespace shadekv::store
