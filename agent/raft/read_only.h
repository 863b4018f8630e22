// Pending linearizable reads on the leader (thesis §6.4, etcd's readOnly).
//
// A read records the commit index when it arrives; it may be served once a
// heartbeat round carrying its context proves that this node was still the
// leader after the read arrived (a majority acknowledged).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "shadekv/raft/types.h"

namespace shadekv::raft {

struct PendingRead {
  std::string ctx;
  NodeId requester = kNoNode;  // the follower that asked, or this node
  uint64_t index = 0;          // commit index when the read arrived
  std::set<NodeId> acks;
};

class ReadOnly {
 public:
  // Queues a read unless one with the same ctx is already pending.
  void AddRequest(uint64_t index, NodeId requester, const std::string& ctx);
  // Records that node acknowledged the heartbeat carrying ctx; returns the
  // acknowledgers so far (empty when ctx is unknown).
  std::set<NodeId> RecvAck(NodeId node, const std::string& ctx);
  // Removes and returns every read queued up to and including ctx (a quorum
  // for a later read also confirms leadership for the earlier ones).
  std::vector<PendingRead> Advance(const std::string& ctx);
  // Context of the newest pending read ("" when none), sent with heartbeats.
  std::string LastPendingCtx() const;
  void Reset();

 private:
  std::map<std::string, PendingRead> pending_;
  std::deque<std::string> queue_;
};

}  // namespace shadekv::raft
