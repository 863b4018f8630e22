// Retention decisions for the shadow: pure arithmetic over positions.
#include "shadow/daemon/retention.h"

#include <algorithm>

namespace shadekv::shadow {

void LeaderTimes::Add(int64_t revision, int64_t leader_time_ms) {
  if (!entries_.empty() && revision <= entries_.back().first) return;  // never out of order
  entries_.emplace_back(revision, leader_time_ms);
}

void LeaderTimes::Forget(int64_t below_revision) {
  while (!entries_.empty() && entries_.front().first < below_revision) entries_.pop_front();
}

int64_t LeaderTimes::RevisionAtOrBefore(int64_t time_ms) const {
  // Leader times grow with revisions except across a leader change with a
  // skewed clock; the newest entry old enough is what "at time T" means.
  int64_t found = 0;
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->second <= time_ms) {
      found = it->first;
      break;
    }
  }
  return found;
}

int64_t RetentionTarget(const RetentionPolicy& policy, int64_t applied, int64_t compacted,
                        const LeaderTimes& times, int64_t now_ms) {
  int64_t target = 0;
  switch (policy.kind) {
    case RetentionPolicy::Kind::kAll:
      return 0;
    case RetentionPolicy::Kind::kRevisions:
      target = applied - policy.revisions + 1;
      break;
    case RetentionPolicy::Kind::kDuration:
      target = times.RevisionAtOrBefore(now_ms - policy.duration.count());
      break;
  }
  if (target <= compacted || target > applied || target < 2) return 0;
  return target;
}

}  // namespace shadekv::shadow
