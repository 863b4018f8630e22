// Turns what the fan-out benchmark recorded (each put's send/ack time and
// revision, each watcher's deliveries in arrival order) into latency
// percentiles and a correctness tally. Pure: times are plain nanosecond
// counts from one steady clock, supplied by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shadekv::bench {

struct PutRecord {
  int64_t revision = 0;  // header.revision of the put's response
  int64_t sent_ns = 0;   // just before the request was written
  int64_t acked_ns = 0;  // once the whole response was read
};

struct Delivery {
  int64_t revision = 0;     // an event's kv.mod_revision
  int64_t received_ns = 0;  // when the bytes carrying it came off the socket
};

// Nearest-rank percentiles; all zero when count == 0.
struct Percentiles {
  size_t count = 0;
  int64_t p50 = 0;
  int64_t p90 = 0;
  int64_t p99 = 0;
  int64_t max = 0;
};

// Sorts `values` (taken by value) and picks nearest-rank percentiles.
Percentiles ComputePercentiles(std::vector<int64_t> values);

struct FanoutAnalysis {
  // delivered - acked over every (watcher, expected revision) first delivery.
  // The signed value can be negative (the event beat the put's response to
  // the client); the percentiles clamp it at 0 and `delivered_before_ack`
  // counts how often that happened.
  Percentiles ack_to_delivered;
  size_t delivered_before_ack = 0;
  Percentiles sent_to_delivered;
  Percentiles put_latency;  // acked - sent per put
  // Correctness, each must be 0 for a sound server:
  uint64_t missed = 0;        // expected (watcher, revision) pairs never delivered
  uint64_t duplicated = 0;    // a revision delivered again to the same watcher
  uint64_t out_of_order = 0;  // a revision delivered after a higher one
  uint64_t unexpected = 0;    // a revision no put of this run produced
};

// `puts` need not be sorted; every watcher is expected to receive every put's
// revision exactly once, in increasing order.
FanoutAnalysis AnalyzeFanout(const std::vector<PutRecord>& puts,
                             const std::vector<std::vector<Delivery>>& deliveries_per_watcher);

}  // namespace shadekv::bench
