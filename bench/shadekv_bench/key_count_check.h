// The correctness check after a write workload: a count-only range on the
// run's prefix must find the keys the run wrote. A server that acknowledges
// writes it then loses (or a client that miscounts) fails loudly here.
#pragma once

#include <cstdint>
#include <string>

#include "bench/shadekv_bench/bench_flags.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

// Keys on `prefix` at `endpoint`, by a linearizable count-only range.
// kUnavailable on a transport failure or a non-200 answer.
Result<int64_t> CountKeysOnPrefix(const Endpoint& endpoint, const std::string& prefix,
                                  int timeout_ms);

// Pure verdict: `found` must equal `expected`, except that when some writes
// ended in an unknown outcome (`uncertain_writes`: the server may have
// applied them before the connection failed) more keys are accepted.
bool KeyCountMatches(int64_t expected, int64_t found, bool uncertain_writes);

}  // namespace shadekv::bench
