// Latency samples of a benchmark run in bounded memory: a log-linear
// histogram (HdrHistogram's layout with 64 sub-buckets per power of two), so
// a --duration run of hours costs the same few kilobytes as a short one and
// per-client histograms merge by adding counts. Values are nanoseconds.
//
// Precision: a value is kept exactly below 128 and otherwise in a bucket
// 1/64 of its power of two wide, so a reported percentile is at most 1/64
// (1.6 %) above the true sample; min and max are exact.
//
// Pure and not thread-safe: one histogram per client thread, merged after.
#pragma once

#include <array>
#include <cstdint>

namespace shadekv::bench {

struct LatencySummary {
  uint64_t count = 0;
  int64_t min = 0;
  int64_t mean = 0;
  int64_t p50 = 0;
  int64_t p90 = 0;
  int64_t p99 = 0;
  int64_t p999 = 0;
  int64_t max = 0;
};

class LatencyHistogram {
 public:
  // Negative values are recorded as 0 (a clock cannot run backwards, but a
  // difference of two stamps from different threads may be off by a tick).
  void Record(int64_t value_ns);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  // Nearest rank: the smallest bucket value with at least q of the samples at
  // or below it, capped at the exact max. 0 when empty; q in (0, 1].
  int64_t Percentile(double q) const;
  LatencySummary Summarize() const;

  // Bucket of a value, and the highest value that bucket holds (exposed for tests).
  static int BucketOf(int64_t value);
  static int64_t BucketHighest(int bucket);

 private:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per power of two
  // Values up to 2^63: 128 exact buckets, then 64 per power of two from 2^7.
  static constexpr int kBuckets = 128 + (63 - 7 + 1) * 64;

  std::array<uint64_t, kBuckets> counts_{};
  uint64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace shadekv::bench
