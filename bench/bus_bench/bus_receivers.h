// The bus side of the benchmark: N subscriber threads, each with its own
// bus subscriber driver (bus/subscriber/subscriber.h) on the publisher's
// PUB endpoint, recording every event the driver hands over: its revision,
// when it was handed over, and the send stamp in the value of the put that
// made it. Contiguity is the driver's promise; the benchmark checks it
// anyway from what was recorded.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/bus_bench/receipt_analysis.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

// What one subscriber went through besides its receipts.
struct BusReceiverCounters {
  uint64_t catchups = 0;          // catch-ups completed (a slow or late subscriber)
  uint64_t catchups_failed = 0;   // abandoned and retried
  uint64_t buffer_overflows = 0;  // live events dropped during a catch-up
  uint64_t malformed = 0;         // frames or bodies the driver rejected
  uint64_t snapshots = 0;         // snapshots installed (none expected)
  uint64_t unstamped = 0;         // events whose change carried no send stamp
  uint64_t event_bytes = 0;       // EVENT body bytes handed over
  uint64_t events = 0;
};

class BusReceivers {
 public:
  // Starts `count` subscriber threads on `bus`, each beginning after
  // `applied_revision`. kInvalidArgument from the driver on a bad endpoint.
  static Result<std::unique_ptr<BusReceivers>> Start(const std::string& bus, int count,
                                                     int64_t applied_revision,
                                                     const std::string& key_prefix);
  ~BusReceivers();  // stops and joins every thread

  // True once every subscriber has applied `revision`, false when
  // `deadline_ns` (SteadyNowNs clock) passed first. Polls every 5 ms.
  bool WaitAllApplied(int64_t revision, int64_t deadline_ns) const;
  // The lowest applied revision over all subscribers.
  int64_t MinApplied() const;

  // Stops and joins the threads; then the accessors below are stable.
  // Returns the first driver or consumer error, if any.
  Status Stop();
  const std::vector<std::vector<Receipt>>& receipts() const { return receipts_; }
  const std::vector<BusReceiverCounters>& counters() const { return counters_; }

 private:
  struct Slot;
  BusReceivers() = default;

  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  bool stopped_ = false;
  std::vector<std::vector<Receipt>> receipts_;
  std::vector<BusReceiverCounters> counters_;
};

}  // namespace shadekv::bench
