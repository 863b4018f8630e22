// Compaction (logical boundary and physical CompactStep), history (Changes)
// and the keyspace hash.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <leveldb/db.h>

#include "shadekv/store/mvcc_store.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::DelReq;
using testing::kAll;
using testing::Keys;
using testing::Kv;
using testing::Op;
using testing::PutReq;
using testing::RangeReq;

const Status kCompacted = Status::OutOfRange("mvcc: required revision has been compacted");
const Status kFuture = Status::OutOfRange("mvcc: required revision is a future revision");

class MvccCompactorTest : public testing::MvccFixture {
 protected:
  // rev 2 a=1, 3 b=1, 4 a=2, 5 del b, 6 c=1, 7 a=3
  void WriteHistory() {
    Put("a", "1");
    Put("b", "1");
    Put("a", "2");
    Delete("b");
    Put("c", "1");
    Put("a", "3");
  }
  // Number of versions physically left, seen through Changes from the start.
  size_t RetainedVersions() {
    // Changes refuses compacted ranges; count via a fresh reopen of history at
    // the compaction boundary plus the kept versions below it.
    Result<std::vector<ChangeEvent>> events =
        store_->Changes(store_->CompactRevision() - 1, store_->CurrentRevision(), 1000);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    size_t n = 0;
    for (const ChangeEvent& e : *events) n += e.changes.size();
    return n;
  }
};

TEST_F(MvccCompactorTest, CompactionBoundaries) {
  WriteHistory();
  EXPECT_EQ(ApplyOp(CompactionRequest{8, false}).status(), kFuture);
  Compact(4);
  EXPECT_EQ(store_->CompactRevision(), 4);
  EXPECT_EQ(ApplyOp(CompactionRequest{4, false}).status(), kCompacted);
  EXPECT_EQ(ApplyOp(CompactionRequest{3, false}).status(), kCompacted);
  EXPECT_EQ(store_->CurrentRevision(), 7);  // compaction makes no revision
  RangeRequest r = RangeReq("a", kAll);
  r.revision = 3;
  EXPECT_EQ(store_->Range(r).status(), kCompacted);
  r.revision = 4;  // the compaction revision itself stays readable
  EXPECT_EQ(Get(r).kvs, (std::vector<KeyValue>{Kv("a", "2", 2, 4, 2), Kv("b", "1", 3, 3, 1)}));
  EXPECT_EQ(store_->HashKv(3).status(), kCompacted);
}

TEST_F(MvccCompactorTest, ReadsBelowCompactionFailBeforePhysicalDeletion) {
  WriteHistory();
  Compact(6);
  RangeRequest r = RangeReq("a");
  r.revision = 5;
  EXPECT_EQ(store_->Range(r).status(), kCompacted);
  CompactFully();
  EXPECT_EQ(store_->Range(r).status(), kCompacted);
}

TEST_F(MvccCompactorTest, PhysicalCompactionKeepsEveryReadableRevisionIntact) {
  WriteHistory();
  Put("b", "2");  // 8
  Delete("c");    // 9
  std::vector<std::vector<KeyValue>> before;
  for (int64_t rev = 1; rev <= 9; ++rev) before.push_back(Kvs("a", kAll, rev));
  for (int64_t compact : {3, 5, 9}) {
    Compact(compact);
    CompactFully();
    for (int64_t rev = compact; rev <= 9; ++rev) {
      EXPECT_EQ(Kvs("a", kAll, rev), before[rev - 1]) << "rev " << rev << " after " << compact;
    }
    Open();
  }
}

TEST_F(MvccCompactorTest, CompactStepDeletesSupersededVersionsAndTombstones) {
  for (int i = 0; i < 20; ++i) Put("k", std::to_string(i));  // revs 2..21
  Put("gone", "x");                                          // 22
  Delete("gone");                                            // 23
  Put("z", "x");                                             // 24
  Compact(24);
  size_t steps = 0;
  for (;;) {
    Result<bool> done = store_->CompactStep(4);
    ASSERT_TRUE(done.ok());
    ++steps;
    if (*done) break;
  }
  EXPECT_GE(steps, 5u);  // 21 deletions in steps of 4
  EXPECT_EQ(Kvs("k"), std::vector<KeyValue>{Kv("k", "19", 2, 21, 20)});
  // Only the live versions at or after 24 remain: k@21, z@24.
  EXPECT_EQ(RetainedVersions(), 1u);  // the event at 24 (z)
  Result<std::vector<ChangeEvent>> at_boundary = store_->Changes(23, 24, 10);
  ASSERT_TRUE(at_boundary.ok());
  ASSERT_EQ(at_boundary->size(), 1u);
  EXPECT_EQ((*at_boundary)[0].changes[0].kv, Kv("z", "x", 24, 24, 1));
  Result<bool> again = store_->CompactStep(4);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again);
}

