// Raft: the protocol state machine behind RawNode (etcd's `raft` struct).
//
// Implements the Raft paper (Ongaro & Ousterhout, 2014) and the thesis
// (Ongaro, 2014): elections (§5.2) with PreVote (thesis §9.6) and CheckQuorum
// / leader lease (thesis §6.2, §9.6), log replication (§5.3) with the
// current-term commit rule (§5.4.2), snapshots (§7), single-server membership
// changes (thesis §4.1), leader transfer (thesis §3.10) and ReadIndex (thesis
// §6.4). It is split over raft.cc (term handling, elections, followers),
// raft_leader.cc (replication and leader-only features) and raft_messages.cc
// (validation of messages from the network).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/raft/progress.h"
#include "agent/raft/quorum.h"
#include "agent/raft/raft_log.h"
#include "agent/raft/read_only.h"
#include "shadekv/common/status.h"
#include "shadekv/raft/raw_node.h"

namespace shadekv::raft {

// Vote requests of a leader-transfer campaign carry this context: receivers
// then bypass the leader lease (thesis §3.10, §9.6).
inline constexpr char kTransferContext[] = "transfer";

// A follower that discards an out-of-order or mismatched snapshot chunk answers
// with a rejected kAppResp carrying this context (index = the snapshot's
// index), so the leader can tell it from a log-mismatch rejection.
inline constexpr char kSnapshotRejectContext[] = "snapshot";

// How many election timeouts the leader waits in snapshot state without the
// follower acknowledging the snapshot before it gives up and re-probes (the
// host may also call ReportSnapshot; etcd relies on that alone).
inline constexpr int kSnapshotTimeoutElections = 4;

class Raft {
 public:
  static Result<std::unique_ptr<Raft>> Create(const Config& config);

  void Tick();

  // Steps a message. Messages from the network must pass ValidateIncoming
  // first; local requests (kHup, kBeat, kProp with from == id, ...) are stepped
  // directly. Returns an error only for rejected proposals.
  Status Step(const Message& message);

  // Checks a message received from a peer (see raft_messages.cc for the rules).
  Status ValidateIncoming(const Message& message) const;

  Status Propose(std::string data, EntryType type);
  // Normal entries, in order, in one kProp.
  Status ProposeMany(std::vector<std::string> data);
  ConfState ApplyConfChange(const ConfChange& change);
  void ReadIndex(std::string ctx);
  void TransferLeader(NodeId transferee);
  void ReportSnapshot(NodeId peer, bool success);
  void ReportUnreachable(NodeId peer);

  // Ready plumbing (used by RawNode).
  std::vector<Message> TakeMessages() { return std::exchange(msgs_, {}); }
  std::vector<ReadState> TakeReadStates() { return std::exchange(read_states_, {}); }
  bool HasMessagesOrReads() const { return !msgs_.empty() || !read_states_.empty(); }
  RaftLog& log() { return log_; }
  const RaftLog& log() const { return log_; }

  HardState hard_state() const { return HardState{term_, vote_, log_.committed()}; }
  SoftState soft_state() const { return SoftState{lead_, role_}; }
  ConfState conf_state() const;
  NodeStatus GetStatus() const;
  NodeId id() const { return id_; }

 private:
  enum class CampaignKind { kPreElection, kElection, kTransfer };

  explicit Raft(const Config& config);

  // Role changes (§5.2).
  void Reset(uint64_t term);
  void BecomeFollower(uint64_t term, NodeId lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void ResetRandomizedElectionTimeout();

  // Elections.
  void Hup(CampaignKind kind);
  void Campaign(CampaignKind kind);
  VoteResult Poll(NodeId from, bool granted);
  void HandleVoteRequest(const Message& m);
  bool Promotable() const { return voters_.count(id_) != 0; }
  bool InConfig(NodeId node) const {
    return voters_.count(node) != 0 || learners_.count(node) != 0;
  }

  // Per-role message handling.
  Status StepLeader(const Message& m);
  Status StepCandidate(const Message& m);
  Status StepFollower(const Message& m);

  // Follower side of replication.
  void HandleAppendEntries(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleSnapshotChunk(const Message& m);
  bool Restore(const Snapshot& snapshot);

  // Leader side of replication (raft_leader.cc).
  Status LeaderPropose(const Message& m);
  void AppendEntries(std::vector<Entry> entries);
  bool MaybeSendAppend(NodeId to, bool send_if_empty);
  void SendAppend(NodeId to) { MaybeSendAppend(to, true); }
  bool SendSnapshot(NodeId to, PeerProgress& pr);
  void BcastAppend();
  void BcastHeartbeat();
  void BcastHeartbeatWithContext(const std::string& ctx);
  void SendHeartbeat(NodeId to, const std::string& ctx);
  bool MaybeCommit();
  void HandleAppendResponse(const Message& m, PeerProgress& pr);
  void HandleHeartbeatResponse(const Message& m, PeerProgress& pr);
  void HandleTransferLeader(NodeId transferee);
  void SendTimeoutNow(NodeId to);
  void AbortLeaderTransfer() { lead_transferee_ = kNoNode; }
  void TickHeartbeat();
  void TickElection();
  bool CommittedEntryInCurrentTerm() const;
  void HandleReadIndexRequest(const Message& m);
  void ReleasePendingReadIndexMessages();
  void RespondToRead(NodeId requester, uint64_t index, const std::string& ctx);
  void SetConfig(const ConfState& conf);
  void AddNode(NodeId node, bool learner);

  void Send(Message m);
  std::map<NodeId, uint64_t> MatchIndexes() const;

  // Configuration.
  const NodeId id_;
  const int election_timeout_;
  const int heartbeat_timeout_;
  const uint64_t max_size_per_msg_;
  const int max_inflight_;
  const uint64_t max_proposal_bytes_;
  const uint64_t max_snapshot_chunk_bytes_;
  const bool pre_vote_;
  const bool check_quorum_;

  // Persistent state (Figure 2).
  uint64_t term_ = 0;
  NodeId vote_ = kNoNode;
  RaftLog log_;

  // Volatile state.
  Role role_ = Role::kFollower;
  NodeId lead_ = kNoNode;
  std::set<NodeId> voters_;
  std::set<NodeId> learners_;
  std::map<NodeId, PeerProgress> progress_;  // every member; meaningful on the leader
  std::map<NodeId, bool> votes_;
  uint64_t pending_conf_index_ = 0;
  NodeId lead_transferee_ = kNoNode;
  ReadOnly read_only_;
  std::vector<Message> pending_read_index_messages_;

  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  std::mt19937_64 rng_;

  // Follower: snapshot chunks received so far (§7 InstallSnapshot `offset`).
  bool receiving_snapshot_ = false;
  Snapshot incoming_snapshot_;

  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;
};

}  // namespace shadekv::raft
