// Majority arithmetic (§5.2 elections, §5.3/§5.4.2 commitment). Pure functions
// over the voter set: learners are never passed in.
#pragma once

#include <cstdint>
#include <map>
#include <set>

#include "shadekv/raft/types.h"

namespace shadekv::raft {

enum class VoteResult { kPending, kWon, kLost };

// Size of a majority of n voters.
inline size_t QuorumSize(size_t voters) { return voters / 2 + 1; }

// The largest index replicated on a majority of voters: the quorum-th largest
// match index. Voters missing from match count as 0. With no voters, returns
// UINT64_MAX (an empty config commits nothing by itself; callers guard).
uint64_t CommittedIndex(const std::set<NodeId>& voters, const std::map<NodeId, uint64_t>& match);

// Tallies granted (true) and rejected (false) votes cast by voters.
VoteResult TallyVotes(const std::set<NodeId>& voters, const std::map<NodeId, bool>& votes);

// Whether the voters marked active form a majority.
bool QuorumActive(const std::set<NodeId>& voters, const std::set<NodeId>& active);

}  // namespace shadekv::raft
