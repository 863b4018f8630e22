// MvccStore::ApplyPuts on real LevelDB: a group of puts written in one batch
// must leave the store, the answers and the history exactly as applying the
// same puts one by one does, and bad calls must change nothing.
#include <gtest/gtest.h>

#include <limits>

#include "shadekv/store/mvcc_store.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::kAll;
using testing::PutReq;
using testing::RangeReq;
using testing::TempDir;

WriteRequest Write(PutRequest put, std::string annotation = "") {
  WriteRequest request;
  request.op = std::move(put);
  request.annotation = std::move(annotation);
  return request;
}

// Puts that exercise every path of Put: new keys, overwrites within the
// group, prev_kv, ignore_value on an existing key, and three verdicts (empty
// key, ignore_value on a missing key, a lease the lease layer denies).
std::vector<WriteRequest> MixedPuts() {
  std::vector<WriteRequest> puts;
  puts.push_back(Write(PutReq("a", "1"), "note-1"));
  puts.push_back(Write(PutReq("b", "1")));
  PutRequest overwrite = PutReq("a", "2");
  overwrite.prev_kv = true;
  puts.push_back(Write(overwrite, "note-3"));
  puts.push_back(Write(PutReq("", "no key")));  // verdict: key is not provided
  PutRequest keep_value = PutReq("a", "");
  keep_value.ignore_value = true;
  keep_value.prev_kv = true;
  puts.push_back(Write(keep_value));
  PutRequest missing = PutReq("nothing-here", "");
  missing.ignore_value = true;
  puts.push_back(Write(missing));                   // verdict: key not found
  puts.push_back(Write(PutReq("leased", "x", 7)));  // verdict: lease not found
  puts.push_back(Write(PutReq("c", "1", 5)));       // lease 5 exists
  puts.push_back(Write(PutReq("b", "2")));
  for (WriteRequest& p : puts) p.lease_exists = [](int64_t id) { return id == 5; };
  return puts;
}

class MvccGroupApplyTest : public ::testing::Test {
 protected:
  std::unique_ptr<MvccStore> OpenAt(const std::string& path) {
    auto opened = MvccStore::Open(path);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(opened).value() : nullptr;
  }

  static std::vector<KeyValue> All(const MvccStore& store) {
    Result<RangeResponse> r = store.Range(RangeReq(std::string(1, '\0'), kAll));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->kvs : std::vector<KeyValue>{};
  }

  static std::vector<ChangeEvent> History(const MvccStore& store) {
    Result<std::vector<ChangeEvent>> events = store.Changes(0, store.CurrentRevision(), 1000);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? std::move(events).value() : std::vector<ChangeEvent>{};
  }

  TempDir dir_{"shadekv-mvcc-group-"};
};

void ExpectSameResult(const Result<ApplyResult>& one, const Result<ApplyResult>& grouped,
                      size_t i) {
  SCOPED_TRACE("put #" + std::to_string(i));
  ASSERT_EQ(one.ok(), grouped.ok())
      << one.status().ToString() << " vs " << grouped.status().ToString();
  if (!one.ok()) {
    EXPECT_EQ(one.status().code(), grouped.status().code());
    EXPECT_EQ(one.status().message(), grouped.status().message());
    return;
  }
  const auto& a = std::get<PutResponse>(one->response);
  const auto& b = std::get<PutResponse>(grouped->response);
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(a.prev_kv, b.prev_kv);
  EXPECT_EQ(one->event.revision, grouped->event.revision);
  EXPECT_EQ(one->event.annotation, grouped->event.annotation);
  ASSERT_EQ(one->event.changes.size(), grouped->event.changes.size());
  for (size_t c = 0; c < one->event.changes.size(); ++c) {
    EXPECT_EQ(one->event.changes[c].kv, grouped->event.changes[c].kv);
    EXPECT_EQ(one->event.changes[c].prev_kv, grouped->event.changes[c].prev_kv);
  }
}

