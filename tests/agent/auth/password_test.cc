// argon2id hashes: verify, refuse, salt.
#include "agent/auth/password.h"

#include <gtest/gtest.h>

namespace shadekv::auth {
namespace {

TEST(PasswordTest, HashVerifiesOnlyItsPassword) {
  Result<std::string> hash = HashPassword("correct horse");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(hash->rfind("$argon2id$", 0), 0u) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*hash, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*hash, "correct horsE"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
}

TEST(PasswordTest, SaltedSoEqualPasswordsHashDifferently) {
  Result<std::string> a = HashPassword("same");
  Result<std::string> b = HashPassword("same");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*b, "same"));
}

TEST(PasswordTest, EmptyOrMalformedHashNeverVerifies) {
  EXPECT_FALSE(VerifyPassword("", ""));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "x"));
  EXPECT_FALSE(VerifyPassword(std::string(1000, '$'), "x"));
}

}  // namespace
}  // namespace shadekv::auth
