// Turns what the bus benchmark's receivers recorded into the numbers it
// reports: per receiver a contiguity tally (every sequence number exactly
// once, increasing) and an event rate, and over all receivers the
// send -> receive and ack -> receive latency percentiles. The sequence is
// the store revision on the bus and the message number for plain ZeroMQ.
// Pure: times are nanoseconds on one steady clock, supplied by the caller.
#pragma once

#include <cstdint>
#include <vector>

#include "bench/watch_fanout/fanout_analysis.h"

namespace shadekv::bench {

struct Receipt {
  int64_t seq = 0;          // revision, or message number
  int64_t received_ns = 0;  // when the receiver got it
  int64_t sent_ns = 0;      // the stamp the sender put in it; < 0: none
};

// Each must be 0 for a sound run, `received` must equal the expected count.
struct SequenceTally {
  uint64_t received = 0;
  uint64_t missing = 0;       // expected numbers never received
  uint64_t duplicates = 0;    // a number received again
  uint64_t out_of_order = 0;  // a number received after a higher one
  uint64_t unexpected = 0;    // a number outside [first, last]
};

// Expects every number in [first, last] exactly once, in increasing order
// (first > last: expects nothing).
SequenceTally TallySequence(const std::vector<Receipt>& receipts, int64_t first, int64_t last);

struct ReceiverReport {
  SequenceTally tally;
  // received / (last receipt - load_start); 0 when nothing was received.
  double events_per_s = 0;
};

struct RunAnalysis {
  std::vector<ReceiverReport> receivers;
  SequenceTally total;  // summed over receivers
  double min_events_per_s = 0;
  double mean_events_per_s = 0;
  // received - sent stamp, over every receipt of every receiver; negative
  // values (impossible on one clock) are clamped at 0.
  Percentiles sent_to_received;
  // received - the put's ack time (bus only: empty without puts). An event
  // can beat the HTTP response to the client: the percentiles clamp at 0 and
  // `received_before_ack` counts how often.
  Percentiles acked_to_received;
  uint64_t received_before_ack = 0;
  Percentiles put_latency;  // acked - sent per put (bus only)
};

// `puts` may be empty (plain ZeroMQ) and need not be sorted.
RunAnalysis AnalyzeRun(const std::vector<std::vector<Receipt>>& per_receiver,
                       const std::vector<PutRecord>& puts, int64_t first, int64_t last,
                       int64_t load_start_ns);

}  // namespace shadekv::bench
