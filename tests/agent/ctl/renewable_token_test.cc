// RenewableToken: one login per expired token, however many requests were
// refused with it, and a failed login keeps the old token.
#include "agent/ctl/renewable_token.h"

#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace shadekv::ctl {
namespace {

TEST(RenewableTokenTest, RecognisesOnlyEtcdsInvalidTokenRefusal) {
  EXPECT_TRUE(IsInvalidAuthToken(Status::Unauthenticated("etcdserver: invalid auth token")));
  EXPECT_FALSE(IsInvalidAuthToken(
      Status::Unauthenticated("etcdserver: authentication failed, invalid user ID or password")));
  EXPECT_FALSE(IsInvalidAuthToken(Status::PermissionDenied("etcdserver: permission denied")));
  EXPECT_FALSE(IsInvalidAuthToken(Status(StatusCode::kUnknown, "etcdserver: invalid auth token")));
  EXPECT_FALSE(IsInvalidAuthToken(Status::Ok()));
}

TEST(RenewableTokenTest, LogsInOncePerRefusedToken) {
  int logins = 0;
  RenewableToken token(
      "t0", [&logins]() -> Result<std::string> { return "t" + std::to_string(++logins); });
  EXPECT_EQ(token.Current(), "t0");
  Result<std::string> first = token.Renew("t0");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "t1");
  // Another request sent with t0 before the renewal: no second login.
  Result<std::string> late = token.Renew("t0");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, "t1");
  EXPECT_EQ(logins, 1);
  EXPECT_EQ(token.Current(), "t1");
  // t1 expires in its turn.
  EXPECT_EQ(*token.Renew("t1"), "t2");
  EXPECT_EQ(logins, 2);
}

TEST(RenewableTokenTest, ConcurrentRefusalsShareOneLogin) {
  std::atomic<int> logins{0};
  RenewableToken token("old", [&logins]() -> Result<std::string> {
    ++logins;
    return std::string("new");
  });
  std::vector<std::thread> threads;
  std::atomic<int> renewed{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      Result<std::string> r = token.Renew("old");
      if (r.ok() && *r == "new") ++renewed;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(logins.load(), 1);
  EXPECT_EQ(renewed.load(), 8);
}

TEST(RenewableTokenTest, AFailedLoginKeepsTheOldTokenAndIsReported) {
  bool fail = true;
  RenewableToken token("old", [&fail]() -> Result<std::string> {
    if (fail) {
      return Status::Unauthenticated(
          "etcdserver: authentication failed, invalid user ID or password");
    }
    return std::string("new");
  });
  Result<std::string> refused = token.Renew("old");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "etcdserver: authentication failed, invalid user ID or password");
  EXPECT_EQ(token.Current(), "old");
  fail = false;
  EXPECT_EQ(*token.Renew("old"), "new");
}

TEST(RenewableTokenTest, AuthTurnedOffMeansNoTokenFromThenOn) {
  RenewableToken token("old", []() -> Result<std::string> { return std::string(); });
  Result<std::string> renewed = token.Renew("old");
  ASSERT_TRUE(renewed.ok());
  EXPECT_EQ(*renewed, "");
  EXPECT_EQ(token.Current(), "");
}

}  // namespace
}  // namespace shadekv::ctl
