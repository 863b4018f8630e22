// Password hashing for auth users: argon2id through libsodium. The hash is
// made on the member that receives the request, so that Raft entries, logs
// and snapshots carry only the hash, never the password.
//
// Thread-safe. At most 4 hashes or verifications run at once (each holds
// 19 MiB); further callers wait for a slot.
#pragma once

#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::auth {

// libsodium's self-describing argon2id string ("$argon2id$v=19$m=...").
// Errors: kResourceExhausted when libsodium cannot get the memory it needs,
// kInternal when libsodium cannot be initialised.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash`. False for an empty or malformed hash
// (a no_password user never authenticates), never an error.
bool VerifyPassword(std::string_view hash, std::string_view password);

}  // namespace shadekv::auth
