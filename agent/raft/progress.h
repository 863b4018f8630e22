// What the leader knows about each member's log (etcd's tracker.Progress), and
// the flow control that bounds the AppendEntries it has in flight (§5.3 with
// the pipelining of thesis §10.2.1).
#pragma once

#include <cstdint>
#include <deque>

#include "shadekv/raft/raw_node.h"

namespace shadekv::raft {

// Last indexes of kApp messages sent but not yet acknowledged, oldest first.
class Inflights {
 public:
  explicit Inflights(int capacity) : capacity_(capacity > 0 ? capacity : 1) {}

  void Add(uint64_t last_index) { queue_.push_back(last_index); }
  // The follower acknowledged up to index: everything at or below is done.
  void FreeLE(uint64_t index);
  void FreeFirstOne();
  bool Full() const { return queue_.size() >= static_cast<size_t>(capacity_); }
  size_t Count() const { return queue_.size(); }
  void Reset() { queue_.clear(); }

 private:
  int capacity_;
  std::deque<uint64_t> queue_;
};

// The leader's view of one member. Probe: send one kApp at a time until the
// follower's match is found. Replicate: stream optimistically, bounded by
// inflights. Snapshot: the follower needs a snapshot; kApp is paused until it
// is acknowledged (§7).
class PeerProgress {
 public:
  using State = Progress::State;

  PeerProgress(uint64_t next, int max_inflight, bool learner)
      : next(next), learner(learner), inflights(max_inflight) {}

  void BecomeProbe();
  void BecomeReplicate();
  void BecomeSnapshot(uint64_t snapshot_index);

  // The follower acknowledged index; returns false when that is old news.
  bool MaybeUpdate(uint64_t index);
  // Replicate state: assume entries up to index will arrive.
  void OptimisticUpdate(uint64_t index) { next = index + 1; }
  // The follower rejected the kApp whose previous index was rejected; its
  // log suggests it matches at most match_hint. Returns false for a stale
  // rejection.
  bool MaybeDecrTo(uint64_t rejected, uint64_t match_hint);
  bool IsPaused() const;

  // Public Progress view for NodeStatus.
  Progress ToPublic() const { return Progress{match, next, state, learner, recent_active}; }

  uint64_t match = 0;
  uint64_t next = 0;
  State state = State::kProbe;
  bool learner = false;
  bool recent_active = false;
  // Probe state: a kApp is out; wait for its answer (or a heartbeat answer).
  bool probe_sent = false;
  // Snapshot state: index of the snapshot being sent, and ticks spent waiting.
  uint64_t pending_snapshot = 0;
  int snapshot_ticks = 0;
  Inflights inflights;

 private:
  void ResetState(State new_state);
};

}  // namespace shadekv::raft