TEST_F(MvccCompactorTest, PhysicalCompactionLeavesOnlyVisibleVersionsOnDisk) {
  for (int i = 0; i < 10; ++i) Put("k", std::to_string(i));  // revs 2..11
  Put("gone", "x");                                          // 12
  Delete("gone");                                            // 13
  Put("z", "1");                                             // 14
  Put("z", "2");                                             // 15
  Compact(14);
  CompactFully();
  store_.reset();
  leveldb::DB* raw = nullptr;
  ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), path(), &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  size_t versions = 0;
  size_t history = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key()[0] == 'k') ++versions;
    if (it->key()[0] == 'r') ++history;
  }
  // k@11, z@14 (newest at or below 14) and z@15 remain; the tombstone and
  // everything superseded are gone.
  EXPECT_EQ(versions, 3u);
  EXPECT_EQ(history, 3u);
}

TEST_F(MvccCompactorTest, CompactionResumesAfterReopen) {
  for (int i = 0; i < 30; ++i) Put("k" + std::to_string(i % 3), std::to_string(i));
  const std::vector<KeyValue> live = Kvs("k", kAll);
  Compact(store_->CurrentRevision());
  Result<bool> first = store_->CompactStep(5);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(*first);
  Open();
  CompactFully();
  EXPECT_EQ(Kvs("k", kAll), live);
  EXPECT_EQ(Kvs("k", kAll, store_->CompactRevision()), live);
}

TEST_F(MvccCompactorTest, TombstoneAtTheCompactionRevisionIsRemovedByTheNextCompaction) {
  Put("a", "1");  // 2
  Delete("a");    // 3
  Compact(3);
  CompactFully();
  Result<std::vector<ChangeEvent>> events = store_->Changes(2, 3, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);  // a watch from the compaction revision sees the delete
  EXPECT_EQ((*events)[0].changes[0].type, KeyChange::Type::kDelete);
  Put("b", "1");  // 4
  Compact(4);
  CompactFully();
  events = store_->Changes(3, 4, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].changes[0].kv.key, "b");
  EXPECT_TRUE(Kvs("a", kAll, 4).size() == 1);  // only b
}

TEST_F(MvccCompactorTest, ChangesReportEveryChangeWithPrevKv) {
  WriteHistory();
  TxnRequest txn;
  txn.success = {Op(PutReq("x", "1")), Op(DelReq("a"))};
  Txn(txn);  // 8
  Result<std::vector<ChangeEvent>> events = store_->Changes(1, 8, 100);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 7u);
  const auto& e = *events;
  EXPECT_EQ(e[0].revision, 2);
  EXPECT_EQ(e[0].changes[0].kv, Kv("a", "1", 2, 2, 1));
  EXPECT_FALSE(e[0].changes[0].prev_kv.has_value());
  EXPECT_EQ(e[2].changes[0].prev_kv, Kv("a", "1", 2, 2, 1));
  EXPECT_EQ(e[3].changes[0].type, KeyChange::Type::kDelete);
  EXPECT_EQ(e[3].changes[0].kv, Kv("b", "", 0, 5, 0));
  EXPECT_EQ(e[3].changes[0].prev_kv, Kv("b", "1", 3, 3, 1));
  EXPECT_EQ(e[6].revision, 8);
  ASSERT_EQ(e[6].changes.size(), 2u);
  EXPECT_EQ(e[6].changes[0].kv.key, "x");
  EXPECT_EQ(e[6].changes[1].prev_kv, Kv("a", "3", 2, 7, 3));

  events = store_->Changes(3, 6, 100);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), 3u);
  events = store_->Changes(1, 8, 2);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->back().revision, 3);
  EXPECT_TRUE(store_->Changes(8, 8, 10)->empty());
  EXPECT_EQ(store_->Changes(1, 9, 10).status(), kFuture);
}

