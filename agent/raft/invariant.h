// Invariant checks for the Raft core. A broken invariant (a committed entry
// overwritten, the term going backwards) means a bug or corrupted storage: the
// core says what broke on stderr and aborts rather than risk diverging replicas.
#pragma once

#include <string>

namespace shadekv::raft {

[[noreturn]] void InvariantViolated(const std::string& what);

}  // namespace shadekv::raft
