#include "agent/raft/progress.h"

#include <algorithm>

namespace shadekv::raft {

void Inflights::FreeLE(uint64_t index) {
  while (!queue_.empty() && queue_.front() <= index) queue_.pop_front();
}

void Inflights::FreeFirstOne() {
  if (!queue_.empty()) queue_.pop_front();
}

void PeerProgress::ResetState(State new_state) {
  probe_sent = false;
  pending_snapshot = 0;
  snapshot_ticks = 0;
  state = new_state;
  inflights.Reset();
}

void PeerProgress::BecomeProbe() {
  // Leaving snapshot state after the snapshot was delivered: the follower has
  // everything up to it, so probe right after it.
  if (state == State::kSnapshot) {
    const uint64_t pending = pending_snapshot;
    ResetState(State::kProbe);
    next = std::max(match + 1, pending + 1);
  } else {
    ResetState(State::kProbe);
    next = match + 1;
  }
}

void PeerProgress::BecomeReplicate() {
  ResetState(State::kReplicate);
  next = match + 1;
}

void PeerProgress::BecomeSnapshot(uint64_t snapshot_index) {
  ResetState(State::kSnapshot);
  pending_snapshot = snapshot_index;
}

bool PeerProgress::MaybeUpdate(uint64_t index) {
  bool updated = false;
  if (match < index) {
    match = index;
    updated = true;
    probe_sent = false;
  }
  next = std::max(next, index + 1);
  return updated;
}

bool PeerProgress::MaybeDecrTo(uint64_t rejected, uint64_t match_hint) {
  if (state == State::kReplicate) {
    // Stale if the rejected index is at or below what we know matches.
    if (rejected <= match) return false;
    next = match + 1;
    return true;
  }
  // Probe: only the answer to the probe we sent (previous index next-1) counts.
  if (next == 0 || next - 1 != rejected) return false;
  next = std::max<uint64_t>(std::min(rejected, match_hint + 1), 1);
  next = std::max(next, match + 1);
  probe_sent = false;
  return true;
}

bool PeerProgress::IsPaused() const {
  switch (state) {
    case State::kProbe:
      return probe_sent;
    case State::kReplicate:
      return inflights.Full();
    case State::kSnapshot:
      return true;
  }
  return true;
}

}  // namespace shadekv::raft
