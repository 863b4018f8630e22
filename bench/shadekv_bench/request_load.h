// The request/response workloads of shadekv-bench (put, range, txn-put,
// delete, lease-keepalive, mixed): an untimed setup (preloading keys,
// granting leases), an optional warm-up, then the measured phase, over
// --conns keep-alive connections shared by --clients threads, paced by one
// token bucket when --rate is set.
//
// Latency is measured per request from just before the client takes its
// connection to when the whole reply is read, so clients queueing on a shared
// connection see that wait, as callers of a real client library would.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "bench/shadekv_bench/bench_flags.h"
#include "bench/shadekv_bench/latency_histogram.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

struct LoadOutcome {
  uint64_t requests = 0;
  uint64_t ok = 0;
  std::map<std::string, uint64_t> errors;
  std::string first_error;
  double elapsed_s = 0;
  double client_cpu_s = 0;
  LatencyHistogram latency;
  // What the correctness check should find on the prefix afterwards
  // (-1 when the workload writes no keys), and how that number came about.
  int64_t expected_keys = -1;
  std::string expected_detail;
  // Whether a request of unknown outcome (transport error, non-200) may have
  // written a key anyway: the check then accepts more keys than expected.
  bool uncertain_writes = false;
};

// `prefix` is the run's key prefix (already checked with ValidateKeyLayout);
// `deadline_ns` (steady clock) bounds setup and run. Fails (and measures
// nothing) when setup fails: a preload put or a lease grant refused, or a
// server unreachable. Errors during the measured phase are counted by kind,
// not returned. `show_progress` prints a progress line on stderr.
Result<LoadOutcome> RunRequestLoad(const BenchFlags& flags, const std::string& prefix,
                                   int64_t deadline_ns, bool show_progress);

// Current user+system CPU seconds of this process.
double ProcessCpuSeconds();

}  // namespace shadekv::bench
