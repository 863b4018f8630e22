// argon2id password hashes with libsodium.
#include "agent/auth/password.h"

#include <sodium.h>

#include <semaphore>
#include <string>

namespace shadekv::auth {
namespace {

// OWASP's minimum argon2id setting (t=2, m=19 MiB, p=1): an edge box hashes
// once per user add, password change and login, so tens of milliseconds and
// 19 MiB per concurrent login is affordable, while an offline guess costs the
// same. libsodium's "interactive" preset (64 MiB) is heavier than a small
// device wants per concurrent login.
constexpr unsigned long long kOpsLimit = 2;
constexpr size_t kMemLimit = 19u << 20;

bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// Each argon2 run holds kMemLimit; bounding concurrent runs bounds that
// memory (a flood of logins cannot take the box's RAM, it waits instead).
std::counting_semaphore<64>& HashSlots() {
  static std::counting_semaphore<64> slots(4);
  return slots;
}

class HashSlot {
 public:
  HashSlot() { HashSlots().acquire(); }
  ~HashSlot() { HashSlots().release(); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;
};

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  if (!SodiumReady()) return Status::Internal("libsodium could not be initialised");
  char out[crypto_pwhash_STRBYTES];
  HashSlot slot;
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), kOpsLimit, kMemLimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted(
        "password hashing ran out of memory (argon2id needs 19 MiB per concurrent hash)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!SodiumReady() || hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  std::string terminated(hash);  // libsodium wants a NUL-terminated string
  HashSlot slot;
  return crypto_pwhash_str_verify(terminated.c_str(), password.data(), password.size()) == 0;
}

}  // namespace shadekv::auth