TEST_F(MvccGroupApplyTest, GroupLeavesTheStoreExactlyAsOneByOne) {
  std::unique_ptr<MvccStore> single = OpenAt(dir_.Sub("single"));
  std::unique_ptr<MvccStore> grouped = OpenAt(dir_.Sub("grouped"));
  ASSERT_TRUE(single && grouped);
  // Some history first, so the group reads keys from the database too.
  for (MvccStore* s : {single.get(), grouped.get()}) {
    ASSERT_TRUE(s->Apply(Write(PutReq("b", "0")), 1).ok());
  }
  const std::vector<WriteRequest> puts = MixedPuts();
  std::vector<Result<ApplyResult>> one_by_one;
  for (size_t i = 0; i < puts.size(); ++i) one_by_one.push_back(single->Apply(puts[i], 2 + i));

  Result<std::vector<Result<ApplyResult>>> group = grouped->ApplyPuts(puts, 2);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  ASSERT_EQ(group->size(), puts.size());
  for (size_t i = 0; i < puts.size(); ++i) ExpectSameResult(one_by_one[i], (*group)[i], i);

  EXPECT_EQ(grouped->AppliedIndex(), 1 + puts.size());
  EXPECT_EQ(grouped->AppliedIndex(), single->AppliedIndex());
  EXPECT_EQ(grouped->CurrentRevision(), single->CurrentRevision());
  EXPECT_EQ(All(*grouped), All(*single));
  std::vector<ChangeEvent> a = History(*single);
  std::vector<ChangeEvent> b = History(*grouped);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].revision, b[i].revision);
    EXPECT_EQ(a[i].annotation, b[i].annotation);
    ASSERT_EQ(a[i].changes.size(), b[i].changes.size());
    EXPECT_EQ(a[i].changes[0].kv, b[i].changes[0].kv);
  }
  Result<HashResult> ha = single->HashKv(0);
  Result<HashResult> hb = grouped->HashKv(0);
  ASSERT_TRUE(ha.ok() && hb.ok());
  EXPECT_EQ(ha->hash, hb->hash);

  // The one write is durable as a whole: a reopened store answers the same.
  const std::vector<KeyValue> before = All(*grouped);
  grouped.reset();
  grouped = OpenAt(dir_.Sub("grouped"));
  ASSERT_TRUE(grouped);
  EXPECT_EQ(All(*grouped), before);
  EXPECT_EQ(grouped->AppliedIndex(), 1 + puts.size());
  EXPECT_EQ(grouped->CurrentRevision(), single->CurrentRevision());
}

TEST_F(MvccGroupApplyTest, OnlyVerdictsStillConsumeTheirIndexes) {
  std::unique_ptr<MvccStore> store = OpenAt(dir_.Sub("kv"));
  ASSERT_TRUE(store);
  std::vector<WriteRequest> puts{Write(PutReq("", "a")), Write(PutReq("", "b"))};
  Result<std::vector<Result<ApplyResult>>> group = store->ApplyPuts(puts, 1);
  ASSERT_TRUE(group.ok()) << group.status().ToString();
  ASSERT_EQ(group->size(), 2u);
  for (const auto& r : *group) {
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "etcdserver: key is not provided");
  }
  EXPECT_EQ(store->AppliedIndex(), 2u);
  EXPECT_EQ(store->CurrentRevision(), 1);
}

TEST_F(MvccGroupApplyTest, RejectsAnythingButPutsAndChangesNothing) {
  std::unique_ptr<MvccStore> store = OpenAt(dir_.Sub("kv"));
  ASSERT_TRUE(store);
  std::vector<WriteRequest> puts{Write(PutReq("a", "1"))};
  WriteRequest del;
  del.op = testing::DelReq("a");
  puts.push_back(del);
  Result<std::vector<Result<ApplyResult>>> group = store->ApplyPuts(puts, 1);
  EXPECT_EQ(group.status().code(), StatusCode::kInvalidArgument);
  WriteRequest with_meta = Write(PutReq("a", "1"));
  with_meta.meta.push_back({"m", std::string("v")});
  group = store->ApplyPuts({with_meta}, 1);
  EXPECT_EQ(group.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->AppliedIndex(), 0u);
  EXPECT_EQ(store->CurrentRevision(), 1);
  EXPECT_TRUE(All(*store).empty());
}

TEST_F(MvccGroupApplyTest, RefusesIndexesAlreadyAppliedAndChangesNothing) {
  std::unique_ptr<MvccStore> store = OpenAt(dir_.Sub("kv"));
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->ApplyPuts({Write(PutReq("a", "1"))}, 1).ok());
  Result<std::vector<Result<ApplyResult>>> again =
      store->ApplyPuts({Write(PutReq("a", "2")), Write(PutReq("b", "2"))}, 1);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->AppliedIndex(), 1u);
  EXPECT_EQ(store->CurrentRevision(), 2);
  ASSERT_EQ(All(*store).size(), 1u);
  EXPECT_EQ(All(*store)[0].value, "1");
  // An empty group is a no-op, whatever the index.
  Result<std::vector<Result<ApplyResult>>> empty = store->ApplyPuts({}, 1);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(store->AppliedIndex(), 1u);
}

}  // namespace
}  // namespace shadekv::store
