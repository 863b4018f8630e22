// MvccStore puts, deletes, ranges, txns and applied-index handling on real
// LevelDB, checked against etcd 3.4's observable behaviour.
#include "shadekv/store/mvcc_store.h"

#include <gtest/gtest.h>

#include "shadekv/store/raft_log_store.h"
#include "store/leveldb_util.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::Cmp;
using testing::DelReq;
using testing::kAll;
using testing::Keys;
using testing::Kv;
using testing::Op;
using testing::PutReq;
using testing::RangeReq;
using testing::ValueCmp;
using R = Compare::Result;
using T = Compare::Target;

class MvccStoreTest : public testing::MvccFixture {};

TEST_F(MvccStoreTest, EmptyStoreIsAtRevisionOne) {
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(store_->CompactRevision(), 0);
  EXPECT_EQ(store_->AppliedIndex(), 0u);
  RangeResponse r = Get(RangeReq("a"));
  EXPECT_EQ(r.revision, 1);
  EXPECT_TRUE(r.kvs.empty());
  EXPECT_EQ(r.count, 0);
}

TEST_F(MvccStoreTest, PutTracksRevisionVersionAndCreateRevision) {
  EXPECT_EQ(Put("a", "1").revision, 2);
  EXPECT_EQ(Put("a", "1").revision, 3);  // same value still bumps
  EXPECT_EQ(Put("b", "x", 7).revision, 4);
  EXPECT_EQ(Kvs("a"), std::vector<KeyValue>{Kv("a", "1", 2, 3, 2)});
  EXPECT_EQ(Kvs("b"), std::vector<KeyValue>{Kv("b", "x", 4, 4, 1, 7)});
  Delete("a");
  EXPECT_EQ(Put("a", "2").revision, 6);
  EXPECT_EQ(Kvs("a"), std::vector<KeyValue>{Kv("a", "2", 6, 6, 1)});
}

TEST_F(MvccStoreTest, PutReturnsPrevKvOnlyWhenAsked) {
  Put("a", "1");
  PutRequest with = PutReq("a", "2");
  with.prev_kv = true;
  EXPECT_EQ(MustApply<PutResponse>(with).prev_kv, Kv("a", "1", 2, 2, 1));
  EXPECT_FALSE(Put("a", "3").prev_kv.has_value());
  PutRequest fresh = PutReq("new", "v");
  fresh.prev_kv = true;
  EXPECT_FALSE(MustApply<PutResponse>(fresh).prev_kv.has_value());
}

TEST_F(MvccStoreTest, IgnoreValueAndLeaseKeepCurrentOnes) {
  Put("a", "v", 5);
  PutRequest keep_value = PutReq("a", "", 9);
  keep_value.ignore_value = true;
  Put("x", "y");
  MustApply<PutResponse>(keep_value);
  EXPECT_EQ(Kvs("a"), std::vector<KeyValue>{Kv("a", "v", 2, 4, 2, 9)});
  PutRequest keep_lease = PutReq("a", "w");
  keep_lease.ignore_lease = true;
  MustApply<PutResponse>(keep_lease);
  EXPECT_EQ(Kvs("a"), std::vector<KeyValue>{Kv("a", "w", 2, 5, 3, 9)});
}

TEST_F(MvccStoreTest, PutValidationErrorsMatchEtcd) {
  PutRequest empty = PutReq("", "v");
  EXPECT_EQ(ApplyOp(empty).status(), Status::InvalidArgument("etcdserver: key is not provided"));
  PutRequest value = PutReq("a", "v");
  value.ignore_value = true;
  EXPECT_EQ(ApplyOp(value).status(), Status::InvalidArgument("etcdserver: value is provided"));
  PutRequest lease = PutReq("a", "", 3);
  lease.ignore_lease = true;
  EXPECT_EQ(ApplyOp(lease).status(), Status::InvalidArgument("etcdserver: lease is provided"));
  PutRequest missing = PutReq("a", "");
  missing.ignore_value = true;
  EXPECT_EQ(ApplyOp(missing).status(), Status::InvalidArgument("etcdserver: key not found"));
  missing.ignore_value = false;
  missing.ignore_lease = true;
  missing.value = "v";
  EXPECT_EQ(ApplyOp(missing).status(), Status::InvalidArgument("etcdserver: key not found"));
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_TRUE(Kvs("a").empty());
}

