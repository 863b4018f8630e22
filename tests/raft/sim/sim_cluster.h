// A seeded, deterministic Raft cluster: real RawNodes, simulated hosts,
// network, faults and clients, with the invariant checker run after every
// step.
//
// Time is a tick counter. One round (Round()) injects the faults scheduled for
// the tick, lets the client propose and read, then interleaves one Tick() per
// live member with the deliveries due; every delivery or tick is one step,
// followed by the host performing the resulting Ready batches and by the
// invariant checks. Given the same options (seed included) a run makes
// exactly the same calls in the same order, so a seed replays a failure.
//
// Run() is the whole story: a fault phase, then recovery (heal, restart, calm
// network) and a liveness check. Tests that tell a particular story use the
// finer verbs (RunTicks, WaitForLeader, ProposeAndWait, network()).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/raft/sim/fault_schedule.h"
#include "tests/raft/sim/invariants.h"
#include "tests/raft/sim/sim_network.h"
#include "tests/raft/sim/sim_node.h"

namespace shadekv::raft::sim {

struct SimOptions {
  uint64_t seed = 1;
  int voters = 3;
  int learners = 0;               // founding learners, ids voters+1...
  uint64_t fault_ticks = 200;     // length of the fault phase
  uint64_t recovery_ticks = 400;  // bound for the liveness check after faults end
  FaultRates faults;
  NetworkChaos chaos;
  double unsynced_loss = 0.5;  // probability a crash loses some unsynced writes
  double proposal_rate = 0.3;  // new client proposals per tick
  double read_rate = 0.05;     // ReadIndex requests per tick
  size_t proposal_bytes = 24;  // padding in each proposal, to grow snapshots
  size_t min_voters = 2;       // remove-voter keeps at least this many
  size_t max_members = 7;      // add-learner creates at most this many members
  NodeTuning tuning;
  // Sabotage, to show the checker catches a host that breaks the contract:
  // hosts never sync, so crashes can lose terms, votes and acknowledged entries.
  bool hosts_ignore_sync = false;
  bool check_durability = true;  // see InvariantChecker::set_check_durability
};

struct SimStats {
  uint64_t ticks = 0;
  uint64_t leader_terms = 0;  // terms that had a leader
  uint64_t max_commit = 0;
  uint64_t crashes = 0;
  uint64_t lost_writes = 0;      // unsynced writes lost in crashes
  uint64_t restores = 0;         // snapshots installed from a leader
  uint64_t snapshot_chunks = 0;  // kSnap messages delivered
  uint64_t compactions = 0;
  uint64_t conf_changes = 0;       // conf change entries applied (by anyone)
  uint64_t transfers = 0;          // leader transfers that ended with the transferee leading
  uint64_t proposals_applied = 0;  // distinct client proposals applied somewhere
  uint64_t reads_served = 0;
  uint64_t delivered = 0;
  uint64_t dropped = 0;
};

struct SimResult {
  std::optional<Violation> violation;
  std::string trace_tail;  // the last steps before the end of the run
  SimStats stats;
};

class SimCluster : private ReadyObserver {
 public:
  explicit SimCluster(const SimOptions& options);
  ~SimCluster() override;

  // The fault phase, then recovery and the liveness check. Stops at the first
  // violation.
  SimResult Run();

  // Verbs for scripted stories. All of them stop early on a violation.
  void RunTicks(uint64_t ticks);
  // Runs until some live member leads the highest live term; kNoNode if none
  // does within max_ticks.
  NodeId WaitForLeader(uint64_t max_ticks);
  // Proposes data (re-proposing after losses) until every voter of the
  // leader's membership applied it. False if that takes more than max_ticks.
  bool ProposeAndWait(const std::string& data, uint64_t max_ticks);
  // Proposes data at member id and performs what follows; the Propose result.
  Status ProposeAt(NodeId id, const std::string& data);
  // Proposes every item, then performs what follows once (one Ready for the
  // whole batch, as a host that drains proposals before its Ready would).
  Status ProposeBatchAt(NodeId id, const std::vector<std::string>& batch);
  // Heals, calms the network and restarts every member that belongs.
  void EndFaults();

