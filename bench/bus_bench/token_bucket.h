// Pacing for the bus benchmark's load generators: a token bucket (in its
// GCRA form, one "next slot" instead of a token count) that spaces sends at a
// fixed rate and lets at most `burst` go at once after an idle spell. Pure
// and single-threaded: the caller supplies the time and holds the lock when
// several threads share one bucket.
#pragma once

#include <cstdint>

namespace shadekv::bench {

class TokenBucket {
 public:
  // rate_per_s > 0; burst >= 1 sends may leave back to back after the bucket
  // filled up while nobody asked.
  TokenBucket(double rate_per_s, int burst, int64_t start_ns);

  // Takes one token and returns when its send may start: `now_ns` when a
  // token is there, a later time when the caller must wait. A caller that
  // arrives late gets its slot at once (never a time in the past), but at
  // most `burst` late slots accumulate, so a stall is not followed by an
  // unbounded catch-up burst.
  int64_t Reserve(int64_t now_ns);

 private:
  int64_t interval_ns_;
  int64_t tolerance_ns_;  // (burst - 1) intervals
  int64_t next_slot_ns_;
};

}  // namespace shadekv::bench
