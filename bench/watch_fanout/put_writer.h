// The writer side of the fan-out benchmark: M puts under the watched prefix,
// one after another on one keep-alive HTTP connection, each stamped when
// sent and when acknowledged, with the revision the server assigned.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/watch_fanout/fanout_analysis.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

struct PutPlan {
  std::string host;
  int port = 0;
  std::string key_prefix;
  int puts = 0;
  int value_bytes = 16;
  int interval_ms = 0;
  int64_t deadline_ns = 0;  // on WatchStreamSet::NowNs()'s clock
};

// The key of put `i`: key_prefix + zero-padded i, so keys sort in put order.
std::string PutKey(const std::string& key_prefix, int i);

// Runs the plan on the calling thread. Stops early with an error when a put
// fails (transport error, non-200, unparsable response, revision not
// increasing) or the deadline passes; `records` then holds the puts that
// were acknowledged. Never throws (Poco exceptions are caught here).
Status RunPuts(const PutPlan& plan, std::vector<PutRecord>* records);

}  // namespace shadekv::bench
