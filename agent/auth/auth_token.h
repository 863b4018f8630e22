// Stateless auth tokens: any member accepts a token issued by another
// without a Raft entry per login (etcd 3.4's simple tokens live in one
// member's memory; shadekv signs instead).
//
//   token   := hex(user) "." epoch "." expiry "." hex(mac)
//   mac     := HMAC-SHA256(secret, hex(user) "." epoch "." expiry)
//
// epoch: the user's epoch (AuthState's User::epoch) when issued; expiry: Unix
// seconds. The secret is replicated in the auth state and replaced at every
// `auth enable`. Pure functions (the caller passes the time).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::auth {

inline constexpr size_t kTokenSecretBytes = 32;

struct TokenClaims {
  std::string user;
  uint64_t epoch = 0;
  int64_t expiry_unix_s = 0;
  friend bool operator==(const TokenClaims&, const TokenClaims&) = default;
};

// A fresh random secret of kTokenSecretBytes (libsodium's CSPRNG).
std::string NewTokenSecret();

std::string SignToken(const TokenClaims& claims, std::string_view secret);

// The claims of a well-formed, correctly signed token not yet expired at
// `now_unix_s`. Anything else (garbage, a forged or altered token, another
// secret, expired, empty secret) is kUnauthenticated "etcdserver: invalid
// auth token", as etcd answers for a token it does not know.
Result<TokenClaims> VerifyToken(std::string_view token, std::string_view secret,
                                int64_t now_unix_s);

}  // namespace shadekv::auth
