// The floor for the bus numbers: plain ZeroMQ PUB/SUB on 127.0.0.1 inside
// this process, one PUB thread sending `messages` two-frame messages
// ([topic "E"][body of message_bytes]) at the target rate through the same
// token bucket as the bus writer, to `subscribers` SUB threads. Each body
// carries its number and send stamp (stamped_value.h); receivers record
// receipts exactly as the bus receivers do. No agent, no Raft, no codec.
#pragma once

#include <cstdint>
#include <vector>

#include "bench/bus_bench/receipt_analysis.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

struct ZmqReferencePlan {
  int subscribers = 1;
  int messages = 1000;
  int rate_per_s = 1000;
  int burst = 100;  // as PutLoadPlan::burst
  int message_bytes = 64;
  int64_t deadline_ns = 0;  // SteadyNowNs clock
};

struct ZmqReferenceOutcome {
  std::vector<std::vector<Receipt>> receipts;  // per subscriber; seq 1..messages
  int64_t load_start_ns = 0;                   // first message sent
  int64_t load_end_ns = 0;                     // last message sent
  uint64_t malformed = 0;                      // bodies too short to carry a stamp
};

// Binds PUB on tcp://127.0.0.1:* (an ephemeral port), connects the SUBs,
// sends join probes (topic "J") until every SUB has seen one (ZeroMQ drops
// what a PUB sends before a SUB has joined), then the measured messages.
// Returns when every SUB got the last message or the deadline passed (then
// the receipts show what was lost). kUnavailable when a socket fails or the
// SUBs do not join before the deadline.
Result<ZmqReferenceOutcome> RunZmqReference(const ZmqReferencePlan& plan);

}  // namespace shadekv::bench
