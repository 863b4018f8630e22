// Bucket layout: values 0..127 map to themselves; a larger value with its
// highest set bit at position m (m >= 7) keeps its top 7 bits, so it lands in
// block m - 7 (64 buckets each) at offset (value >> (m - 6)) - 64.
#include "bench/shadekv_bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace shadekv::bench {

int LatencyHistogram::BucketOf(int64_t value) {
  if (value < 128) return static_cast<int>(std::max<int64_t>(value, 0));
  const int msb = 63 - std::countl_zero(static_cast<uint64_t>(value));
  const int shift = msb - kSubBits;
  const int sub = static_cast<int>(value >> shift) - 64;
  return 128 + (msb - 7) * 64 + sub;
}

int64_t LatencyHistogram::BucketHighest(int bucket) {
  if (bucket < 128) return bucket;
  const int block = (bucket - 128) / 64;
  const int sub = (bucket - 128) % 64 + 64;
  const int shift = block + 7 - kSubBits;
  const uint64_t highest = ((static_cast<uint64_t>(sub) + 1) << shift) - 1;
  return static_cast<int64_t>(std::min<uint64_t>(highest, INT64_MAX));
}

void LatencyHistogram::Record(int64_t value_ns) {
  const int64_t v = std::max<int64_t>(value_ns, 0);
  ++counts_[static_cast<size_t>(BucketOf(v))];
  if (count_ == 0 || v < min_) min_ = v;
  if (count_ == 0 || v > max_) max_ = v;
  ++count_;
  sum_ += static_cast<long double>(v);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  min_ = count_ == 0 ? other.min_ : std::min(min_, other.min_);
  max_ = count_ == 0 ? other.max_ : std::max(max_, other.max_);
  count_ += other.count_;
  sum_ += other.sum_;
}

int64_t LatencyHistogram::Percentile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // ceil(q * n) computed with a small tolerance so that 0.99 * 100 is 99, not 100.
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_) - 1e-9));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      return std::clamp(BucketHighest(static_cast<int>(i)), min_, max_);
    }
  }
  return max_;
}

LatencySummary LatencyHistogram::Summarize() const {
  LatencySummary s;
  s.count = count_;
  if (count_ == 0) return s;
  s.min = min_;
  s.mean = static_cast<int64_t>(std::llround(static_cast<double>(sum_ / count_)));
  s.p50 = Percentile(0.50);
  s.p90 = Percentile(0.90);
  s.p99 = Percentile(0.99);
  s.p999 = Percentile(0.999);
  s.max = max_;
  return s;
}

}  // namespace shadekv::bench
