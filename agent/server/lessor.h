// Lessor: the member's lease table (agent/lease/lease_table.h) behind a mutex
// and a monotonic clock. The apply thread changes the replicated part; the
// lease timer and HTTP threads use the leader-local part. Header-only: it is
// only a lock and a clock around the pure table.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <utility>

#include "agent/lease/lease_table.h"

namespace shadekv::agent {

class Lessor {
 public:
  explicit Lessor(lease::LeaseTableOptions options) : table_(options) {}

  // Runs f(table, now_ms) under the lock and returns its result. `f` must not
  // call back into the lessor or block.
  template <typename F>
  auto With(F&& f) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::forward<F>(f)(table_, NowMs());
  }

  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }

 private:
  std::mutex mu_;
  lease::LeaseTable table_;  // guarded by mu_
};

}  // namespace shadekv::agent
