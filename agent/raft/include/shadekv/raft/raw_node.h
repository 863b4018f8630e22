// The Raft core: a deterministic state machine the host drives by calls.
//
// RawNode does no I/O. It has no clock (time is Tick() calls), no threads, no
// sockets, no files, and no global randomness (election jitter comes from
// Config::seed). Everything it wants done comes back in a Ready batch, which
// the host performs in the order documented on Ready and then acknowledges
// with Advance(). Given the same calls in the same order, it produces the same
// batches: that is what makes the simulation tests reproducible.
//
// Thread-safety: none. One thread owns a RawNode and calls everything on it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/raft/storage.h"
#include "shadekv/raft/types.h"

namespace shadekv::raft {

// Sent between members; the agent's transport encodes every field. Wire-
// visible: never renumber. Local-only kinds (kHup, kBeat) are never sent.
enum class MessageType : uint8_t {
  kHup = 0,              // local: start an election
  kBeat = 1,             // local: leader should send heartbeats
  kProp = 2,             // a proposal forwarded from a follower to the leader
  kApp = 3,              // AppendEntries (§5.3)
  kAppResp = 4,          //
  kVote = 5,             // RequestVote (§5.2)
  kVoteResp = 6,         //
  kPreVote = 7,          // PreVote (thesis §9.6)
  kPreVoteResp = 8,      //
  kSnap = 9,             // InstallSnapshot chunk (§7)
  kHeartbeat = 10,       //
  kHeartbeatResp = 11,   //
  kTransferLeader = 12,  // ask the leader to hand leadership to `from`'s target
  kTimeoutNow = 13,      // leader transfer: campaign now (thesis §3.10)
  kReadIndex = 14,       // a follower asks the leader for a read index (thesis §6.4)
  kReadIndexResp = 15,   //
  kSnapStatus = 16,      // local: host reports the outcome of sending a snapshot
  kUnreachable = 17,     // local: host reports a peer unreachable
};

struct Message {
  MessageType type = MessageType::kHup;
  NodeId from = kNoNode;
  NodeId to = kNoNode;
  uint64_t term = 0;
  uint64_t log_term = 0;  // kApp: term of the entry at `index`; votes: last log term
  uint64_t index = 0;     // kApp: index preceding `entries`; votes: last log index
  std::vector<Entry> entries;
  uint64_t commit = 0;
  bool reject = false;
  uint64_t reject_hint = 0;  // kAppResp reject: follower's hint for fast backtracking
  std::string context;       // kReadIndex*/kHeartbeat*: read request context; votes: transfer flag

  // kSnap only. A snapshot travels as one or more chunks of snapshot.data; the
  // meta is repeated on each. chunk_offset is where this chunk's bytes start in
  // the full image; chunk_last marks the final chunk.
  Snapshot snapshot;
  uint64_t chunk_offset = 0;
  bool chunk_last = true;