TEST_F(MvccStoreTest, RequestErrorConsumesTheRaftIndexOnly) {
  WriteRequest request;
  request.op = PutReq("", "v");
  request.meta.push_back(MetaWrite{"lease/1", "x"});
  EXPECT_FALSE(store_->Apply(request, 5).ok());
  EXPECT_EQ(store_->AppliedIndex(), 5u);
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(store_->GetMeta("lease/1").value(), std::nullopt);
  Open();
  EXPECT_EQ(store_->AppliedIndex(), 5u);
}

TEST_F(MvccStoreTest, RejectsAlreadyAppliedIndexWithoutChanges) {
  WriteRequest request;
  request.op = PutReq("a", "1");
  ASSERT_TRUE(store_->Apply(request, 10).ok());
  request.op = PutReq("a", "2");
  Result<ApplyResult> again = store_->Apply(request, 10);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_->Apply(request, 3).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Kvs("a")[0].value, "1");
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_EQ(store_->AppliedIndex(), 10u);
}

TEST_F(MvccStoreTest, AppliedIndexRevisionAndDataSurviveReopen) {
  Put("a", "1");
  Put("b", "2");
  ASSERT_TRUE(store_->MarkApplied(index_ + 5).ok());
  index_ += 5;
  Compact(2);
  Open();
  EXPECT_EQ(store_->AppliedIndex(), 8u);
  EXPECT_EQ(store_->CurrentRevision(), 3);
  EXPECT_EQ(store_->CompactRevision(), 2);
  EXPECT_EQ(Kvs("a", kAll), (std::vector<KeyValue>{Kv("a", "1", 2, 2, 1), Kv("b", "2", 3, 3, 1)}));
  EXPECT_EQ(Put("c", "3").revision, 4);
}

TEST_F(MvccStoreTest, MarkAppliedChangesNoRevision) {
  ASSERT_TRUE(store_->MarkApplied(1).ok());
  EXPECT_EQ(store_->AppliedIndex(), 1u);
  EXPECT_EQ(store_->CurrentRevision(), 1);
  EXPECT_EQ(store_->MarkApplied(1).code(), StatusCode::kFailedPrecondition);
}

TEST_F(MvccStoreTest, MetaWritesMoveWithTheEntry) {
  WriteRequest request;
  request.meta = {{"lease/1", "a"}, {"lease/2", "b"}, {"member/1", "m"}};
  ASSERT_TRUE(Apply(request).ok());
  request.meta = {{"lease/1", std::nullopt}};
  request.op = PutReq("k", "v");
  ASSERT_TRUE(Apply(request).ok());
  Open();
  EXPECT_EQ(store_->GetMeta("lease/1").value(), std::nullopt);
  EXPECT_EQ(store_->GetMeta("lease/2").value(), std::optional<std::string>("b"));
  auto scan = store_->ScanMeta("lease/").value();
  ASSERT_EQ(scan.size(), 1u);
  EXPECT_EQ(scan[0], (std::pair<std::string, std::string>("lease/2", "b")));
  EXPECT_EQ(store_->ScanMeta("").value().size(), 2u);
  EXPECT_EQ(Keys(Kvs("a", kAll)), std::vector<std::string>{"k"});
}

