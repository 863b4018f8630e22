// Tests for Status and Result<T>, the error values every component returns.
#include "shadekv/common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace shadekv {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.ToString(), "OK");
}

TEST(StatusTest, CodesKeepGrpcNumbers) {
  // The etcd gateway puts these numbers on the wire; they must never move.
  EXPECT_EQ(static_cast<int>(Status::InvalidArgument("x").code()), 3);
  EXPECT_EQ(static_cast<int>(Status::NotFound("x").code()), 5);
  EXPECT_EQ(static_cast<int>(Status::PermissionDenied("x").code()), 7);
  EXPECT_EQ(static_cast<int>(Status::ResourceExhausted("x").code()), 8);
  EXPECT_EQ(static_cast<int>(Status::FailedPrecondition("x").code()), 9);
  EXPECT_EQ(static_cast<int>(Status::OutOfRange("x").code()), 11);
  EXPECT_EQ(static_cast<int>(Status::Unavailable("x").code()), 14);
  EXPECT_EQ(static_cast<int>(Status::DataLoss("x").code()), 15);
  EXPECT_EQ(static_cast<int>(Status::Unauthenticated("x").code()), 16);
}

TEST(StatusTest, ToStringNamesCodeAndMessage) {
  EXPECT_EQ(Status::InvalidArgument("etcdserver: key is not provided").ToString(),
            "INVALID_ARGUMENT: etcdserver: key is not provided");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthenticated), "UNAUTHENTICATED");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = Status::DataLoss("checksum mismatch").WithContext("reading snapshot /tmp/x");
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_EQ(s.message(), "reading snapshot /tmp/x: checksum mismatch");
  EXPECT_TRUE(Status::Ok().WithContext("anything").ok());
}

Result<int> Half(int n) {
  if (n % 2 != 0) return Status::InvalidArgument("odd: " + std::to_string(n));
  return n / 2;
}

Status HalveTwice(int n, int* out) {
  SHADEKV_ASSIGN_OR_RETURN(int once, Half(n));
  SHADEKV_ASSIGN_OR_RETURN(int twice, Half(once));
  *out = twice;
  return Status::Ok();
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> good = Half(8);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(*good, 4);
  EXPECT_TRUE(good.status().ok());

  Result<int> bad = Half(3);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status(), Status::InvalidArgument("odd: 3"));
}

TEST(ResultTest, AssignOrReturnPropagatesFirstError) {
  int out = -1;
  EXPECT_TRUE(HalveTwice(12, &out).ok());
  EXPECT_EQ(out, 3);
  out = -1;
  EXPECT_EQ(HalveTwice(6, &out), Status::InvalidArgument("odd: 3"));
  EXPECT_EQ(out, -1);
}

TEST(ResultTest, MovesOnlyTypes) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(7));
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(*p, 7);
}

TEST(ResultDeathTest, ValueOfErrorAborts) {
  Result<int> bad = Status::Internal("boom");
  EXPECT_DEATH((void)bad.value(), "");
}

}  // namespace
}  // namespace shadekv
