// The shadow's own history retention (--retention), as pure decisions: which
// revision to compact at, given the policy, the mirror's position and the
// leader times of the events it applied. The daemon carries them out.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>

#include "shadow/daemon/shadow_options.h"

namespace shadekv::shadow {

// Leader times (Unix ms, from the events) of applied revisions, oldest
// first. Revisions must be added in increasing order; Forget drops those
// below a compaction. Not thread-safe: the writer thread owns it.
class LeaderTimes {
 public:
  void Add(int64_t revision, int64_t leader_time_ms);
  // Drops entries for revisions below `revision`.
  void Forget(int64_t below_revision);
  // After a snapshot install: the history before it is replaced wholesale.
  void Clear() { entries_.clear(); }
  // The highest revision whose leader time is <= time_ms; 0 when none is
  // known to be that old.
  int64_t RevisionAtOrBefore(int64_t time_ms) const;
  size_t size() const { return entries_.size(); }

 private:
  std::deque<std::pair<int64_t, int64_t>> entries_;  // (revision, leader time ms)
};

// The revision to compact the mirror at (history below it goes; the
// revision itself stays readable, as in etcd), or 0 for "nothing to do":
//  - kAll: never;
//  - kRevisions N: keep the last N revisions: applied - N + 1;
//  - kDuration T: the newest revision at least T old (now_ms - T), so the
//    state at that moment stays readable.
// Only a target above `compacted` (the last compaction) and at most
// `applied` is returned.
int64_t RetentionTarget(const RetentionPolicy& policy, int64_t applied, int64_t compacted,
                        const LeaderTimes& times, int64_t now_ms);

}  // namespace shadekv::shadow