TEST_F(MvccStoreTest, ApplyReturnsTheChangeEvent) {
  Put("a", "1");
  Result<ApplyResult> result = ApplyOp(PutReq("a", "2"));
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->event.revision, 3);
  ASSERT_EQ(result->event.changes.size(), 1u);
  EXPECT_EQ(result->event.changes[0].type, KeyChange::Type::kPut);
  EXPECT_EQ(result->event.changes[0].kv, Kv("a", "2", 2, 3, 2));
  EXPECT_EQ(result->event.changes[0].prev_kv, Kv("a", "1", 2, 2, 1));
  Result<ApplyResult> nothing = ApplyOp(DelReq("zzz"));
  ASSERT_TRUE(nothing.ok());
  EXPECT_EQ(nothing->event.revision, 0);
  EXPECT_TRUE(nothing->event.changes.empty());
}

TEST_F(MvccStoreTest, RangeEndRules) {
  for (const char* key : {"a", "ab", "b", "c"}) Put(key, "v");
  Put(std::string("a\0b", 3), "z");
  EXPECT_EQ(Keys(Kvs("a")), std::vector<std::string>{"a"});
  EXPECT_EQ(Keys(Kvs("b", kAll)), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(Keys(Kvs(kAll, kAll)),
            (std::vector<std::string>{"a", std::string("a\0b", 3), "ab", "b", "c"}));
  EXPECT_EQ(Keys(Kvs("a", "b")), (std::vector<std::string>{"a", std::string("a\0b", 3), "ab"}));
  EXPECT_TRUE(Kvs("b", "a").empty());
  EXPECT_TRUE(Kvs("b", "b").empty());
  EXPECT_TRUE(Kvs("zz").empty());
  RangeRequest empty = RangeReq("");
  EXPECT_EQ(store_->Range(empty).status(),
            Status::InvalidArgument("etcdserver: key is not provided"));
}

TEST_F(MvccStoreTest, LimitMoreAndCount) {
  for (const char* key : {"a", "b", "c", "d"}) Put(key, "v");
  RangeRequest r = RangeReq("a", kAll);
  r.limit = 2;
  RangeResponse response = Get(r);
  EXPECT_EQ(Keys(response.kvs), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(response.more);
  EXPECT_EQ(response.count, 4);
  r.limit = 4;
  response = Get(r);
  EXPECT_FALSE(response.more);
  EXPECT_EQ(response.kvs.size(), 4u);
  r.limit = 3;
  r.key = "b";
  response = Get(r);
  EXPECT_FALSE(response.more);
  EXPECT_EQ(response.count, 3);
}

TEST_F(MvccStoreTest, SortOrdersAndTargets) {
  Put("a", "3");
  Put("b", "1");
  Put("c", "2");
  Put("b", "1");  // b: version 2, mod 5
  RangeRequest r = RangeReq("a", kAll);
  r.sort_order = SortOrder::kDescend;
  EXPECT_EQ(Keys(Get(r).kvs), (std::vector<std::string>{"c", "b", "a"}));
  r.sort_target = SortTarget::kValue;
  EXPECT_EQ(Keys(Get(r).kvs), (std::vector<std::string>{"a", "c", "b"}));
  r.sort_order = SortOrder::kAscend;
  EXPECT_EQ(Keys(Get(r).kvs), (std::vector<std::string>{"b", "c", "a"}));
  r.sort_target = SortTarget::kMod;
  EXPECT_EQ(Keys(Get(r).kvs), (std::vector<std::string>{"a", "c", "b"}));
  r.sort_target = SortTarget::kCreate;
  r.sort_order = SortOrder::kDescend;
  EXPECT_EQ(Keys(Get(r).kvs), (std::vector<std::string>{"c", "b", "a"}));
  r.sort_target = SortTarget::kVersion;
  EXPECT_EQ(Keys(Get(r).kvs), (std::vector<std::string>{"b", "a", "c"}));  // ties in key order
  r.sort_order = SortOrder::kNone;  // a target other than KEY sorts ascending
  EXPECT_EQ(Keys(Get(r).kvs), (std::vector<std::string>{"a", "c", "b"}));
  r.sort_order = SortOrder::kDescend;
  r.limit = 1;  // limit applies after sorting
  RangeResponse limited = Get(r);
  EXPECT_EQ(Keys(limited.kvs), std::vector<std::string>{"b"});
  EXPECT_TRUE(limited.more);
  EXPECT_EQ(limited.count, 3);
}

TEST_F(MvccStoreTest, SortTargetWithOrderNoneFetchesLimitPlusOneFirstLikeEtcd) {
  Put("a", "1");
  Put("a", "1");
  Put("a", "1");  // a: version 3
  Put("b", "1");
  Put("b", "1");  // b: version 2
  Put("c", "1");  // c: version 1
  RangeRequest r = RangeReq("a", kAll);
  r.sort_target = SortTarget::kVersion;
  r.limit = 1;
  // etcd 3.4 fetches limit+1 keys in key order (a, b), then sorts them.
  RangeResponse response = Get(r);
  EXPECT_EQ(Keys(response.kvs), std::vector<std::string>{"b"});
  EXPECT_TRUE(response.more);
}

TEST_F(MvccStoreTest, RevisionFiltersDoNotChangeCount) {
  Put("a", "1");  // 2
  Put("b", "1");  // 3
  Put("c", "1");  // 4
  Put("a", "2");  // 5
  RangeRequest r = RangeReq("a", kAll);
  r.min_mod_revision = 3;
  r.max_mod_revision = 4;
  RangeResponse response = Get(r);
  EXPECT_EQ(Keys(response.kvs), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(response.count, 3);
  r = RangeReq("a", kAll);
  r.min_create_revision = 3;
  EXPECT_EQ(Keys(Get(r).kvs), (std::vector<std::string>{"b", "c"}));
  r = RangeReq("a", kAll);
  r.max_create_revision = 2;
  r.limit = 1;
  response = Get(r);
  EXPECT_EQ(Keys(response.kvs), (std::vector<std::string>{"a"}));
  EXPECT_FALSE(response.more);
}

TEST_F(MvccStoreTest, KeysOnlyAndCountOnly) {
  Put("a", "1");
  Put("b", "2");
  RangeRequest r = RangeReq("a", kAll);
  r.keys_only = true;
  EXPECT_EQ(Get(r).kvs, (std::vector<KeyValue>{Kv("a", "", 2, 2, 1), Kv("b", "", 3, 3, 1)}));
  r.keys_only = false;
  r.count_only = true;
  r.limit = 1;
  RangeResponse response = Get(r);
  EXPECT_TRUE(response.kvs.empty());
  EXPECT_EQ(response.count, 2);
  EXPECT_FALSE(response.more);
}

TEST_F(MvccStoreTest, ReadsAtOldRevisions) {
  Put("a", "1");  // 2
  Put("a", "2");  // 3
  Delete("a");    // 4
  Put("b", "1");  // 5
  EXPECT_EQ(Kvs("a", "", 2), std::vector<KeyValue>{Kv("a", "1", 2, 2, 1)});
  EXPECT_EQ(Kvs("a", "", 3), std::vector<KeyValue>{Kv("a", "2", 2, 3, 2)});
  EXPECT_TRUE(Kvs("a", "", 4).empty());
  EXPECT_TRUE(Kvs("a", kAll, 1).empty());
  RangeRequest r = RangeReq("a", kAll);
  r.revision = 3;
  RangeResponse response = Get(r);
  EXPECT_EQ(response.revision, 5);  // header: current revision
  EXPECT_EQ(response.count, 1);
  r.revision = 6;
  EXPECT_EQ(store_->Range(r).status(),
            Status::OutOfRange("mvcc: required revision is a future revision"));
}

TEST_F(MvccStoreTest, DeleteRangeCountsAndReturnsPrevKvs) {
  for (const char* key : {"a", "b", "c"}) Put(key, key);
  DeleteRangeRequest d = DelReq("a", "c");
  d.prev_kv = true;
  DeleteRangeResponse response = MustApply<DeleteRangeResponse>(d);
  EXPECT_EQ(response.deleted, 2);
  EXPECT_EQ(response.revision, 5);
  EXPECT_EQ(response.prev_kvs,
            (std::vector<KeyValue>{Kv("a", "a", 2, 2, 1), Kv("b", "b", 3, 3, 1)}));
  EXPECT_EQ(Keys(Kvs("a", kAll)), std::vector<std::string>{"c"});
  DeleteRangeResponse none = Delete("a", "c");
  EXPECT_EQ(none.deleted, 0);
  EXPECT_EQ(none.revision, 5);  // deleting nothing makes no revision
  EXPECT_EQ(Delete("a", kAll).deleted, 1);
  EXPECT_EQ(store_->CurrentRevision(), 6);
  EXPECT_EQ(ApplyOp(DelReq("")).status(),
            Status::InvalidArgument("etcdserver: key is not provided"));
}

TEST_F(MvccStoreTest, TxnUsesOneRevisionAndLaterOpsSeeEarlierWrites) {
  Put("x", "0");
  TxnRequest txn;
  txn.success = {Op(PutReq("a", "1")), Op(RangeReq("a")), Op(PutReq("b", "2")), Op(DelReq("x")),
                 Op(RangeReq("a", kAll))};
  TxnResponse response = Txn(txn);
  EXPECT_TRUE(response.succeeded);
  EXPECT_EQ(response.revision, 3);
  ASSERT_EQ(response.responses.size(), 5u);
  EXPECT_EQ(std::get<RangeResponse>(response.responses[1].response).kvs,
            std::vector<KeyValue>{Kv("a", "1", 3, 3, 1)});
  const auto& all = std::get<RangeResponse>(response.responses[4].response);
  EXPECT_EQ(Keys(all.kvs), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(all.count, 2);
  EXPECT_EQ(all.revision, 3);
  EXPECT_EQ(store_->CurrentRevision(), 3);
  EXPECT_EQ(Kvs("b"), std::vector<KeyValue>{Kv("b", "2", 3, 3, 1)});
}

TEST_F(MvccStoreTest, ReadOnlyAndEmptyTxnsMakeNoRevision) {
  Put("a", "1");
  TxnRequest empty;
  TxnResponse response = Txn(empty);
  EXPECT_TRUE(response.succeeded);
  EXPECT_EQ(response.revision, 2);
  TxnRequest read;
  read.compare = {ValueCmp("a", R::kEqual, "1")};
  read.success = {Op(RangeReq("a"))};
  response = Txn(read);
  EXPECT_TRUE(response.succeeded);
  EXPECT_EQ(store_->CurrentRevision(), 2);
  TxnRequest delete_nothing;
  delete_nothing.success = {Op(DelReq("zz"))};
  Txn(delete_nothing);
  EXPECT_EQ(store_->CurrentRevision(), 2);
}

TEST_F(MvccStoreTest, ComparesEveryTargetAndResult) {
  Put("a", "m", 0);  // 2
  Put("a", "m", 7);  // 3: version 2, create 2, mod 3, lease 7
  struct Case {
    Compare compare;
    bool holds;
  };
  const std::vector<Case> cases = {
      {ValueCmp("a", R::kEqual, "m"), true},
      {ValueCmp("a", R::kNotEqual, "m"), false},
      {ValueCmp("a", R::kGreater, "l"), true},
      {ValueCmp("a", R::kLess, "l"), false},
      {ValueCmp("a", R::kLess, "n"), true},
      {Cmp("a", T::kVersion, R::kEqual, 2), true},
      {Cmp("a", T::kVersion, R::kGreater, 2), false},
      {Cmp("a", T::kVersion, R::kLess, 3), true},
      {Cmp("a", T::kCreate, R::kEqual, 2), true},
      {Cmp("a", T::kCreate, R::kNotEqual, 2), false},
      {Cmp("a", T::kMod, R::kEqual, 3), true},
      {Cmp("a", T::kMod, R::kGreater, 2), true},
      {Cmp("a", T::kLease, R::kEqual, 7), true},
      {Cmp("a", T::kLease, R::kLess, 7), false},
      // A missing key: VALUE never holds, the numbers are 0.
      {ValueCmp("zz", R::kEqual, ""), false},
      {ValueCmp("zz", R::kNotEqual, "x"), false},
      {Cmp("zz", T::kVersion, R::kEqual, 0), true},
      {Cmp("zz", T::kCreate, R::kEqual, 0), true},
      {Cmp("zz", T::kMod, R::kLess, 1), true},
      {Cmp("zz", T::kLease, R::kGreater, 0), false},
  };
  for (const Case& c : cases) {
    TxnRequest txn;
    txn.compare = {c.compare};
    EXPECT_EQ(Txn(txn).succeeded, c.holds)
        << "key " << c.compare.key << " target " << static_cast<int>(c.compare.target) << " result "
        << static_cast<int>(c.compare.result);
  }
}

TEST_F(MvccStoreTest, CompareOverARangeMustHoldForEveryKey) {
  Put("k1", "a");
  Put("k2", "a");
  Put("k3", "b");
  TxnRequest txn;
  Compare c = ValueCmp("k1", R::kEqual, "a");
  c.range_end = "k3";
  txn.compare = {c};
  EXPECT_TRUE(Txn(txn).succeeded);
  txn.compare[0].range_end = "k4";
  EXPECT_FALSE(Txn(txn).succeeded);
  txn.compare[0] = Cmp("x", T::kVersion, R::kEqual, 0);
  txn.compare[0].range_end = "y";  // no keys: judged as a missing key
  EXPECT_TRUE(Txn(txn).succeeded);
}

TEST_F(MvccStoreTest, FailedCompareRunsFailureBranch) {
  TxnRequest txn;
  txn.compare = {Cmp("a", T::kVersion, R::kGreater, 0)};
  txn.success = {Op(PutReq("a", "yes"))};
  txn.failure = {Op(PutReq("a", "no"))};
  TxnResponse response = Txn(txn);
  EXPECT_FALSE(response.succeeded);
  EXPECT_EQ(Kvs("a")[0].value, "no");
  EXPECT_TRUE(Txn(txn).succeeded);
  EXPECT_EQ(Kvs("a")[0].value, "yes");
}

TEST_F(MvccStoreTest, NestedTxnComparesSeeTheStateBeforeTheTxn) {
  TxnRequest inner;
  inner.compare = {Cmp("a", T::kVersion, R::kEqual, 0)};  // etcd judges all compares up front
  inner.success = {Op(PutReq("b", "inner-success")), Op(RangeReq("a"))};
  inner.failure = {Op(PutReq("b", "inner-failure"))};
  TxnRequest outer;
  outer.success = {Op(PutReq("a", "1")), Op(inner)};
  TxnResponse response = Txn(outer);
  EXPECT_TRUE(response.succeeded);
  const auto& nested = std::get<std::shared_ptr<TxnResponse>>(response.responses[1].response);
  EXPECT_TRUE(nested->succeeded);
  EXPECT_EQ(nested->revision, 0);  // etcd: a nested txn's header is empty
  EXPECT_EQ(std::get<RangeResponse>(nested->responses[1].response).kvs.size(), 1u);
  EXPECT_EQ(Kvs("b")[0].value, "inner-success");
  EXPECT_EQ(Kvs("b")[0].mod_revision, 2);
}

TEST_F(MvccStoreTest, TxnDuplicateKeysAreRejectedLikeEtcd) {
  const Status dup = Status::InvalidArgument("etcdserver: duplicate key given in txn request");
  TxnRequest two_puts;
  two_puts.success = {Op(PutReq("a", "1")), Op(PutReq("a", "2"))};
  EXPECT_EQ(ApplyOp(two_puts).status(), dup);
  TxnRequest put_in_deleted_range;
  put_in_deleted_range.success = {Op(DelReq("a", "c")), Op(PutReq("b", "1"))};
  EXPECT_EQ(ApplyOp(put_in_deleted_range).status(), dup);
  TxnRequest nested;
  TxnRequest inner;
  inner.success = {Op(PutReq("a", "1"))};
  nested.success = {Op(DelReq("a")), Op(inner)};
  EXPECT_EQ(ApplyOp(nested).status(), dup);
  EXPECT_EQ(store_->CurrentRevision(), 1);

  TxnRequest two_deletes;
  two_deletes.success = {Op(DelReq("a", "c")), Op(DelReq("b"))};
  EXPECT_TRUE(ApplyOp(two_deletes).ok());
  TxnRequest both_branches;
  both_branches.success = {Op(PutReq("a", "1"))};
  both_branches.failure = {Op(PutReq("a", "2"))};
  EXPECT_TRUE(ApplyOp(both_branches).ok());
}

TEST_F(MvccStoreTest, TxnChecksRangeRevisionsAndIgnoreFlagsBeforeWriting) {
  Put("a", "1");
  TxnRequest future;
  RangeRequest r = RangeReq("a");
  r.revision = 9;
  future.success = {Op(PutReq("b", "1")), Op(r)};
  EXPECT_EQ(ApplyOp(future).status(),
            Status::OutOfRange("mvcc: required revision is a future revision"));
  TxnRequest missing;
  PutRequest ignore = PutReq("nope", "");
  ignore.ignore_value = true;
  missing.success = {Op(PutReq("b", "1")), Op(ignore)};
  EXPECT_EQ(ApplyOp(missing).status(), Status::InvalidArgument("etcdserver: key not found"));
  EXPECT_TRUE(Kvs("b").empty());
  EXPECT_EQ(store_->CurrentRevision(), 2);
  // The unchosen branch is not checked, as in etcd.
  TxnRequest unchosen;
  unchosen.compare = {Cmp("a", T::kVersion, R::kEqual, 1)};
  unchosen.success = {Op(PutReq("b", "1"))};
  unchosen.failure = {Op(ignore)};
  EXPECT_TRUE(ApplyOp(unchosen).ok());
}

TEST_F(MvccStoreTest, TxnTooManyOpsAndEmptyCompareKey) {
  TxnRequest big;
  for (int i = 0; i < 129; ++i) big.success.push_back(Op(RangeReq("k" + std::to_string(i))));
  EXPECT_EQ(ApplyOp(big).status(),
            Status::InvalidArgument("etcdserver: too many operations in txn request"));
  TxnRequest empty_key;
  empty_key.compare = {ValueCmp("", R::kEqual, "")};
  EXPECT_EQ(ApplyOp(empty_key).status(),
            Status::InvalidArgument("etcdserver: key is not provided"));
}

TEST_F(MvccStoreTest, PutThenDeleteInOneTxnViaFromKeyDeleteUsesSubRevisions) {
  // etcd 3.4 lets a put of "b" pass beside a delete of ["a", "\0"): the
  // interval check treats "\0" as a plain string.
  Put("b", "old");
  TxnRequest txn;
  txn.success = {Op(PutReq("b", "new")), Op(DelReq("a", kAll))};
  Result<ApplyResult> result = ApplyOp(txn);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_EQ(result->event.changes.size(), 2u);
  EXPECT_EQ(result->event.changes[1].type, KeyChange::Type::kDelete);
  EXPECT_EQ(result->event.changes[1].prev_kv, Kv("b", "new", 2, 3, 2));
  EXPECT_TRUE(Kvs("b").empty());
  EXPECT_EQ(store_->CurrentRevision(), 3);
}

TEST_F(MvccStoreTest, OpeningARaftLogDirectoryIsRefused) {
  store_.reset();
  const std::string other = dir_.Sub("raft");
  {
    auto db = OpenLevelDb(other, kRaftLogFormat, OpenOptions{});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
  }
  Result<std::unique_ptr<MvccStore>> opened = MvccStore::Open(other);
  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("shadekv-raftlog/1"), std::string::npos)
      << opened.status().message();
}

}  // namespace
}  // namespace shadekv::store
