// Raft's safety properties (paper Figure 3, thesis §3.6) as code, checked
// while the simulation runs. Modelled on LogCabin's RaftConsensusInvariants.
//
// The checker watches every Ready a host performs (it is the hosts'
// ReadyObserver) and keeps a little history: the leader of each term, every
// (index, term) any log ever held, every committed and every applied entry.
// Each property is checked incrementally where it can break, so checking after
// every simulation step stays cheap:
//  - ElectionSafety: at most one leader per term, across the whole run.
//  - LogMatching: two logs holding an entry with the same index and term hold
//    the same entries up to it (checked as: one content and one predecessor
//    term per (index, term), ever).
//  - LeaderCompleteness: an entry committed in term T is in the log of every
//    leader of a term > T (when it takes office, and when a later commit
//    becomes known while it leads).
//  - StateMachineSafety: no two members apply different entries at an index,
//    by applying entries or by restoring a snapshot image.
//  - CommittedEntryDurable: the highest committed entry is durable (synced) on
//    enough voters of the latest membership that no quorum lacks it.
//  - CommittedEntryNeverOverwritten / SnapshotNeverRollsBackCommit /
//    LeaderAppendOnly (a leader never rewrites its own log, §5.3).
//  - AppliedInOrder / AppliedWithinCommit: per incarnation, applied grows one
//    entry at a time and never passes the commit index the node has announced
//    (in the batch being performed: entries may be applied before the batch
//    carrying their commit is persisted).
//  - AppliedEntryInLog: a node applies only an entry its own log holds, with
//    the same term (an entry applied ahead of its batch's write must not be
//    one that batch replaces).
//  - AppliedWithinLog: a node restarts with applied at most its durable last
//    index; it may exceed the durable commit (the node takes it as commit).
//  - TermNeverDecreases / VoteStable / CommitNeverDecreases: per member, even
//    across crashes (the hard state must be synced before it is relied on).
//  - ReadyMustSync: a batch with entries or a new term or vote asks for sync.
//  - ReadIndexLinearizable: a read index covers every entry committed before
//    the read was requested.
//  - ConfStateAgreement: members that apply the same conf change entry end up
//    with the same membership.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/raft/sim/sim_node.h"

namespace shadekv::raft::sim {

struct Violation {
  std::string invariant;  // the property's name, as listed above
  std::string detail;     // what was seen, with node ids, indexes and terms
};

class InvariantChecker : public ReadyObserver {
 public:
  // initial is the membership every founding member starts with.
  explicit InvariantChecker(const ConfState& initial);

  // Members are registered once, when created, and must outlive the checker's
  // use. The checker only reads them.
  void Register(const SimNode* node);

  // Lifecycle of an incarnation; call after SimNode::Start / before Crash.
  void OnStart(const SimNode& node);
  void OnCrash(const SimNode& node);

  // A linearizable read with ctx was requested now.
  void OnReadRequested(const std::string& ctx);

  // Records a violation found outside the hosts (e.g. by a liveness check).
  void Report(std::string_view invariant, std::string detail) {
    Fail(invariant, std::move(detail));
  }

  // Turns CommittedEntryDurable off, so tests of the checker can see the
  // later consequences of lost writes (split votes, divergent logs).
  void set_check_durability(bool check) { check_durability_ = check; }

  // The checks that look at the whole cluster; run after every step.
  void CheckGlobal();

  // ReadyObserver.
  void OnReady(const SimNode& node, const Ready& ready) override;
  void OnPersisted(const SimNode& node, const Ready& ready) override;
  void OnRestore(const SimNode& node, const SnapshotMeta& meta,
                 const std::vector<AppliedEntry>& image) override;
  void OnApply(const SimNode& node, const Entry& entry, const ConfState* conf_state) override;
  void OnReadState(const SimNode& node, const ReadState& read_state) override;
  void OnHostError(const SimNode& node, std::string_view invariant, std::string detail) override;

  // The first violation seen, if any. Later ones are not recorded: they are
  // usually consequences of the first.
  const std::optional<Violation>& violation() const { return violation_; }

  uint64_t max_commit() const { return max_commit_; }
  // The leader of term, or kNoNode.
  NodeId LeaderOf(uint64_t term) const;
  uint64_t leader_terms() const { return leaders_.size(); }
  // Membership after the newest conf change applied by any member.
  const ConfState& latest_conf() const { return latest_conf_; }

 private:
  struct Track {  // what the checker remembers about one member
    uint64_t max_term = 0;
    NodeId vote = kNoNode;          // vote in max_term
    uint64_t commit = 0;            // this incarnation
    uint64_t announced_commit = 0;  // commit in the batch being performed
    uint64_t applied = 0;           // this incarnation
    bool leader = false;
    uint64_t leader_term = 0;
  };
  struct LogRecord {
    uint64_t content = 0;
    uint64_t prev_term = 0;
  };
  struct Committed {
    uint64_t term = 0;         // 0: not known (compacted where first seen)
    uint64_t commit_term = 0;  // observer's term when first seen committed (>= the real one)
  };

  void Fail(std::string_view invariant, std::string detail);
  void CheckHardState(const SimNode& node, const HardState& hs, std::string_view when);
  void RecordCommits(const SimNode& node, uint64_t from, uint64_t to);
  void CheckLeaderHasCommitted(const SimNode& leader, uint64_t term, uint64_t lo, uint64_t hi);
  void CheckApplied(const SimNode& node, uint64_t index, uint64_t term, EntryType type,
                    const std::string& data);

  std::optional<Violation> violation_;
  std::map<NodeId, const SimNode*> nodes_;
  std::map<NodeId, Track> tracks_;
  std::map<uint64_t, NodeId> leaders_;                              // term -> leader
  std::map<std::pair<uint64_t, uint64_t>, LogRecord> log_records_;  // (index, term)
  std::vector<Committed> committed_;                                // by index
  uint64_t max_commit_ = 0;
  std::vector<uint64_t> applied_;  // by index: content hash, 0 when none yet
  std::map<uint64_t, ConfState> conf_by_index_;
  uint64_t latest_conf_index_ = 0;
  ConfState latest_conf_;
  std::map<std::string, uint64_t> reads_;  // ctx -> commit index when requested
  bool check_durability_ = true;
};

}  // namespace shadekv::raft::sim
