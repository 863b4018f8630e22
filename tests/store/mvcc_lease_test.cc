// The store's lease hooks: the lease-existence check on puts (top level and
// on the txn branch taken, as etcd's applier does) and DeleteKeysRequest,
// the one-revision delete that revoking a lease needs.
#include <gtest/gtest.h>

#include <set>

#include "shadekv/store/mvcc_store.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::Cmp;
using testing::Keys;
using testing::Op;
using testing::PutReq;
using R = Compare::Result;
using T = Compare::Target;

class MvccLeaseTest : public testing::MvccFixture {
 protected:
  // Applies `op` with only the leases in `leases_` existing.
  template <typename Request>
  Result<ApplyResult> ApplyWithLeases(Request op) {
    WriteRequest request;
    request.op = std::move(op);
    request.lease_exists = [this](int64_t id) { return leases_.count(id) != 0; };
    return Apply(std::move(request));
  }

  std::set<int64_t> leases_{7};
};

const Status kLeaseNotFound = Status::NotFound("etcdserver: requested lease not found");

TEST_F(MvccLeaseTest, PutWithExistingLeaseIsStoredWithIt) {
  Result<ApplyResult> r = ApplyWithLeases(PutReq("a", "1", 7));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Kvs("a").at(0).lease, 7);
}

TEST_F(MvccLeaseTest, PutWithUnknownLeaseFailsChangesNothingButConsumesIndex) {
  Put("a", "1");
  Result<ApplyResult> r = ApplyWithLeases(PutReq("a", "2", 8));
  EXPECT_EQ(r.status(), kLeaseNotFound);
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_EQ(store_->AppliedIndex(), index_);
  EXPECT_EQ(Kvs("a").at(0).value, "1");
}

TEST_F(MvccLeaseTest, LeaseIsCheckedBeforeIgnoreValueLikeEtcd) {
  // etcd's applier looks the lease up first: a missing key with ignore_value
  // and an unknown lease reports the lease.
  PutRequest put = PutReq("missing", "", 8);
  put.ignore_value = true;
  EXPECT_EQ(ApplyWithLeases(put).status(), kLeaseNotFound);
}

TEST_F(MvccLeaseTest, IgnoreLeaseSkipsTheCheck) {
  Put("a", "1", 9);  // stored without a check: no lease_exists given
  PutRequest keep = PutReq("a", "2");
  keep.ignore_lease = true;
  ASSERT_TRUE(ApplyWithLeases(keep).ok());
  EXPECT_EQ(Kvs("a").at(0).lease, 9);
}

TEST_F(MvccLeaseTest, MetaIsNotWrittenWhenTheLeaseCheckFails) {
  WriteRequest request;
  request.op = PutReq("a", "1", 8);
  request.meta.push_back({"m", std::string("v")});
  request.lease_exists = [](int64_t) { return false; };
  EXPECT_EQ(Apply(request).status(), kLeaseNotFound);
  EXPECT_FALSE(store_->GetMeta("m")->has_value());
}

TEST_F(MvccLeaseTest, TxnChecksOnlyTheBranchTaken) {
  TxnRequest txn;
  txn.compare.push_back(Cmp("nokey", T::kVersion, R::kEqual, 0));  // true
  txn.success.push_back(Op(PutReq("a", "1", 7)));
  txn.failure.push_back(Op(PutReq("b", "1", 8)));  // unknown, but not taken
  Result<ApplyResult> r = ApplyWithLeases(txn);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(std::get<TxnResponse>(r->response).succeeded);

  TxnRequest bad;
  bad.success.push_back(Op(PutReq("c", "1")));
  bad.success.push_back(Op(PutReq("d", "1", 8)));
  EXPECT_EQ(ApplyWithLeases(bad).status(), kLeaseNotFound);
  EXPECT_TRUE(Kvs("c").empty());  // nothing of the txn was written
  EXPECT_EQ(store_->CurrentRevision(), 2);
}

TEST_F(MvccLeaseTest, TxnChecksNestedTxnsOnTheTakenPath) {
  TxnRequest inner;
  inner.compare.push_back(Cmp("nokey", T::kVersion, R::kGreater, 0));  // false
  inner.success.push_back(Op(PutReq("x", "1", 7)));
  inner.failure.push_back(Op(PutReq("y", "1", 8)));
  TxnRequest outer;
  outer.success.push_back(Op(inner));
  EXPECT_EQ(ApplyWithLeases(outer).status(), kLeaseNotFound);
  leases_.insert(8);
  ASSERT_TRUE(ApplyWithLeases(outer).ok());
  EXPECT_EQ(Kvs("y").at(0).lease, 8);
}

TEST_F(MvccLeaseTest, DeleteKeysDeletesEveryListedKeyAtOneRevision) {
  for (int i = 0; i < 300; ++i) Put("k" + std::to_string(i), "v", 7);  // > 128 txn ops
  Put("other", "v");
  const int64_t before = store_->CurrentRevision();
  DeleteKeysRequest request;
  for (int i = 0; i < 300; ++i) request.keys.push_back("k" + std::to_string(i));
  request.keys.push_back("never-existed");
  request.keys.push_back("k0");  // listed twice: deleted once
  Result<ApplyResult> r = ApplyOp(request);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const auto& response = std::get<DeleteRangeResponse>(r->response);
  EXPECT_EQ(response.deleted, 300);
  EXPECT_EQ(response.revision, before + 1);
  EXPECT_EQ(r->event.revision, before + 1);
  EXPECT_EQ(r->event.changes.size(), 300u);
  for (const KeyChange& change : r->event.changes) {
    EXPECT_EQ(change.type, KeyChange::Type::kDelete);
    ASSERT_TRUE(change.prev_kv.has_value());
    EXPECT_EQ(change.prev_kv->lease, 7);
  }
  EXPECT_EQ(Keys(Kvs("a", "z")), std::vector<std::string>{"other"});
  EXPECT_EQ(Kvs("k5", "", before).size(), 1u);  // history keeps the old version
}

TEST_F(MvccLeaseTest, DeleteKeysOfNothingMakesNoRevisionButWritesMeta) {
  Put("a", "1");
  WriteRequest request;
  request.op = DeleteKeysRequest{{"missing"}};
  request.meta.push_back({"lease/x", std::nullopt});
  request.meta.push_back({"other", std::string("v")});
  Result<ApplyResult> r = Apply(request);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(std::get<DeleteRangeResponse>(r->response).deleted, 0);
  EXPECT_EQ(r->event.revision, 0);
  EXPECT_EQ(store_->CurrentRevision(), 2);
  EXPECT_EQ(*store_->GetMeta("other"), std::optional<std::string>("v"));
}

}  // namespace
}  // namespace shadekv::store
