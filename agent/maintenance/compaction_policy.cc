// etcd 3.4's periodic and revision compaction rules (v3compactor/periodic.go,
// revision.go), without the goroutines.
#include "agent/maintenance/compaction_policy.h"

#include <algorithm>

namespace shadekv::maintenance {
namespace {

constexpr milliseconds kOneHour{60 * 60 * 1000};
// etcd samples (and retries) ten times per compaction interval.
constexpr int kRetryDivisor = 10;

milliseconds CompactIntervalOf(milliseconds period) { return std::min(period, kOneHour); }

milliseconds RetryIntervalOf(milliseconds period) {
  // A period under 10 ms would give etcd a zero interval (a busy loop); one
  // millisecond is the smallest timer we have.
  return std::max(milliseconds(1), CompactIntervalOf(period) / kRetryDivisor);
}

}  // namespace

PeriodicCompactionPolicy::PeriodicCompactionPolicy(milliseconds period, PolicyTime start,
                                                   int64_t current_revision)
    : period_(period),
      compact_interval_(CompactIntervalOf(period)),
      retry_interval_(RetryIntervalOf(period)),
      retentions_(static_cast<size_t>(period / RetryIntervalOf(period)) + 1),
      last_success_(start),
      base_interval_(period) {
  Sample(current_revision);
}

void PeriodicCompactionPolicy::Sample(int64_t revision) {
  samples_.push_back(revision);
  // samples_.front() is then the revision of `period` ago.
  if (samples_.size() > retentions_) samples_.pop_front();
}

std::optional<int64_t> PeriodicCompactionPolicy::Poll(PolicyTime now, int64_t current_revision,
                                                      bool leader) {
  std::optional<int64_t> due;
  if (leader && now - last_success_ >= base_interval_) {
    // The first compaction waits the whole period; later ones come every
    // compaction interval.
    if (base_interval_ == period_) base_interval_ = compact_interval_;
    due = samples_.front();
  }
  // etcd samples at the top of its loop, i.e. after this tick's decision.
  Sample(current_revision);
  return due;
}

std::optional<int64_t> RevisionCompactionPolicy::Poll(int64_t current_revision, bool leader) const {
  if (!leader) return std::nullopt;
  const int64_t revision = current_revision - retention_;
  if (revision <= 0 || revision == last_compacted_) return std::nullopt;
  return revision;
}

}  // namespace shadekv::maintenance
