#include "shadekv/raft/storage.h"

#include <string>

namespace shadekv::raft {

Status ErrCompacted(uint64_t index) {
  return Status::OutOfRange("raft: requested index " + std::to_string(index) +
                            " is unavailable due to compaction");
}

Status ErrUnavailable(uint64_t index) {
  return Status::Unavailable("raft: requested entry at index " + std::to_string(index) +
                             " is unavailable");
}

}  // namespace shadekv::raft
