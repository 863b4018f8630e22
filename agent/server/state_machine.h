// What the Raft driver applies committed entries to.
//
// The driver owns ordering (persist, send, apply, advance) and request
// matching; the state machine owns meaning: it decodes an entry's payload,
// applies it to the store, and reports which request it answered. All methods
// are called on the driver's thread only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/raft/types.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::agent {

// The outcome of applying one normal entry.
struct AppliedEntry {
  uint64_t origin = 0;      // member that proposed it (0 if unknown)
  uint64_t request_id = 0;  // its request id, for the proposer's waiter
  // The request's verdict: a response, or the etcd error every member reached.
  Result<store::ApplyResult> result = Status::Internal("entry not applied");
};

class StateMachine {
 public:
  virtual ~StateMachine() = default;

  // Highest applied index; entries at or below it are skipped on replay.
  virtual uint64_t AppliedIndex() const = 0;

  // Applies a committed kNormal entry with a payload. A non-OK Status means
  // the store itself failed (disk, corruption): the driver stops the member,
  // since continuing would diverge from the other members.
  virtual Result<AppliedEntry> Apply(uint64_t index, std::string_view payload) = 0;

  // Applies committed kNormal entries with payloads at the consecutive
  // indexes first_index, first_index + 1, ...: one AppliedEntry per payload,
  // in order, each exactly what Apply would have returned for it. An
  // implementation may share one store write among them; this default
  // applies them one by one. A non-OK Status is a store failure as for
  // Apply (entries before the failing write may or may not be applied;
  // AppliedIndex() says which).
  virtual Result<std::vector<AppliedEntry>> ApplyRun(
      uint64_t first_index, const std::vector<std::string_view>& payloads) {
    std::vector<AppliedEntry> applied;
    applied.reserve(payloads.size());
    for (size_t i = 0; i < payloads.size(); ++i) {
      SHADEKV_ASSIGN_OR_RETURN(AppliedEntry one, Apply(first_index + i, payloads[i]));
      applied.push_back(std::move(one));
    }
    return applied;
  }

  // Records an entry that changes no key (the empty entry a new leader
  // appends) as applied.
  virtual Status MarkApplied(uint64_t index) = 0;

  // Records an applied membership change: `change` took effect at `index`,
  // leaving `conf_state`. The state machine keeps the member directory
  // (names, URLs) in its store so snapshots carry it.
  virtual Status ApplyConfChange(uint64_t index, const raft::ConfChange& change,
                                 const raft::ConfState& conf_state) = 0;

  // The state machine image as of AppliedIndex(), for a follower that needs a
  // snapshot.
  virtual Result<std::string> SnapshotImage() = 0;

  // Replaces the whole state with a snapshot received from the leader.
  virtual Status RestoreSnapshot(const raft::Snapshot& snapshot) = 0;
};

}  // namespace shadekv::agent
