// Flags of shadekv-bench, modelled on etcd's `benchmark` tool so that a run
// reads the same against either server. Pure: parses an argument vector,
// touches no file, socket or clock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::bench {

enum class Workload { kPut, kRange, kTxnPut, kDelete, kWatch, kLeaseKeepalive, kMixed };

// "put", "range", "txn-put", "delete", "watch", "lease-keepalive", "mixed".
std::string WorkloadName(Workload workload);
Result<Workload> ParseWorkload(const std::string& name);

// True for the workloads whose keys are checked by a count on the prefix
// afterwards (every one that writes keys).
bool WritesKeys(Workload workload);

struct Endpoint {
  std::string host;  // IPv4 literal ("localhost" is accepted and mapped)
  int port = 0;
  std::string ToString() const { return host + ":" + std::to_string(port); }
};

enum class OutputFormat { kTable, kJson };

struct BenchFlags {
  bool help = false;
  Workload workload = Workload::kPut;
  std::vector<Endpoint> endpoints;  // at least one after a successful parse
  // Where the correctness check counts keys; the first endpoint by default.
  // Pointing it elsewhere is how a test proves the check catches missing keys.
  Endpoint check_endpoint;
  int conns = 1;          // keep-alive HTTP/1.1 connections, spread over the endpoints
  int clients = 1;        // threads issuing requests; client i uses connection i % conns
  int64_t total = 10000;  // requests; ignored when duration_s > 0
  double duration_s = 0;  // > 0: run for this long instead of `total` requests
  int key_size = 32;      // bytes per key, prefix included
  int val_size = 8;
  // At most 100M: write workloads keep one byte per key of the space to
  // know which keys the correctness check must find.
  int64_t key_space_size = 1;
  bool sequential_keys = false;
  double rate = 0;                // requests per second over all clients; 0 = as fast as possible
  int64_t warmup = 0;             // requests before the measured ones, not recorded
  std::string consistency = "l";  // range: "l" linearizable, "s" serializable
  double read_ratio = 0.5;        // mixed: share of ranges
  int watchers = 10;              // watch
  int writers = 1;                // watch
  int64_t lease_ttl = 60;         // lease-keepalive
  std::string prefix;             // key prefix; unique per run when empty
  OutputFormat output = OutputFormat::kTable;
  std::string label;     // tag in the output; the first endpoint by default
  int timeout_s = 600;   // bound on the whole run
  bool progress = true;  // progress line on stderr (only when it is a terminal)
  bool check = true;     // the correctness check after a write workload
  uint64_t seed = 1;     // random key choice
};

std::string BenchUsage();

// Accepts `--name value` and `--name=value`; `-w json` is `--write-out json`.
// Errors (kInvalidArgument) name the flag and the accepted range.
Result<BenchFlags> ParseBenchFlags(const std::vector<std::string>& args);

}  // namespace shadekv::bench
