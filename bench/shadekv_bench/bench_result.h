// What one shadekv-bench run reports, and its two renderings: a table for
// people and JSON (-w json) for scripts such as bench/compare.sh. Pure.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "bench/shadekv_bench/latency_histogram.h"

namespace shadekv::bench {

struct BenchResult {
  std::string label;
  std::string workload;
  std::string endpoints;  // comma-separated, as given
  int conns = 0;
  int clients = 0;
  int key_size = 0;
  int val_size = 0;
  int64_t key_space_size = 0;
  double rate_limit = 0;    // requests/s asked for; 0 = none
  std::string consistency;  // range and mixed; "" otherwise

  uint64_t requests = 0;  // measured requests sent (warm-up excluded)
  uint64_t ok = 0;
  std::map<std::string, uint64_t> errors;  // by kind; sums to requests - ok
  std::string first_error;                 // "" when none
  double elapsed_s = 0;                    // measured phase
  double throughput = 0;                   // ok / elapsed_s
  LatencySummary latency;                  // of ok requests, nanoseconds
  double client_cpu_s = 0;                 // this process's user+sys over the measured phase

  // watch only (watchers == 0 otherwise)
  int watchers = 0;
  int writers = 0;
  uint64_t events_expected = 0;  // watchers x acknowledged puts
  uint64_t missed = 0;
  uint64_t duplicated = 0;
  uint64_t out_of_order = 0;
  int failed_streams = 0;
  LatencySummary put_latency;  // watch: the writers' puts; latency above is put-to-event

  // correctness check after a write workload
  bool check_ran = false;
  bool check_passed = false;
  int64_t check_expected = 0;
  int64_t check_found = 0;
  std::string check_detail;
};

// Aligned "name  value" lines, latencies in milliseconds with 3 decimals.
std::string FormatTable(const BenchResult& result);
// One JSON object on one line; latencies in milliseconds (numbers), counts as
// numbers, errors as an object {"kind":count}. Fields absent for other
// workloads (watch, check) are omitted.
std::string FormatJson(const BenchResult& result);

}  // namespace shadekv::bench