TEST_F(MvccCompactorTest, ChangesBoundaryFollowsWatchStartRevision) {
  WriteHistory();
  Compact(5);
  CompactFully();
  // A watch starting at the compaction revision (5) asks for (4, ...].
  Result<std::vector<ChangeEvent>> events = store_->Changes(4, 7, 10);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  EXPECT_EQ(events->front().revision, 5);
  EXPECT_EQ(store_->Changes(3, 7, 10).status(), kCompacted);
  events = store_->Changes(5, 7, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].changes[0].prev_kv, Kv("a", "2", 2, 4, 2));  // kept below 5
}

TEST_F(MvccCompactorTest, HashIgnoresHistoryButNotContent) {
  WriteHistory();
  testing::TempDir other_dir("shadekv-mvcc-other-");
  auto other = MvccStore::Open(other_dir.Sub("kv"));
  ASSERT_TRUE(other.ok());
  uint64_t i = 0;
  for (const char* key : {"a", "b", "a", "c", "a", "b"}) {
    WriteRequest w;
    w.op = PutReq(key, "v");
    ASSERT_TRUE((*other)->Apply(w, ++i).ok());
  }
  WriteRequest del;
  del.op = DelReq("b");
  ASSERT_TRUE((*other)->Apply(del, ++i).ok());
  // Same writes into a third store, compacted: same hash.
  Result<HashResult> h1 = store_->HashKv(0);
  ASSERT_TRUE(h1.ok());
  EXPECT_EQ(h1->revision, 7);
  EXPECT_EQ(h1->compact_revision, 0);
  Compact(6);
  CompactFully();
  Result<HashResult> h2 = store_->HashKv(7);
  ASSERT_TRUE(h2.ok());
  EXPECT_EQ(h2->hash, h1->hash);
  EXPECT_EQ(h2->compact_revision, 6);
  // Different content (other store: a=v) hashes differently.
  EXPECT_NE((*other)->HashKv(0)->hash, h1->hash);
  Result<HashResult> old = store_->HashKv(6);
  ASSERT_TRUE(old.ok());
  EXPECT_NE(old->hash, h1->hash);
  EXPECT_EQ(store_->HashKv(8).status(), kFuture);
}

TEST_F(MvccCompactorTest, HashEqualForSameWritesWithDifferentCompaction) {
  testing::TempDir other_dir("shadekv-mvcc-other-");
  auto other = MvccStore::Open(other_dir.Sub("kv"));
  ASSERT_TRUE(other.ok());
  uint64_t i = 0;
  for (int n = 0; n < 50; ++n) {
    WriteRequest w;
    if (n % 7 == 3) {
      w.op = DelReq("k" + std::to_string(n % 5));
    } else {
      w.op = PutReq("k" + std::to_string(n % 5), std::to_string(n));
    }
    ASSERT_TRUE((*other)->Apply(w, ++i).ok());
    ASSERT_TRUE(ApplyOp(w.op).ok());
    if (n == 20) {
      Compact(store_->CurrentRevision() - 3);
      CompactFully();
    }
  }
  EXPECT_EQ(store_->HashKv(0)->hash, (*other)->HashKv(0)->hash);
  EXPECT_EQ(store_->HashKv(30)->hash, (*other)->HashKv(30)->hash);
}

TEST_F(MvccCompactorTest, ReadersRunWhileApplyAndCompactionProceed) {
  for (int i = 0; i < 50; ++i) Put("k" + std::to_string(i % 10), "v");
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::thread reader([&] {
    while (!stop) {
      RangeRequest r = RangeReq("k", kAll);
      Result<RangeResponse> response = store_->Range(r);
      if (!response.ok() || response->count != 10) ++failures;
      if (!store_->HashKv(0).ok()) ++failures;
    }
  });
  std::thread compactor([&] {
    while (!stop) {
      if (!store_->CompactStep(7).ok()) ++failures;
    }
  });
  for (int i = 0; i < 200; ++i) {
    Put("k" + std::to_string(i % 10), std::to_string(i));
    if (i % 25 == 0) Compact(store_->CurrentRevision() - 5);
  }
  stop = true;
  reader.join();
  compactor.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Kvs("k", kAll).size(), 10u);
}

}  // namespace
}  // namespace shadekv::store
