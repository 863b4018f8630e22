// The simulated cluster: members, faults, clients and the step loop.
#include "tests/raft/sim/sim_cluster.h"

#include <algorithm>
#include <iterator>
#include <sstream>
#include <utility>

namespace shadekv::raft::sim {
namespace {

constexpr size_t kTraceRecords = 48;
constexpr size_t kDeliveriesPerRound = 2000;

ConfState InitialConf(const SimOptions& options) {
  ConfState conf;
  for (int i = 1; i <= options.voters; ++i) conf.voters.push_back(i);
  for (int i = 1; i <= options.learners; ++i) conf.learners.push_back(options.voters + i);
  return conf;
}

bool Contains(const std::vector<NodeId>& ids, NodeId id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

bool InConf(const ConfState& conf, NodeId id) {
  return Contains(conf.voters, id) || Contains(conf.learners, id);
}

}  // namespace

std::string MessageTypeName(MessageType type) {
  static constexpr const char* kNames[] = {
      "kHup",           "kBeat",          "kProp",           "kApp",         "kAppResp",
      "kVote",          "kVoteResp",      "kPreVote",        "kPreVoteResp", "kSnap",
      "kHeartbeat",     "kHeartbeatResp", "kTransferLeader", "kTimeoutNow",  "kReadIndex",
      "kReadIndexResp", "kSnapStatus",    "kUnreachable"};
  auto i = static_cast<size_t>(type);
  return i < std::size(kNames) ? kNames[i] : "k?" + std::to_string(i);
}

SimCluster::SimCluster(const SimOptions& options)
    : options_(options),
      rng_(options.seed),
      network_(&rng_),
      checker_(InitialConf(options)),
      trace_(kTraceRecords) {
  network_.SetChaos(options.chaos);
  checker_.set_check_durability(options.check_durability);
  for (int i = 0; i < options.voters + options.learners; ++i) CreateMember();
  for (auto& [id, member] : members_) StartMember(id);
  std::mt19937_64 schedule_rng(options.seed ^ 0x5eedfa17c0ffee11ull);
  schedule_ = MakeFaultSchedule(options.faults, options.fault_ticks, &schedule_rng);
}

SimCluster::~SimCluster() = default;

uint64_t SimCluster::NodeSeed(NodeId id) const {
  const SimNode& n = *members_.at(id).node;
  return options_.seed * 0x9e3779b97f4a7c15ull + id * 1000003 + n.incarnation() + 1;
}

NodeId SimCluster::CreateMember() {
  NodeId id = next_id_++;
  Member& m = members_[id];
  m.node = std::make_unique<SimNode>(id, InitialConf(options_));
  m.node->set_ignore_sync(options_.hosts_ignore_sync);
  checker_.Register(m.node.get());
  return id;
}

void SimCluster::StartMember(NodeId id) {
  SimNode& n = *members_.at(id).node;
  Status status = n.Start(options_.tuning, NodeSeed(id));
  if (!status.ok()) {
    checker_.Report("RestartSucceeds", "node " + std::to_string(id) + ": " + status.ToString());
    return;
  }
  checker_.OnStart(n);
  Trace({now_, TraceRecord::What::kRestart, 0, id, n.hard_state().term, n.hard_state().commit,
         n.applied(), static_cast<uint64_t>(n.incarnation())});
  AfterStep(id);
}

void SimCluster::CrashMember(NodeId id, double loss) {
  SimNode& n = *members_.at(id).node;
  checker_.OnCrash(n);
  size_t lost = n.Crash(&rng_, loss);
  stats_.lost_writes += lost;
  network_.DropTrafficTo(id);
  Trace({now_, TraceRecord::What::kCrash, 0, id, lost, n.hard_state().term, n.hard_state().commit,
         n.applied()});
  FlushDrops();
  checker_.CheckGlobal();
}

SimNode* SimCluster::Live(NodeId id) {
  auto it = members_.find(id);
  if (it == members_.end() || !it->second.node->alive()) return nullptr;
  return it->second.node.get();
}

const SimNode* SimCluster::node(NodeId id) const {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : it->second.node.get();
}

std::vector<NodeId> SimCluster::MemberIds(bool alive, bool include_retired) const {
  std::vector<NodeId> ids;
  for (const auto& [id, m] : members_) {
    if (alive && !m.node->alive()) continue;
    if (!include_retired && m.retired) continue;
    ids.push_back(id);
  }
  return ids;
}

std::vector<NodeId> SimCluster::live_members() const { return MemberIds(true, false); }

NodeId SimCluster::Pick(const std::vector<NodeId>& from, uint64_t pick) const {
  return from.empty() ? kNoNode : from[pick % from.size()];
}

NodeId SimCluster::Leader() const {
  NodeId best = kNoNode;
  uint64_t best_term = 0;
  for (const auto& [id, m] : members_) {
    const SimNode& n = *m.node;
    if (!n.alive() || n.soft_state().role != Role::kLeader) continue;
    if (n.hard_state().term > best_term) {
      best = id;
      best_term = n.hard_state().term;
    }
  }
  return best;
}

void SimCluster::Trace(const TraceRecord& record) {
  trace_[trace_next_ % trace_.size()] = record;
  ++trace_next_;
}

std::string SimCluster::TraceTail() const {
  std::ostringstream out;
  size_t count = std::min(trace_next_, trace_.size());
  for (size_t k = trace_next_ - count; k < trace_next_; ++k) {
    const TraceRecord& r = trace_[k % trace_.size()];
    out << "  t=" << r.tick << " ";
    switch (r.what) {
      case TraceRecord::What::kDeliver:
        out << MessageTypeName(static_cast<MessageType>(r.detail)) << " " << r.a << "->" << r.b
            << " term=" << r.c << " index=" << r.d << " entries/commit=" << r.e;
        break;
      case TraceRecord::What::kFault:
        out << "fault " << FaultName(static_cast<FaultKind>(r.detail)) << " target=" << r.a;
        break;
      case TraceRecord::What::kPropose:
        out << "propose at " << r.a << (r.b ? " conf-change" : "") << " -> "
            << (r.c ? "accepted" : "rejected");
        break;
      case TraceRecord::What::kCrash:
        out << "crash " << r.a << " (lost " << r.b << " unsynced writes; durable term=" << r.c
            << " commit=" << r.d << " applied=" << r.e << ")";
        break;
      case TraceRecord::What::kRestart:
        out << "start " << r.a << " term=" << r.b << " commit=" << r.c << " applied=" << r.d
            << " incarnation=" << r.e;
        break;
      case TraceRecord::What::kRetire:
        out << "retire " << r.a << " (applied its own removal)";
        break;
      case TraceRecord::What::kLeader:
        out << "leader " << r.a << " term=" << r.b << " last=" << r.c << " commit=" << r.d;
        break;
      case TraceRecord::What::kNote:
        out << "note a=" << r.a << " b=" << r.b;
        break;
    }
    out << "\n";
  }
  return out.str();
}

SimStats SimCluster::stats() const {
  SimStats s = stats_;
  s.ticks = now_;
  s.leader_terms = checker_.leader_terms();
  s.max_commit = checker_.max_commit();
  s.delivered = network_.delivered();
  s.dropped = network_.dropped();
  return s;
}

// ---- the step loop ----

void SimCluster::Round(bool faults) {
  if (violation().has_value()) return;
  ++now_;
  if (faults) {
    while (next_fault_ < schedule_.size() && schedule_[next_fault_].tick < now_) {
      InjectFault(schedule_[next_fault_++]);
      if (violation().has_value()) return;
    }
    Client();
    if (violation().has_value()) return;
  }
  std::vector<Message> due = network_.TakeDue(now_);
  FlushDrops();
  // Interleave one tick per live member with the deliveries.
  std::vector<std::pair<size_t, NodeId>> ticks;
  for (NodeId id : MemberIds(true, false)) ticks.push_back({rng_() % (due.size() + 1), id});
  std::stable_sort(ticks.begin(), ticks.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t next_tick = 0;
  for (size_t i = 0; i <= due.size(); ++i) {
    while (next_tick < ticks.size() && ticks[next_tick].first == i) {
      TickNode(ticks[next_tick++].second);
      if (violation().has_value()) return;
    }
    if (i < due.size()) {
      Deliver(due[i]);
      if (violation().has_value()) return;
    }
  }
  // What was sent without delay during this round arrives in this round,
  // up to a budget (a livelocked exchange must not stall the simulation; the
  // rest is delivered in later rounds).
  size_t budget = kDeliveriesPerRound;
  while (budget > 0) {
    std::vector<Message> more = network_.TakeDue(now_);
    FlushDrops();
    if (more.empty()) break;
    for (size_t i = 0; i < more.size(); ++i) {
      if (budget == 0) {
        // Over budget: put the rest back for the next round, in order.
        for (size_t j = i; j < more.size(); ++j) network_.Requeue(more[j], now_ + 1);
        break;
      }
      --budget;
      Deliver(more[i]);
      if (violation().has_value()) return;
    }
  }
}

void SimCluster::TickNode(NodeId id) {
  SimNode* n = Live(id);
  if (n == nullptr) return;
  n->raw()->Tick();
  AfterStep(id);
}

void SimCluster::Deliver(const Message& m) {
  SimNode* to = Live(m.to);
  if (to == nullptr) {
    if (m.type == MessageType::kSnap) {
      SimNode* from = Live(m.from);
      if (from != nullptr &&
          failed_snapshots_.insert({m.from, m.to, m.snapshot.meta.index}).second) {
        from->raw()->ReportSnapshot(m.to, false);
        AfterStep(m.from);
      }
    }
    return;
  }
  Trace({now_, TraceRecord::What::kDeliver, static_cast<uint8_t>(m.type), m.from, m.to, m.term,
         m.index, m.type == MessageType::kApp ? m.entries.size() : m.commit});
  if (m.type == MessageType::kSnap) ++stats_.snapshot_chunks;
  // Errors (unknown sender, bad message) are the core saying no: nothing
  // changed, and the checks below still run.
  Status ignored = to->raw()->Step(m);
  (void)ignored;
  AfterStep(m.to);
  if (m.type == MessageType::kSnap && m.chunk_last) {
    SimNode* from = Live(m.from);
    if (from != nullptr && !failed_snapshots_.count({m.from, m.to, m.snapshot.meta.index})) {
      from->raw()->ReportSnapshot(m.to, true);
      AfterStep(m.from);
    }
  }
}

void SimCluster::AfterStep(NodeId id) {
  if (SimNode* n = Live(id)) n->HandleReadies(this, &outbox_);
  for (Message& m : outbox_) {
    if (m.type == MessageType::kSnap && m.chunk_offset == 0) {
      failed_snapshots_.erase({m.from, m.to, m.snapshot.meta.index});
    }
    network_.Send(m, now_);
  }
  outbox_.clear();
  FlushDrops();
  RetirePending();
  checker_.CheckGlobal();
}

void SimCluster::FlushDrops() {
  // Reports can make senders send again, which can be dropped again; a few
  // rounds settle it, and anything left is reported next time.
  for (int round = 0; round < 4; ++round) {
    std::vector<DroppedMessage> dropped = network_.TakeDropped();
    if (dropped.empty()) return;
    std::set<NodeId> touched;
    for (const DroppedMessage& d : dropped) {
      const Message& m = d.message;
      SimNode* from = Live(m.from);
      if (from == nullptr) continue;
      if (m.type == MessageType::kSnap) {
        if (failed_snapshots_.insert({m.from, m.to, m.snapshot.meta.index}).second) {
          from->raw()->ReportSnapshot(m.to, false);
          touched.insert(m.from);
        }
      } else if (d.by_partition && m.type == MessageType::kApp) {
        from->raw()->ReportUnreachable(m.to);
        touched.insert(m.from);
      }
    }
    for (NodeId id : touched) {
      if (SimNode* n = Live(id)) n->HandleReadies(this, &outbox_);
    }
    for (Message& m : outbox_) {
      if (m.type == MessageType::kSnap && m.chunk_offset == 0) {
        failed_snapshots_.erase({m.from, m.to, m.snapshot.meta.index});
      }
      network_.Send(m, now_);
    }
    outbox_.clear();
  }
}

void SimCluster::RetirePending() {
  std::set<NodeId> retire;
  retire.swap(to_retire_);
  for (NodeId id : retire) {
    // Decide on the membership after the whole batch, and only when the group
    // agrees: a member replaying old history may pass through its own removal
    // and re-addition.
    Member& m = members_.at(id);
    if (!m.node->alive() || m.readded || !m.node->removed_self() ||
        InConf(checker_.latest_conf(), id)) {
      continue;
    }
    CrashMember(id, /*loss=*/0.0);  // a clean shutdown: everything written survives
    m.retired = true;
    Trace({now_, TraceRecord::What::kRetire, 0, id});
  }
}

// ---- phases ----

void SimCluster::RunTicks(uint64_t ticks) {
  for (uint64_t i = 0; i < ticks && !violation().has_value(); ++i) Round(/*faults=*/false);
}

void SimCluster::EndFaults() {
  network_.HealAll();
  network_.SetChaosEnabled(false);
  const ConfState& latest = checker_.latest_conf();
  for (auto& [id, m] : members_) {
    if (m.node->alive() || (m.retired && !InConf(latest, id))) continue;
    m.retired = false;
    StartMember(id);
    if (violation().has_value()) return;
  }
}

NodeId SimCluster::WaitForLeader(uint64_t max_ticks) {
  for (uint64_t i = 0; i <= max_ticks && !violation().has_value(); ++i) {
    NodeId leader = Leader();
    if (leader != kNoNode) {
      uint64_t term = Live(leader)->hard_state().term;
      bool highest = true;
      for (NodeId id : MemberIds(true, false)) {
        const SimNode* n = node(id);
        if (n->hard_state().term > term && InConf(Live(leader)->conf_state(), id)) highest = false;
      }
      if (highest) return leader;
    }
    if (i < max_ticks) Round(/*faults=*/false);
  }
  return kNoNode;
}

Status SimCluster::ProposeAt(NodeId id, const std::string& data) {
  SimNode* n = Live(id);
  if (n == nullptr) return Status::Unavailable("sim: node " + std::to_string(id) + " is down");
  Status status = n->raw()->Propose(data);
  AfterStep(id);
  return status;
}

Status SimCluster::ProposeBatchAt(NodeId id, const std::vector<std::string>& batch) {
  SimNode* n = Live(id);
  if (n == nullptr) return Status::Unavailable("sim: node " + std::to_string(id) + " is down");
  Status status;
  for (const std::string& data : batch) {
    status = n->raw()->Propose(data);
    if (!status.ok()) break;
  }
  AfterStep(id);
  return status;
}

bool SimCluster::ProposeAndWait(const std::string& data, uint64_t max_ticks) {
  awaited_ = data;
  awaited_applied_.clear();
  auto done = [&] {
    NodeId leader = Leader();
    if (leader == kNoNode) return false;
    for (NodeId v : Live(leader)->conf_state().voters) {
      if (!awaited_applied_.count(v)) return false;
    }
    return true;
  };
  uint64_t deadline = now_ + max_ticks;
  uint64_t next_try = now_;
  while (now_ < deadline && !violation().has_value()) {
    NodeId leader = Leader();
    if (leader != kNoNode && now_ >= next_try && !awaited_applied_.count(leader)) {
      Status status = Live(leader)->raw()->Propose(data);
      next_try = now_ + (status.ok() ? 5 * options_.tuning.election_tick : 1);
      AfterStep(leader);
    }
    if (done()) return true;
    Round(/*faults=*/false);
  }
  return done();
}

std::string SimCluster::DescribeMembers() const {
  std::ostringstream out;
  out << "leader=" << Leader() << "; latest membership: voters";
  for (NodeId v : checker_.latest_conf().voters) out << " " << v;
  out << " learners";
  for (NodeId l : checker_.latest_conf().learners) out << " " << l;
  out << "; members:";
  for (const auto& [id, m] : members_) {
    const SimNode& n = *m.node;
    out << " [" << id << (n.alive() ? "" : " down") << (m.retired ? " retired" : "")
        << " role=" << static_cast<int>(n.soft_state().role) << " term=" << n.hard_state().term
        << " vote=" << n.hard_state().vote << " commit=" << n.hard_state().commit
        << " applied=" << n.applied() << " last=" << n.storage().LastIndex() << " conf=v";
    for (NodeId v : n.conf_state().voters) out << v;
    out << "/l";
    for (NodeId l : n.conf_state().learners) out << l;
    out << (awaited_applied_.count(id) ? " has-it" : "") << "]";
  }
  return out.str();
}

SimResult SimCluster::Run() {
  for (uint64_t t = 0; t < options_.fault_ticks && !violation().has_value(); ++t) {
    Round(/*faults=*/true);
  }
  if (!violation().has_value()) EndFaults();
  uint64_t start = now_;
  if (!violation().has_value()) {
    NodeId leader = WaitForLeader(options_.recovery_ticks);
    if (leader == kNoNode && !violation().has_value()) {
      checker_.Report("Liveness", "no leader " + std::to_string(options_.recovery_ticks) +
                                      " ticks after faults ended; " + DescribeMembers());
    }
  }
  if (!violation().has_value()) {
    uint64_t left = options_.recovery_ticks - std::min(options_.recovery_ticks, now_ - start);
    std::string data = "liveness-" + std::to_string(options_.seed);
    if (!ProposeAndWait(data, std::max<uint64_t>(left, 1)) && !violation().has_value()) {
      checker_.Report("Liveness", "entry not applied on every voter within " +
                                      std::to_string(options_.recovery_ticks) +
                                      " ticks after faults ended; " + DescribeMembers());
    }
  }
  return SimResult{violation(), TraceTail(), stats()};
}

// ---- ReadyObserver ----

void SimCluster::OnReady(const SimNode& node, const Ready& ready) { checker_.OnReady(node, ready); }

void SimCluster::OnPersisted(const SimNode& node, const Ready& ready) {
  checker_.OnPersisted(node, ready);
  if (ready.soft_state.has_value() && ready.soft_state->role == Role::kLeader) {
    Trace({now_, TraceRecord::What::kLeader, 0, node.id(), node.hard_state().term,
           node.storage().LastIndex(), node.hard_state().commit});
    if (transfer_target_ == node.id()) {
      ++stats_.transfers;
      transfer_target_ = kNoNode;
    }
  }
}

void SimCluster::OnRestore(const SimNode& node, const SnapshotMeta& meta,
                           const std::vector<AppliedEntry>& image) {
  checker_.OnRestore(node, meta, image);
  ++stats_.restores;
  if (!awaited_.empty()) {
    for (const AppliedEntry& e : image) {
      if (e.data == awaited_) awaited_applied_.insert(node.id());
    }
  }
}

void SimCluster::OnApply(const SimNode& node, const Entry& entry, const ConfState* conf_state) {
  checker_.OnApply(node, entry, conf_state);
  if (conf_state != nullptr) {
    ++stats_.conf_changes;
    if (!InConf(*conf_state, node.id())) to_retire_.insert(node.id());
  } else if (!entry.data.empty()) {
    if (pending_.erase(entry.data) > 0) ++stats_.proposals_applied;
    if (entry.data == awaited_) awaited_applied_.insert(node.id());
  }
}

void SimCluster::OnReadState(const SimNode& node, const ReadState& read_state) {
  checker_.OnReadState(node, read_state);
  ++stats_.reads_served;
}

void SimCluster::OnHostError(const SimNode& node, std::string_view invariant, std::string detail) {
  checker_.OnHostError(node, invariant, std::move(detail));
}

}  // namespace shadekv::raft::sim
