// Percentiles and the correctness tally of the fan-out benchmark.
#include "bench/watch_fanout/fanout_analysis.h"

#include <gtest/gtest.h>

namespace shadekv::bench {
namespace {

TEST(ComputePercentilesTest, UsesNearestRank) {
  std::vector<int64_t> values;
  for (int64_t v = 100; v >= 1; --v) values.push_back(v);  // unsorted on purpose
  Percentiles p = ComputePercentiles(values);
  EXPECT_EQ(p.count, 100u);
  EXPECT_EQ(p.p50, 50);
  EXPECT_EQ(p.p90, 90);
  EXPECT_EQ(p.p99, 99);
  EXPECT_EQ(p.max, 100);

  Percentiles one = ComputePercentiles({7});
  EXPECT_EQ(one.p50, 7);
  EXPECT_EQ(one.p99, 7);
  EXPECT_EQ(ComputePercentiles({}).count, 0u);
}

// Two puts: revision 10 acked at t=100, revision 11 acked at t=200.
std::vector<PutRecord> TwoPuts() { return {{10, 50, 100}, {11, 150, 200}}; }

TEST(AnalyzeFanoutTest, MeasuresFromAckAndFromSendClampingEarlyDeliveries) {
  std::vector<std::vector<Delivery>> deliveries = {
      {{10, 130}, {11, 190}},  // 11 arrives 10 ns before its ack
      {{10, 100}, {11, 260}},
  };
  FanoutAnalysis a = AnalyzeFanout(TwoPuts(), deliveries);
  EXPECT_EQ(a.ack_to_delivered.count, 4u);
  EXPECT_EQ(a.delivered_before_ack, 1u);
  EXPECT_EQ(a.ack_to_delivered.p50, 0);  // sorted: 0 (clamped), 0, 30, 60
  EXPECT_EQ(a.ack_to_delivered.max, 60);
  EXPECT_EQ(a.sent_to_delivered.p50, 50);  // 40, 50, 80, 110
  EXPECT_EQ(a.sent_to_delivered.max, 110);
  EXPECT_EQ(a.put_latency.p50, 50);
  EXPECT_EQ(a.missed + a.duplicated + a.out_of_order + a.unexpected, 0u);
}

TEST(AnalyzeFanoutTest, CountsMissedDuplicatedOutOfOrderAndUnexpected) {
  std::vector<std::vector<Delivery>> deliveries = {
      {{10, 110}},                        // missed 11
      {{10, 110}, {10, 120}, {11, 210}},  // duplicated 10
      {{11, 210}, {10, 220}},             // 10 after 11
      {{9, 90}, {10, 110}, {11, 210}},    // 9 is not a put of this run
      {},                                 // missed both
  };
  FanoutAnalysis a = AnalyzeFanout(TwoPuts(), deliveries);
  EXPECT_EQ(a.missed, 3u);
  EXPECT_EQ(a.duplicated, 1u);
  EXPECT_EQ(a.out_of_order, 1u);
  EXPECT_EQ(a.unexpected, 1u);
  // Only first deliveries of expected revisions are latency samples.
  EXPECT_EQ(a.ack_to_delivered.count, 7u);
}

}  // namespace
}  // namespace shadekv::bench
