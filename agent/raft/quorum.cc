#include "agent/raft/quorum.h"

#include <algorithm>
#include <functional>
#include <vector>

namespace shadekv::raft {

uint64_t CommittedIndex(const std::set<NodeId>& voters, const std::map<NodeId, uint64_t>& match) {
  if (voters.empty()) return UINT64_MAX;
  std::vector<uint64_t> indexes;
  indexes.reserve(voters.size());
  for (NodeId id : voters) {
    auto it = match.find(id);
    indexes.push_back(it == match.end() ? 0 : it->second);
  }
  std::sort(indexes.begin(), indexes.end(), std::greater<>());
  return indexes[QuorumSize(voters.size()) - 1];
}

VoteResult TallyVotes(const std::set<NodeId>& voters, const std::map<NodeId, bool>& votes) {
  size_t granted = 0;
  size_t missing = 0;
  for (NodeId id : voters) {
    auto it = votes.find(id);
    if (it == votes.end()) {
      ++missing;
    } else if (it->second) {
      ++granted;
    }
  }
  const size_t quorum = QuorumSize(voters.size());
  if (granted >= quorum) return VoteResult::kWon;
  if (granted + missing >= quorum) return VoteResult::kPending;
  return VoteResult::kLost;
}

bool QuorumActive(const std::set<NodeId>& voters, const std::set<NodeId>& active) {
  size_t count = 0;
  for (NodeId id : voters) count += active.count(id);
  return !voters.empty() && count >= QuorumSize(voters.size());
}

}  // namespace shadekv::raft
