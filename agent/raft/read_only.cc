#include "agent/raft/read_only.h"

namespace shadekv::raft {

void ReadOnly::AddRequest(uint64_t index, NodeId requester, const std::string& ctx) {
  if (pending_.count(ctx) != 0) return;
  pending_[ctx] = PendingRead{ctx, requester, index, {}};
  queue_.push_back(ctx);
}

std::set<NodeId> ReadOnly::RecvAck(NodeId node, const std::string& ctx) {
  auto it = pending_.find(ctx);
  if (it == pending_.end()) return {};
  it->second.acks.insert(node);
  return it->second.acks;
}

std::vector<PendingRead> ReadOnly::Advance(const std::string& ctx) {
  std::vector<PendingRead> done;
  if (pending_.count(ctx) == 0) return done;
  while (!queue_.empty()) {
    std::string front = queue_.front();
    queue_.pop_front();
    done.push_back(std::move(pending_[front]));
    pending_.erase(front);
    if (front == ctx) break;
  }
  return done;
}

std::string ReadOnly::LastPendingCtx() const { return queue_.empty() ? "" : queue_.back(); }

void ReadOnly::Reset() {
  pending_.clear();
  queue_.clear();
}

}  // namespace shadekv::raft
