// Command-line flags of shadow_bench (docs/benchmarks.md "Shadow and audit").
// Pure: parsing only, so every bad flag gets its own message and nothing is
// started on bad input.
#pragma once

#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::bench {

enum class ShadowBenchMode {
  kLag,   // paced puts on the primary; one watch on the shadow, one on the primary
  kLoad,  // fill the primary with N keys in txn batches (the initial-sync data set)
  kPuts,  // unpaced (or paced) puts only: throughput and latency, for the audit overhead
};

struct ShadowBenchFlags {
  ShadowBenchMode mode = ShadowBenchMode::kLag;
  std::string primary_host;  // IPv4 literal ("localhost" is taken as 127.0.0.1)
  int primary_port = 0;
  std::string shadow_host;  // kLag only
  int shadow_port = 0;
  int events = 5000;       // kLag, kPuts: puts
  int rate = 1000;         // kLag, kPuts: target puts/s (token bucket); 0 = unpaced
  int burst_ms = 100;      // catch-up allowance after a stall (TokenBucket's burst, as time)
  int clients = 16;        // HTTP client threads, one keep-alive connection each
  int value_bytes = 32;    // at least the 24-byte send stamp
  int keys = 100000;       // kLoad: keys to write
  int batch = 128;         // kLoad: puts per txn
  int timeout_s = 120;     // bound on the whole run
  std::string key_prefix;  // empty: unique per run
  std::string label;       // copied into the RESULT line
  bool help = false;
};

// Parses argv[1..] ("--flag value" or "--flag=value"). --primary is always
// required, --shadow in lag mode only (refused elsewhere). Errors
// (kInvalidArgument) name the flag and the accepted range.
Result<ShadowBenchFlags> ParseShadowBenchFlags(const std::vector<std::string>& args);

std::string ShadowBenchUsage();

}  // namespace shadekv::bench
