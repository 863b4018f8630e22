// RawNode: the host-facing wrapper that batches the core's output into Ready
// and tracks what the host has persisted and applied (etcd's RawNode).
#include "shadekv/raft/raw_node.h"

#include <algorithm>
#include <string>
#include <utility>

#include "agent/raft/invariant.h"
#include "agent/raft/raft.h"

namespace shadekv::raft {

class RawNode::Impl {
 public:
  // persisted is the hard state as storage holds it. It differs from the
  // node's when Create raised the commit to the applied index; the first
  // Ready then carries the raised commit, so storage catches up before the
  // host compacts past the old one.
  Impl(std::unique_ptr<Raft> raft, uint64_t max_proposal_bytes, const HardState& persisted)
      : raft_(std::move(raft)),
        max_proposal_bytes_(max_proposal_bytes),
        prev_soft_state_(raft_->soft_state()),
        prev_hard_state_(persisted) {}

  Raft& raft() { return *raft_; }
  const Raft& raft() const { return *raft_; }

  Status CheckProposalSize(const std::string& data) const {
    if (data.size() > max_proposal_bytes_) {
      return Status::InvalidArgument("raft: proposal of " + std::to_string(data.size()) +
                                     " bytes exceeds max_proposal_bytes " +
                                     std::to_string(max_proposal_bytes_));
    }
    return Status::Ok();
  }

  bool HasReady() const {
    const RaftLog& log = raft_->log();
    if (raft_->soft_state() != prev_soft_state_) return true;
    const HardState hs = raft_->hard_state();
    if (!hs.empty() && hs != prev_hard_state_) return true;
    if (log.unstable().snapshot()) return true;
    if (!log.unstable().entries().empty()) return true;
    if (log.HasNextCommittedEntries()) return true;
    return raft_->HasMessagesOrReads();
  }

  Ready GetReady() {
    Ready rd;
    const SoftState soft = raft_->soft_state();
    if (soft != prev_soft_state_) {
      rd.soft_state = soft;
      prev_soft_state_ = soft;
    }
    const HardState hard = raft_->hard_state();
    if (hard.term < prev_hard_state_.term) {
      // Figure 2: currentTerm only grows; persisting a smaller one is a bug.
      InvariantViolated("persisted term would go backwards from " +
                        std::to_string(prev_hard_state_.term) + " to " + std::to_string(hard.term));
    }
    if (hard != prev_hard_state_) {
      rd.hard_state = hard;
      // §5.1/Figure 2: currentTerm and votedFor must be durable before we
      // answer anybody.
      rd.must_sync = hard.term != prev_hard_state_.term || hard.vote != prev_hard_state_.vote;
      prev_hard_state_ = hard;
    }
    const RaftLog& log = raft_->log();
    if (log.unstable().snapshot()) rd.snapshot = *log.unstable().snapshot();
    rd.entries = log.unstable().entries();
    rd.committed_entries = log.NextCommittedEntries();
    rd.messages = raft_->TakeMessages();
    rd.read_states = raft_->TakeReadStates();
    if (!rd.entries.empty() || !rd.snapshot.empty()) rd.must_sync = true;
    return rd;
  }

  void Advance(const Ready& rd) {
    RaftLog& log = raft_->log();
    if (!rd.entries.empty()) log.StableTo(rd.entries.back().index, rd.entries.back().term);
    if (!rd.snapshot.empty()) log.StableSnapTo(rd.snapshot.meta.index);
    uint64_t applied = 0;
    if (!rd.committed_entries.empty()) {
      applied = rd.committed_entries.back().index;
    } else if (!rd.snapshot.empty()) {
      applied = rd.snapshot.meta.index;
    }
    if (applied > log.applied()) log.AppliedTo(applied);
  }

 private:
  std::unique_ptr<Raft> raft_;
  const uint64_t max_proposal_bytes_;
  SoftState prev_soft_state_;
  HardState prev_hard_state_;
};

Result<std::unique_ptr<RawNode>> RawNode::Create(const Config& config) {
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<Raft> raft, Raft::Create(config));
  SHADEKV_ASSIGN_OR_RETURN(InitialState initial, config.storage->LoadInitialState());
  return std::unique_ptr<RawNode>(new RawNode(
      std::make_unique<Impl>(std::move(raft), config.max_proposal_bytes, initial.hard_state)));
}

RawNode::RawNode(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RawNode::~RawNode() = default;

void RawNode::Tick() { impl_->raft().Tick(); }

void RawNode::Campaign() {
  Message hup;
  hup.type = MessageType::kHup;
  hup.from = impl_->raft().id();
  (void)impl_->raft().Step(hup);
}

Status RawNode::Propose(std::string data) {
  SHADEKV_RETURN_IF_ERROR(impl_->CheckProposalSize(data));
  return impl_->raft().Propose(std::move(data), EntryType::kNormal);
}

Status RawNode::ProposeBatch(std::vector<std::string> data) {
  if (data.empty()) return Status::InvalidArgument("raft: empty proposal batch");
  for (const std::string& one : data) SHADEKV_RETURN_IF_ERROR(impl_->CheckProposalSize(one));
  return impl_->raft().ProposeMany(std::move(data));
}

Status RawNode::ProposeConfChange(const ConfChange& change) {
  if (change.node_id == kNoNode) {
    return Status::InvalidArgument("raft: conf change must name a node (node_id 0)");
  }
  std::string data = EncodeConfChange(change);
  SHADEKV_RETURN_IF_ERROR(impl_->CheckProposalSize(data));
  return impl_->raft().Propose(std::move(data), EntryType::kConfChange);
}

ConfState RawNode::ApplyConfChange(const ConfChange& change) {
  return impl_->raft().ApplyConfChange(change);
}

Status RawNode::Step(const Message& message) {
  SHADEKV_RETURN_IF_ERROR(impl_->raft().ValidateIncoming(message));
  // A forwarded proposal the leader cannot take (transfer in progress, no
  // leader) is dropped like a lost message: the proposer retries.
  (void)impl_->raft().Step(message);
  return Status::Ok();
}

void RawNode::ReadIndex(std::string ctx) { impl_->raft().ReadIndex(std::move(ctx)); }

void RawNode::TransferLeader(NodeId transferee) { impl_->raft().TransferLeader(transferee); }

void RawNode::ReportUnreachable(NodeId peer) { impl_->raft().ReportUnreachable(peer); }

void RawNode::ReportSnapshot(NodeId peer, bool success) {
  impl_->raft().ReportSnapshot(peer, success);
}

bool RawNode::HasReady() const { return impl_->HasReady(); }

size_t AppliableBeforePersist(const Ready& ready, uint64_t stable_last_index) {
  if (!ready.snapshot.empty()) return 0;
  uint64_t limit = stable_last_index;
  if (!ready.entries.empty()) limit = std::min(limit, ready.entries.front().index - 1);
  size_t count = 0;
  for (const Entry& entry : ready.committed_entries) {
    if (entry.index > limit || entry.type == EntryType::kConfChange) break;
    ++count;
  }
  return count;
}

Ready RawNode::GetReady() { return impl_->GetReady(); }

void RawNode::Advance(const Ready& ready) { impl_->Advance(ready); }

NodeStatus RawNode::GetStatus() const { return impl_->raft().GetStatus(); }

}  // namespace shadekv::raft
