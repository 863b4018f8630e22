// etcd 3.4's stateless request checks, rule by rule.
#include <gtest/gtest.h>

#include "store/txn_validation.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::DelReq;
using testing::Op;
using testing::PutReq;
using testing::RangeReq;
using testing::ValueCmp;

const Status kDup = Status::InvalidArgument("etcdserver: duplicate key given in txn request");
const std::string kAll(1, '\0');

TxnRequest Branch(std::vector<RequestOp> success, std::vector<RequestOp> failure = {}) {
  TxnRequest t;
  t.success = std::move(success);
  t.failure = std::move(failure);
  return t;
}

TEST(MvccTxnValidationTest, SingleRequests) {
  EXPECT_EQ(ValidateRange(RangeReq("")),
            Status::InvalidArgument("etcdserver: key is not provided"));
  EXPECT_TRUE(ValidateRange(RangeReq("a")).ok());
  EXPECT_EQ(ValidateDeleteRange(DelReq("")).code(), StatusCode::kInvalidArgument);
  PutRequest p = PutReq("a", "v");
  EXPECT_TRUE(ValidatePut(p).ok());
  p.ignore_value = true;
  EXPECT_EQ(ValidatePut(p), Status::InvalidArgument("etcdserver: value is provided"));
  p.value.clear();
  EXPECT_TRUE(ValidatePut(p).ok());
  p.ignore_lease = true;
  p.lease = 5;
  EXPECT_EQ(ValidatePut(p), Status::InvalidArgument("etcdserver: lease is provided"));
  EXPECT_EQ(ValidatePut(PutReq("", "v")),
            Status::InvalidArgument("etcdserver: key is not provided"));
}

TEST(MvccTxnValidationTest, DuplicatePutsAndOverlappingDeletes) {
  EXPECT_EQ(ValidateTxn(Branch({Op(PutReq("a", "1")), Op(PutReq("a", "2"))})), kDup);
  EXPECT_EQ(ValidateTxn(Branch({}, {Op(PutReq("a", "1")), Op(PutReq("a", "2"))})), kDup);
  EXPECT_EQ(ValidateTxn(Branch({Op(PutReq("a", "1")), Op(DelReq("a"))})), kDup);
  EXPECT_EQ(ValidateTxn(Branch({Op(DelReq("a", "c")), Op(PutReq("b", "1"))})), kDup);
  EXPECT_TRUE(ValidateTxn(Branch({Op(DelReq("a", "c")), Op(PutReq("c", "1"))})).ok());
  EXPECT_TRUE(ValidateTxn(Branch({Op(DelReq("a", "c")), Op(DelReq("b"))})).ok());
  EXPECT_TRUE(ValidateTxn(Branch({Op(PutReq("a", "1"))}, {Op(PutReq("a", "2"))})).ok());
  EXPECT_TRUE(ValidateTxn(Branch({Op(PutReq("a", "1")), Op(RangeReq("a"))})).ok());
  EXPECT_TRUE(ValidateTxn(TxnRequest{}).ok());
}

TEST(MvccTxnValidationTest, FromKeyDeleteIntervalIsAPlainStringLikeEtcdAdt) {
  // etcd 3.4 builds [key, "\0") for a from-key delete: it only meets `key`.
  EXPECT_EQ(ValidateTxn(Branch({Op(DelReq("b", kAll)), Op(PutReq("b", "1"))})), kDup);
  EXPECT_TRUE(ValidateTxn(Branch({Op(DelReq("b", kAll)), Op(PutReq("c", "1"))})).ok());
  // An inverted interval also meets its own key.
  EXPECT_EQ(ValidateTxn(Branch({Op(DelReq("b", "a")), Op(PutReq("b", "1"))})), kDup);
}

TEST(MvccTxnValidationTest, NestedTxnsFollowEtcdOrder) {
  TxnRequest put_a = Branch({Op(PutReq("a", "1"))});
  TxnRequest del_a = Branch({Op(DelReq("a"))});
  // A nested put against this level's delete, and the reverse.
  EXPECT_EQ(ValidateTxn(Branch({Op(DelReq("a")), Op(put_a)})), kDup);
  EXPECT_EQ(ValidateTxn(Branch({Op(PutReq("a", "1")), Op(del_a)})), kDup);
  // Two nested txns putting the same key.
  EXPECT_EQ(ValidateTxn(Branch({Op(put_a), Op(put_a)})), kDup);
  // A nested put after a nested delete collides; etcd checks nested puts only
  // against deletes collected so far, so the reverse order passes.
  EXPECT_EQ(ValidateTxn(Branch({Op(del_a), Op(put_a)})), kDup);
  EXPECT_TRUE(ValidateTxn(Branch({Op(put_a), Op(del_a)})).ok());
  // The same key in both branches of one nested txn is fine...
  TxnRequest both = Branch({Op(PutReq("a", "1"))}, {Op(PutReq("a", "2"))});
  EXPECT_TRUE(ValidateTxn(Branch({Op(both)})).ok());
  // ...but not beside a put of the same key in the parent.
  EXPECT_EQ(ValidateTxn(Branch({Op(both), Op(PutReq("a", "3"))})), kDup);
  // Deeper nesting propagates.
  TxnRequest deep = Branch({Op(Branch({Op(Branch({Op(PutReq("z", "1"))}))}))});
  EXPECT_EQ(ValidateTxn(Branch({Op(deep), Op(DelReq("y", "zz"))})), kDup);
}

TEST(MvccTxnValidationTest, OperationLimitsAndEmptyKeys) {
  TxnRequest t;
  for (int i = 0; i < 128; ++i) t.compare.push_back(ValueCmp("k", Compare::Result::kEqual, ""));
  EXPECT_TRUE(ValidateTxn(t).ok());
  t.compare.push_back(ValueCmp("k", Compare::Result::kEqual, ""));
  EXPECT_EQ(ValidateTxn(t),
            Status::InvalidArgument("etcdserver: too many operations in txn request"));
  // A nested txn gets what its parent leaves: 100 + 29 > 128.
  TxnRequest inner;
  for (int i = 0; i < 29; ++i) inner.success.push_back(Op(RangeReq("k")));
  TxnRequest outer;
  for (int i = 0; i < 99; ++i) outer.success.push_back(Op(RangeReq("k")));
  outer.success.push_back(Op(inner));
  EXPECT_EQ(ValidateTxn(outer).code(), StatusCode::kInvalidArgument);
  inner.success.resize(28);
  outer.success.back() = Op(inner);
  EXPECT_TRUE(ValidateTxn(outer).ok());
  EXPECT_EQ(ValidateTxn(Branch({Op(RangeReq(""))})),
            Status::InvalidArgument("etcdserver: key is not provided"));
  EXPECT_EQ(ValidateTxn(Branch({}, {Op(PutReq("a", "v"))})).ok(), true);
  TxnRequest bad_compare;
  bad_compare.compare = {ValueCmp("", Compare::Result::kEqual, "")};
  EXPECT_EQ(ValidateTxn(bad_compare), Status::InvalidArgument("etcdserver: key is not provided"));
}

}  // namespace
}  // namespace shadekv::store
