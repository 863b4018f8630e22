// The bucket as a virtual schedule: slot k is at start + k * interval, and a
// slot further in the past than the burst tolerance is moved up to it.
#include "bench/bus_bench/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace shadekv::bench {

TokenBucket::TokenBucket(double rate_per_s, int burst, int64_t start_ns)
    : interval_ns_(std::max<int64_t>(1, std::llround(1e9 / rate_per_s))),
      tolerance_ns_(interval_ns_ * (std::max(burst, 1) - 1)),
      next_slot_ns_(start_ns) {}

int64_t TokenBucket::Reserve(int64_t now_ns) {
  next_slot_ns_ = std::max(next_slot_ns_, now_ns - tolerance_ns_);
  const int64_t slot = next_slot_ns_;
  next_slot_ns_ += interval_ns_;
  return std::max(slot, now_ns);
}

}  // namespace shadekv::bench
