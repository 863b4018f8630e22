// Counts hits over a sliding time window and reports the start of each
// burst (the count going above a limit) once, for the mass_delete and
// denied_burst rules. Pure: time is whatever the caller's events say.
//
// A hit at time t counts at time `now` while now - t < window_ms. Time never
// goes backwards here: a hit stamped earlier than one already seen (another
// leader's clock) counts at the latest time seen. A burst ends when the
// count is back at or below the limit; the next crossing is a new burst.
//
// Memory is bounded whatever the traffic: hits are forgotten as soon as the
// newer ones alone exceed the limit (they would leave the window first, so
// they cannot change any answer), and at most `max_attached` bodies are kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace shadekv::hunt {

class BurstWindow {
 public:
  BurstWindow(int64_t window_ms, int64_t limit, size_t max_attached)
      : window_ms_(window_ms), limit_(limit), max_attached_(max_attached) {}

  // Moves time to max(now, latest seen) and forgets hits that left the window.
  void Advance(int64_t now_ms);

  // Adds `weight` (>= 1) hits at the current time, caused by `body`. Returns
  // true when they start a burst: the count was at or below the limit and is
  // now above it. count() and attached() then describe the burst.
  bool Add(int64_t weight, std::string body);

  // Hits in the window (exact right after Add returned true; at least
  // limit + 1 once old hits were forgotten during a burst).
  int64_t count() const { return total_; }
  // Bodies that added to the window and are still in it.
  size_t bodies_in_window() const { return hits_.size(); }
  // The most recent of them, at most max_attached, oldest first.
  std::vector<std::string> attached() const;

  bool empty() const { return hits_.empty(); }
  bool in_burst() const { return in_burst_; }

 private:
  struct Hit {
    int64_t time_ms;
    int64_t weight;
  };
  bool Expired(int64_t time_ms) const;

  const int64_t window_ms_;
  const int64_t limit_;
  const size_t max_attached_;
  bool started_ = false;
  int64_t now_ms_ = 0;
  int64_t total_ = 0;
  bool in_burst_ = false;
  std::deque<Hit> hits_;
  std::deque<std::pair<int64_t, std::string>> recent_;  // (time, body), newest last
};

}  // namespace shadekv::hunt
