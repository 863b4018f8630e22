// SimCluster's client model and fault injection (the step loop and phases
// are in sim_cluster.cc).
#include <algorithm>
#include <string>
#include <vector>

#include "tests/raft/sim/sim_cluster.h"

namespace shadekv::raft::sim {
namespace {

bool InConf(const ConfState& conf, NodeId id) {
  auto has = [id](const std::vector<NodeId>& ids) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  return has(conf.voters) || has(conf.learners);
}

}  // namespace

void SimCluster::Client() {
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  if (coin(rng_) < options_.proposal_rate) {
    pending_["c" + std::to_string(next_proposal_++) + "." +
             std::string(options_.proposal_bytes, 'x')] = now_;
  }
  std::vector<std::string> ready;
  for (const auto& [data, when] : pending_) {
    if (when <= now_) ready.push_back(data);
    if (ready.size() == 4) break;
  }
  for (const std::string& data : ready) {
    std::vector<NodeId> alive = MemberIds(true, false);
    if (alive.empty()) return;
    NodeId target = alive[rng_() % alive.size()];
    Status status = Live(target)->raw()->Propose(data);
    Trace({now_, TraceRecord::What::kPropose, 0, target, 0, status.ok()});
    // Accepted is not committed: a lost proposal is retried after a while.
    auto it = pending_.find(data);
    if (it != pending_.end()) {
      it->second = now_ + (status.ok() ? 3 * options_.tuning.election_tick : 1 + rng_() % 3);
    }
    AfterStep(target);
    if (violation().has_value()) return;
  }
  if (coin(rng_) < options_.read_rate) {
    std::vector<NodeId> alive = MemberIds(true, false);
    if (alive.empty()) return;
    NodeId target = alive[rng_() % alive.size()];
    std::string ctx = "r" + std::to_string(next_read_++);
    checker_.OnReadRequested(ctx);
    Live(target)->raw()->ReadIndex(ctx);
    AfterStep(target);
  }
}

bool SimCluster::ProposeChange(ConfChangeType type, NodeId target) {
  NodeId leader = Leader();
  if (leader == kNoNode) return false;
  ConfChange change{type, target, "sim://" + std::to_string(target)};
  Status status = Live(leader)->raw()->ProposeConfChange(change);
  Trace({now_, TraceRecord::What::kPropose, 0, leader, 1, status.ok()});
  AfterStep(leader);
  return status.ok();
}

void SimCluster::InjectFault(const FaultEvent& fault) {
  std::vector<NodeId> all = MemberIds(false, false);
  std::vector<NodeId> alive = MemberIds(true, false);
  NodeId target = kNoNode;
  const NodeId leader = Leader();
  const SimNode* lead = leader == kNoNode ? nullptr : Live(leader);
  switch (fault.kind) {
    case FaultKind::kSplit: {
      if (all.size() < 2) break;
      std::vector<NodeId> order = all;
      std::shuffle(order.begin(), order.end(), rng_);
      size_t k = 1 + fault.pick % (order.size() - 1);
      for (size_t i = 0; i < k; ++i) {
        for (size_t j = k; j < order.size(); ++j) network_.CutBoth(order[i], order[j]);
      }
      target = order[0];
      break;
    }
    case FaultKind::kIsolate:
    case FaultKind::kCutInbound:
    case FaultKind::kCutOutbound:
      target = Pick(all, fault.pick);
      for (NodeId other : all) {
        if (other == target) continue;
        if (fault.kind != FaultKind::kCutOutbound) network_.Cut(other, target);
        if (fault.kind != FaultKind::kCutInbound) network_.Cut(target, other);
      }
      break;
    case FaultKind::kCutLink: {
      target = Pick(all, fault.pick);
      std::vector<NodeId> others;
      for (NodeId id : all) {
        if (id != target) others.push_back(id);
      }
      if (!others.empty()) network_.Cut(target, Pick(others, fault.pick >> 20));
      break;
    }
    case FaultKind::kHeal:
      network_.HealAll();
      break;
    case FaultKind::kCrash:
      target = Pick(alive, fault.pick);
      if (target != kNoNode) {
        ++stats_.crashes;
        CrashMember(target, options_.unsynced_loss);
      }
      break;
    case FaultKind::kRestart: {
      std::vector<NodeId> down;
      for (NodeId id : all) {
        if (!members_.at(id).node->alive()) down.push_back(id);
      }
      target = Pick(down, fault.pick);
      if (target != kNoNode) StartMember(target);
      break;
    }
    case FaultKind::kChaosOn:
      network_.SetChaosEnabled(true);
      break;
    case FaultKind::kChaosOff:
      network_.SetChaosEnabled(false);
      break;
    case FaultKind::kAddLearner: {
      if (lead == nullptr || members_.size() >= options_.max_members) break;
      target = next_id_;
      if (ProposeChange(ConfChangeType::kAddLearner, target)) {
        CreateMember();
        StartMember(target);
      }
      break;
    }
    case FaultKind::kPromoteLearner:
      if (lead == nullptr) break;
      target = Pick(lead->conf_state().learners, fault.pick);
      if (target != kNoNode && members_.count(target)) {
        ProposeChange(ConfChangeType::kAddVoter, target);
      }
      break;
    case FaultKind::kRemoveVoter:
      if (lead == nullptr || lead->conf_state().voters.size() <= options_.min_voters) break;
      target = Pick(lead->conf_state().voters, fault.pick);
      ProposeChange(ConfChangeType::kRemoveNode, target);
      break;
    case FaultKind::kReAdd: {
      if (lead == nullptr) break;
      std::vector<NodeId> retired;
      for (const auto& [id, m] : members_) {
        if (m.retired && !m.node->alive() && !InConf(lead->conf_state(), id)) retired.push_back(id);
      }
      target = Pick(retired, fault.pick);
      if (target == kNoNode) break;
      // It comes back with its disk (term, vote, log) and catches up from
      // the leader, whose appends need no membership on the receiving side.
      if (ProposeChange(ConfChangeType::kAddLearner, target)) {
        Member& m = members_.at(target);
        m.retired = false;
        m.readded = true;
        StartMember(target);
      }
      break;
    }
    case FaultKind::kTransferLeader: {
      if (lead == nullptr) break;
      std::vector<NodeId> others;
      for (NodeId v : lead->conf_state().voters) {
        if (v != leader) others.push_back(v);
      }
      target = Pick(others, fault.pick);
      if (target == kNoNode) break;
      transfer_target_ = target;
      Live(leader)->raw()->TransferLeader(target);
      AfterStep(leader);
      break;
    }
    case FaultKind::kCompact: {
      target = Pick(alive, fault.pick);
      if (target == kNoNode) break;
      Status status = Live(target)->MaybeCompact();
      if (!status.ok()) {
        checker_.Report("CompactSucceeds",
                        "node " + std::to_string(target) + ": " + status.ToString());
      }
      ++stats_.compactions;
      AfterStep(target);
      break;
    }
  }
  Trace({now_, TraceRecord::What::kFault, static_cast<uint8_t>(fault.kind), target});
  checker_.CheckGlobal();
}

}  // namespace shadekv::raft::sim
