// Automatic compaction policies, etcd 3.4's v3compactor rules as pure
// objects: the caller owns the timer and the clock and passes "now" in, so
// tests drive hours of policy in microseconds. No I/O, no threads.
//
// Both policies are polled every poll_interval(); Poll() returns the revision
// to compact when this member should propose a compaction now. Every member
// polls (periodic mode keeps sampling revisions on followers, as etcd's paused
// compactor does), only the leader gets a revision back.
//
// Not thread-safe: one owner thread polls and reports results.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace shadekv::maintenance {

using PolicyClock = std::chrono::steady_clock;
using PolicyTime = PolicyClock::time_point;
using std::chrono::milliseconds;

// --auto-compaction-mode periodic: keep `period` of history.
//
// Revisions are sampled every retry interval (min(period, 1h) / 10); the
// oldest sample kept is the revision of about `period` ago. Nothing is
// compacted during the first `period`; after that, compaction runs every
// min(period, 1h) at the oldest sample. A failed compaction is retried at
// the next poll (one retry interval later).
class PeriodicCompactionPolicy {
 public:
  // `period` > 0. `start` and `current_revision` give the first sample.
  PeriodicCompactionPolicy(milliseconds period, PolicyTime start, int64_t current_revision);

  // etcd's retry interval: how often Poll() must be called.
  milliseconds poll_interval() const { return retry_interval_; }
  // etcd's compaction interval after the first one: min(period, 1h).
  milliseconds compact_interval() const { return compact_interval_; }
  // How many samples are kept: period / retry interval + 1.
  size_t retentions() const { return retentions_; }

  // One timer tick at `now`. Returns the revision to compact when `leader`
  // and a compaction is due; then the caller reports the outcome with
  // OnCompacted() (success, or "required revision has been compacted")
  // or not at all (any other failure: retried at the next poll). Records
  // `current_revision` as the newest sample in every case.
  std::optional<int64_t> Poll(PolicyTime now, int64_t current_revision, bool leader);
  void OnCompacted(PolicyTime now) { last_success_ = now; }

  // The samples, oldest first (for tests and logs).
  const std::deque<int64_t>& samples() const { return samples_; }

 private:
  void Sample(int64_t revision);

  const milliseconds period_;
  const milliseconds compact_interval_;
  const milliseconds retry_interval_;
  const size_t retentions_;
  std::deque<int64_t> samples_;
  PolicyTime last_success_;
  // The whole period before the first compaction, compact_interval_ after.
  milliseconds base_interval_;
};

// --auto-compaction-mode revision: keep the last `retention` revisions.
//
// Every interval (etcd: 5 minutes), the leader compacts to current -
// retention, unless that is not positive or is the revision it compacted
// last time.
class RevisionCompactionPolicy {
 public:
  static constexpr milliseconds kDefaultInterval{5 * 60 * 1000};

  // `retention` > 0, `interval` > 0.
  explicit RevisionCompactionPolicy(int64_t retention, milliseconds interval = kDefaultInterval)
      : retention_(retention), interval_(interval) {}

  milliseconds poll_interval() const { return interval_; }

  // The revision to compact now, or nullopt. Report success (or "already
  // compacted") with OnCompacted(revision).
  std::optional<int64_t> Poll(int64_t current_revision, bool leader) const;
  void OnCompacted(int64_t revision) { last_compacted_ = revision; }

 private:
  const int64_t retention_;
  const milliseconds interval_;
  int64_t last_compacted_ = 0;
};

}  // namespace shadekv::maintenance