  friend bool operator==(const Message&, const Message&) = default;
};

enum class Role : uint8_t { kFollower, kPreCandidate, kCandidate, kLeader };

// Volatile state useful to the host (logging, metrics, routing requests).
struct SoftState {
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  friend bool operator==(const SoftState&, const SoftState&) = default;
};

// A linearizable read may be served once the host has applied `index`.
struct ReadState {
  uint64_t index = 0;
  std::string request_ctx;  // the ctx given to ReadIndex()
};

// One batch of work. The host performs it in exactly this order:
//   1. Persist: if snapshot is non-empty, install it in storage; append
//      `entries` to stable storage (replacing any conflicting suffix); then
//      save `hard_state` if set. Sync to disk if must_sync.
//   2. Send `messages` (only after step 1: they may promise what was persisted).
//   3. Apply: restore the state machine from `snapshot` if non-empty, then apply
//      `committed_entries` in order (calling ApplyConfChange for conf changes).
//      Serve `read_states` once their index is applied.
//   4. Call Advance() with this Ready.
// One exception to the order: the prefix of `committed_entries` that
// AppliableBeforePersist() counts may be applied before step 1. Those entries
// are committed and already in the host's stable log exactly as they are, so
// nothing in this batch can change them; applying them first answers their
// clients one disk write earlier. The state machine may then get ahead of the
// persisted commit index; Create() accepts that (see Config::applied).
struct Ready {
  std::optional<SoftState> soft_state;   // set when it changed since the last Ready
  std::optional<HardState> hard_state;   // set when it changed since the last Ready
  Snapshot snapshot;                     // a snapshot to install (received from the leader)
  std::vector<Entry> entries;            // to append to stable storage
  std::vector<Entry> committed_entries;  // to apply, in order
  std::vector<Message> messages;         // to send
  std::vector<ReadState> read_states;
  bool must_sync = false;  // entries or term/vote changed: fsync before sending
};

struct Config {
  NodeId id = kNoNode;
  // Ticks without hearing a leader before a follower campaigns; the actual
  // timeout is randomized in [election_tick, 2*election_tick) (§5.2).
  int election_tick = 10;
  int heartbeat_tick = 1;            // ticks between leader heartbeats
  const Storage* storage = nullptr;  // not owned; must outlive the RawNode
  // Index the host's state machine has already applied. It may exceed the
  // persisted commit index (entries applied before their batch's hard state
  // was written, see Ready) but not the stable log's last index: a state
  // machine applies only committed entries, so the node takes it as commit.
  uint64_t applied = 0;
  uint64_t max_size_per_msg = 1 << 20;    // bytes of entries in one kApp
  int max_inflight_msgs = 256;            // kApp messages in flight per follower
  uint64_t max_proposal_bytes = 2 << 20;  // Propose rejects larger data
  uint64_t max_snapshot_chunk_bytes = 1 << 20;
  bool pre_vote = true;
  bool check_quorum = true;
  uint64_t seed = 1;  // election jitter; give each member a different seed
};

// Replication state the leader keeps per member (etcd's Progress).
struct Progress {
  enum class State : uint8_t { kProbe, kReplicate, kSnapshot };
  uint64_t match = 0;
  uint64_t next = 0;
  State state = State::kProbe;
  bool learner = false;
  bool recent_active = false;
};

struct NodeStatus {
  NodeId id = kNoNode;
  HardState hard_state;
  SoftState soft_state;
  uint64_t applied = 0;
  uint64_t last_index = 0;
  ConfState conf_state;
  NodeId lead_transferee = kNoNode;
  std::map<NodeId, Progress> progress;  // only on the leader
};

// How many leading entries of ready.committed_entries the host may apply
// before persisting `ready` (see Ready), given the last index its stable log
// holds before this batch. Those are the entries at or below that index and
// below the first entry the batch writes (a batch may replace a suffix of the
// stable log). None when the batch installs a snapshot; the count stops
// before the first conf change, which is applied in the documented order.
size_t AppliableBeforePersist(const Ready& ready, uint64_t stable_last_index);

class RawNode {
 public:
  // Builds a node from storage's persisted state. Fails with kInvalidArgument
  // on a bad config (id 0, missing storage, heartbeat_tick >= election_tick)
  // and passes on storage errors.
  static Result<std::unique_ptr<RawNode>> Create(const Config& config);

  ~RawNode();
  RawNode(const RawNode&) = delete;
  RawNode& operator=(const RawNode&) = delete;

  // Advances logical time by one tick.
  void Tick();

  // Starts an election now (pre-vote first when enabled).
  void Campaign();

  // Proposes data to be appended to the log. Fails fast with kUnavailable
  // "raft: no leader" when no leader is known, kInvalidArgument when data is
  // larger than max_proposal_bytes, and kFailedPrecondition while a leader
  // transfer is in progress or when this member is a learner without a leader
  // to forward to. Success means "accepted for replication", not committed.
  Status Propose(std::string data);

  // Proposes several entries as one message, in order: one append and one
  // kApp per follower for all of them (a follower forwards them to the
  // leader as one message too), where proposing them one by one makes one
  // of each per entry. All or nothing: the same errors as Propose, for all;
  // kInvalidArgument when any one is larger than max_proposal_bytes, or
  // when `data` is empty.
  Status ProposeBatch(std::vector<std::string> data);

  // Proposes a membership change. Same errors as Propose, plus
  // kFailedPrecondition when another change is still pending (not applied).
  Status ProposeConfChange(const ConfChange& change);

  // Called by the host when it applies a committed kConfChange entry; returns
  // the membership now in force. The change takes effect here, not at commit.
  ConfState ApplyConfChange(const ConfChange& change);

  // Feeds a message received from a peer. Local message types and messages
  // from unknown senders are rejected with kInvalidArgument and change nothing.
  Status Step(const Message& message);

  // Requests a linearizable read point. A ReadState carrying ctx appears in a
  // later Ready once leadership is confirmed (or is dropped if it cannot be).
  void ReadIndex(std::string ctx);

  // Asks the leader to hand leadership to transferee (thesis §3.10).
  void TransferLeader(NodeId transferee);

  // Host reports: a message to peer could not be delivered.
  void ReportUnreachable(NodeId peer);
  // Host reports: the snapshot sent to peer was (not) fully delivered.
  void ReportSnapshot(NodeId peer, bool success);

  bool HasReady() const;
  // Returns the next batch. Call only when HasReady(); then perform it and call
  // Advance() before calling GetReady() again.
  Ready GetReady();
  void Advance(const Ready& ready);

  // Named GetStatus because a member called Status would hide shadekv::Status.
  NodeStatus GetStatus() const;

 private:
  class Impl;
  explicit RawNode(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ConfChange <-> Entry::data. Decoding rejects truncated or garbage bytes.
std::string EncodeConfChange(const ConfChange& change);
Result<ConfChange> DecodeConfChange(std::string_view data);

}  // namespace shadekv::raft
