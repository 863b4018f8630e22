// The plugin queue's promise: producers never wait, the consumer sees items
// in order, and Close/Clear let shutdown drain or drop with a bound.
#include "plugins/host/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace shadekv::plugin_host {
namespace {

using Clock = std::chrono::steady_clock;

TEST(BoundedQueueTest, RefusesWhenFullInsteadOfWaiting) {
  BoundedQueue<int> q(2);
  EXPECT_TRUE(q.TryPush(1));
  EXPECT_TRUE(q.TryPush(2));
  EXPECT_FALSE(q.TryPush(3));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_EQ(q.PopUntil(Clock::now()), 1);
  EXPECT_TRUE(q.TryPush(4));
  EXPECT_EQ(q.PopUntil(Clock::now()), 2);
  EXPECT_EQ(q.PopUntil(Clock::now()), 4);
}

TEST(BoundedQueueTest, PopTimesOutWhenEmpty) {
  BoundedQueue<int> q(1);
  auto start = Clock::now();
  EXPECT_FALSE(q.PopUntil(start + std::chrono::milliseconds(20)).has_value());
  EXPECT_GE(Clock::now() - start, std::chrono::milliseconds(20));
}

TEST(BoundedQueueTest, CloseWakesTheConsumerAndKeepsQueuedItems) {
  BoundedQueue<int> q(4);
  ASSERT_TRUE(q.TryPush(7));
  q.Close();
  EXPECT_FALSE(q.TryPush(8));
  auto far = Clock::now() + std::chrono::hours(1);
  EXPECT_EQ(q.PopUntil(far), 7);
  EXPECT_FALSE(q.PopUntil(far).has_value());  // closed and empty: returns at once
}

TEST(BoundedQueueTest, CloseWakesAWaitingConsumer) {
  BoundedQueue<int> q(1);
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    q.Close();
  });
  auto start = Clock::now();
  EXPECT_FALSE(q.PopUntil(start + std::chrono::seconds(30)).has_value());
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(10));
  closer.join();
}

TEST(BoundedQueueTest, ClearCountsWhatItDrops) {
  BoundedQueue<int> q(3);
  ASSERT_TRUE(q.TryPush(1));
  ASSERT_TRUE(q.TryPush(2));
  EXPECT_EQ(q.Clear(), 2u);
  EXPECT_EQ(q.size(), 0u);
}

TEST(BoundedQueueTest, ManyProducersOneConsumerLoseNothingThatWasAccepted) {
  BoundedQueue<int> q(64);
  constexpr int kPerProducer = 5000;
  std::atomic<int> accepted{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < 3; ++p) {
    producers.emplace_back([&] {
      for (int i = 0; i < kPerProducer; ++i) {
        if (q.TryPush(i)) accepted.fetch_add(1);
      }
    });
  }
  int popped = 0;
  std::thread consumer([&] {
    while (q.PopUntil(Clock::now() + std::chrono::seconds(10)).has_value()) ++popped;
  });
  for (auto& t : producers) t.join();
  q.Close();
  consumer.join();
  EXPECT_EQ(popped, accepted.load());
  EXPECT_GT(accepted.load(), 0);
}

}  // namespace
}  // namespace shadekv::plugin_host
