// Plain data types shared by the Raft core, its storage, and its hosts.
//
// These are values with no behaviour: the core produces and consumes them, the
// store persists Entry/HardState/ConfState/SnapshotMeta, and the agent's
// transport encodes Message on the wire. Enums here are persisted or sent on the
// wire: never renumber them, only append.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shadekv::raft {

// A member of the Raft group. 0 means "nobody" (no leader, no vote).
using NodeId = uint64_t;
inline constexpr NodeId kNoNode = 0;

// Persisted in every log entry. Never renumber.
enum class EntryType : uint8_t {
  kNormal = 0,      // data is an opaque command for the state machine (may be empty)
  kConfChange = 1,  // data is an encoded ConfChange (see conf_change.h)
};

// One slot of the replicated log (Raft paper §5.3).
struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  friend bool operator==(const Entry&, const Entry&) = default;
};

// What a member must remember across crashes before it answers anybody
// (Figure 2, "Persistent state on all servers"). commit is persisted too so a
// restarted member does not re-apply from scratch; it is not needed for safety.
struct HardState {
  uint64_t term = 0;
  NodeId vote = kNoNode;
  uint64_t commit = 0;

  bool empty() const { return term == 0 && vote == kNoNode && commit == 0; }
  friend bool operator==(const HardState&, const HardState&) = default;
};

// The membership in force: voters decide elections and commitment; learners
// receive the log but never vote or count toward a quorum (thesis §4.2.1).
struct ConfState {
  std::vector<NodeId> voters;
  std::vector<NodeId> learners;

  friend bool operator==(const ConfState&, const ConfState&) = default;
};

// Describes the state machine image that replaces the log prefix up to index.
struct SnapshotMeta {
  uint64_t index = 0;  // last log index the image includes
  uint64_t term = 0;   // term of that entry
  ConfState conf_state;

  friend bool operator==(const SnapshotMeta&, const SnapshotMeta&) = default;
};

// A full snapshot: metadata plus the opaque state machine image (the store's
// snapshot stream). empty() when no snapshot exists.
struct Snapshot {
  SnapshotMeta meta;
  std::string data;

  bool empty() const { return meta.index == 0; }
  friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

// Single-server membership changes (thesis §4.1), one at a time, effective when
// the entry carrying it is applied. Persisted inside entries: never renumber.
enum class ConfChangeType : uint8_t {
  kAddVoter = 0,    // add a voter, or promote an existing learner to voter
  kRemoveNode = 1,  // remove a voter or a learner
  kAddLearner = 2,  // add a non-voting member
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddVoter;
  NodeId node_id = kNoNode;
  std::string context;  // opaque to Raft; the agent puts the member's peer URL here

  friend bool operator==(const ConfChange&, const ConfChange&) = default;
};

}  // namespace shadekv::raft
