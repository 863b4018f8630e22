// The bus benchmark's writer: `puts` puts at a target rate over `clients`
// keep-alive HTTP connections (one thread each) sharing one token bucket,
// each value stamped with its send time (stamped_value.h). A server slower
// than the rate makes the threads wait on their responses; the achieved rate
// is then lower, and the caller reports it as such.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/watch_fanout/fanout_analysis.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

struct PutLoadPlan {
  std::string host;
  int port = 0;
  std::string key_prefix;  // put i writes key_prefix + 8-digit i
  int puts = 0;
  int rate_per_s = 1000;
  // Sends that may leave back to back to make up for a stall (TokenBucket's
  // burst); slots missed beyond it are lost and lower the achieved rate.
  int burst = 100;
  int clients = 1;
  int value_bytes = 32;
  int64_t deadline_ns = 0;  // on SteadyNowNs()'s clock
};

// The steady clock in nanoseconds: the one clock of the whole benchmark.
int64_t SteadyNowNs();

// Runs the plan; returns once every thread finished. On success `records`
// holds one entry per put with its revision (not sorted). The first failure
// (transport error, non-200, unparsable response, deadline) stops every
// thread and is returned; `records` then holds the puts acknowledged so far.
// Never throws (Poco exceptions are caught here).
Status RunPutLoad(const PutLoadPlan& plan, std::vector<PutRecord>* records);

// header.revision of a range on `key`: the store's current revision.
Result<int64_t> CurrentRevision(const std::string& host, int port, int64_t deadline_ns);

}  // namespace shadekv::bench
