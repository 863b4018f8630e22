// Signed tokens: valid, expired, forged, altered, foreign.
#include "agent/auth/auth_token.h"

#include <gtest/gtest.h>

namespace shadekv::auth {
namespace {

void ExpectInvalid(const Result<TokenClaims>& r) {
  EXPECT_EQ(r.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(r.status().message(), "etcdserver: invalid auth token");
}

TEST(AuthTokenTest, SignedTokenVerifiesUntilItExpires) {
  std::string secret = NewTokenSecret();
  ASSERT_EQ(secret.size(), kTokenSecretBytes);
  TokenClaims claims{"alice.smith", 7, 1000};
  std::string token = SignToken(claims, secret);
  Result<TokenClaims> back = VerifyToken(token, secret, 999);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, claims);
  ExpectInvalid(VerifyToken(token, secret, 1000));
  ExpectInvalid(VerifyToken(token, secret, 5000));
}

TEST(AuthTokenTest, AnyAlteredByteIsRefused) {
  std::string secret = NewTokenSecret();
  std::string token = SignToken({"bob", 3, 2000}, secret);
  for (size_t i = 0; i < token.size(); ++i) {
    std::string forged = token;
    forged[i] = forged[i] == 'a' ? 'b' : 'a';
    ExpectInvalid(VerifyToken(forged, secret, 1));
  }
  // A longer expiry with the old signature.
  std::string extended = token;
  extended.replace(extended.find(".2000."), 6, ".9999.");
  ExpectInvalid(VerifyToken(extended, secret, 1));
}

TEST(AuthTokenTest, ForeignSecretGarbageAndEmptyAreRefused) {
  std::string token = SignToken({"bob", 3, 2000}, NewTokenSecret());
  ExpectInvalid(VerifyToken(token, NewTokenSecret(), 1));
  ExpectInvalid(VerifyToken(token, "", 1));
  for (const char* garbage : {"", ".", "...", "....", "FdJbCOfHISEIawRs.36", "x.1.2.zz",
                              "626f62.3.2000.", "626f62.-3.2000.00"}) {
    ExpectInvalid(VerifyToken(garbage, "secret", 1));
  }
  ExpectInvalid(VerifyToken(std::string(10000, 'a'), "secret", 1));
  // An empty user name is never a valid subject.
  ExpectInvalid(VerifyToken(SignToken({"", 1, 2000}, "secret"), "secret", 1));
}

}  // namespace
}  // namespace shadekv::auth