  NodeId Leader() const;  // the live leader of the highest live term, or kNoNode
  SimNetwork& network() { return network_; }
  const SimNode* node(NodeId id) const;
  std::vector<NodeId> live_members() const;
  const InvariantChecker& checker() const { return checker_; }
  const std::optional<Violation>& violation() const { return checker_.violation(); }
  SimStats stats() const;
  std::string TraceTail() const;
  // One line per member: up/down, role, hard state, applied, last index.
  std::string DescribeMembers() const;
  uint64_t now() const { return now_; }

 private:
  struct TraceRecord {
    uint64_t tick = 0;
    enum class What : uint8_t {
      kDeliver,
      kFault,
      kPropose,
      kCrash,
      kRestart,
      kRetire,
      kLeader,
      kNote
    };
    What what = What::kNote;
    uint8_t detail = 0;  // message type, fault kind
    uint64_t a = 0, b = 0, c = 0, d = 0, e = 0;
  };
  struct Member {
    std::unique_ptr<SimNode> node;
    bool retired = false;  // removed from the group and shut down
    bool readded = false;  // re-added; ignores replays of its old removal
  };

  // One tick of the whole cluster.
  void Round(bool faults);
  void InjectFault(const FaultEvent& fault);
  void Client();
  // One step: deliver a message, or tick a member; then hosts and checks.
  void Deliver(const Message& m);
  void TickNode(NodeId id);
  void AfterStep(NodeId id);
  void FlushDrops();
  void RetirePending();

  SimNode* Live(NodeId id);
  NodeId Pick(const std::vector<NodeId>& from, uint64_t pick) const;
  std::vector<NodeId> MemberIds(bool alive, bool include_retired) const;
  NodeId CreateMember();
  void StartMember(NodeId id);
  void CrashMember(NodeId id, double loss);
  bool ProposeChange(ConfChangeType type, NodeId target);
  void Trace(const TraceRecord& record);
  uint64_t NodeSeed(NodeId id) const;

  // ReadyObserver: forwards to the checker and keeps the cluster's books.
  void OnReady(const SimNode& node, const Ready& ready) override;
  void OnPersisted(const SimNode& node, const Ready& ready) override;
  void OnRestore(const SimNode& node, const SnapshotMeta& meta,
                 const std::vector<AppliedEntry>& image) override;
  void OnApply(const SimNode& node, const Entry& entry, const ConfState* conf_state) override;
  void OnReadState(const SimNode& node, const ReadState& read_state) override;
  void OnHostError(const SimNode& node, std::string_view invariant, std::string detail) override;

  const SimOptions options_;
  std::mt19937_64 rng_;
  SimNetwork network_;
  InvariantChecker checker_;
  std::map<NodeId, Member> members_;
  NodeId next_id_ = 1;
  uint64_t now_ = 0;
  std::vector<FaultEvent> schedule_;
  size_t next_fault_ = 0;

  // Client model: proposals not yet applied anywhere -> tick to (re)try.
  std::map<std::string, uint64_t> pending_;
  uint64_t next_proposal_ = 0;
  uint64_t next_read_ = 0;
  // Who applied the data ProposeAndWait is waiting for.
  std::string awaited_;
  std::set<NodeId> awaited_applied_;

  // Snapshot transfers that lost a chunk: (from, to, snapshot index).
  std::set<std::array<uint64_t, 3>> failed_snapshots_;
  std::vector<Message> outbox_;
  std::set<NodeId> to_retire_;
  NodeId transfer_target_ = kNoNode;

  SimStats stats_;
  std::vector<TraceRecord> trace_;  // ring buffer
  size_t trace_next_ = 0;
};

// "kApp", "kVoteResp", ...
std::string MessageTypeName(MessageType type);

}  // namespace shadekv::raft::sim
