// HMAC-SHA256 signed tokens (libsodium's crypto_auth_hmacsha256).
#include "agent/auth/auth_token.h"

#include <sodium.h>

#include <charconv>
#include <vector>

namespace shadekv::auth {
namespace {

Status Invalid() { return Status::Unauthenticated("etcdserver: invalid auth token"); }

std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

bool Unhex(std::string_view hex, std::string* out) {
  if (hex.size() % 2 != 0) return false;
  auto digit = [](char c) {
    return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
  };
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = digit(hex[i]);
    int lo = digit(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string Mac(std::string_view signed_part, std::string_view secret) {
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_part.data()),
                                signed_part.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return std::string(reinterpret_cast<const char*>(mac), sizeof(mac));
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (s.empty() || s.size() > 20) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

std::string NewTokenSecret() {
  if (sodium_init() < 0) return {};  // VerifyToken refuses an empty secret
  std::string secret(kTokenSecretBytes, '\0');
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

std::string SignToken(const TokenClaims& claims, std::string_view secret) {
  std::string signed_part = Hex(claims.user) + "." + std::to_string(claims.epoch) + "." +
                            std::to_string(claims.expiry_unix_s);
  return signed_part + "." + Hex(Mac(signed_part, secret));
}

Result<TokenClaims> VerifyToken(std::string_view token, std::string_view secret,
                                int64_t now_unix_s) {
  if (secret.empty() || token.size() > 4096) return Invalid();
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() < 5) {
    size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts.size() != 4) return Invalid();
  std::string mac;
  if (!Unhex(parts[3], &mac) || mac.size() != crypto_auth_hmacsha256_BYTES) return Invalid();
  std::string_view signed_part = token.substr(0, token.size() - parts[3].size() - 1);
  std::string expected = Mac(signed_part, secret);
  // Constant time, so a forger learns nothing from how long a refusal takes.
  if (sodium_memcmp(mac.data(), expected.data(), expected.size()) != 0) return Invalid();
  TokenClaims claims;
  if (!Unhex(parts[0], &claims.user) || !ParseNumber(parts[1], &claims.epoch) ||
      !ParseNumber(parts[2], &claims.expiry_unix_s)) {
    return Invalid();
  }
  if (claims.user.empty() || now_unix_s >= claims.expiry_unix_s) return Invalid();
  return claims;
}

}  // namespace shadekv::auth
