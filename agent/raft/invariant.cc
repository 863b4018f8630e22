#include "agent/raft/invariant.h"

#include <cstdio>
#include <cstdlib>

namespace shadekv::raft {

void InvariantViolated(const std::string& what) {
  std::fprintf(stderr, "raft: invariant violated: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

}  // namespace shadekv::raft
