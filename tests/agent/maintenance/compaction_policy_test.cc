// etcd 3.4's periodic and revision compaction rules, driven by a fake clock:
// the expectations follow etcd's v3compactor tests (periodic_test.go,
// revision_test.go) step by step.
#include "agent/maintenance/compaction_policy.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace shadekv::maintenance {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// A fake clock and revision counter around a periodic policy: each Tick
// advances one poll interval and the revision by `revs_per_tick`.
class PeriodicDriver {
 public:
  PeriodicDriver(milliseconds period, int64_t revs_per_tick)
      : now_(PolicyTime() + hours(1000)),
        revision_(1),
        revs_per_tick_(revs_per_tick),
        policy_(period, now_, revision_) {}

  // Advances one poll interval; returns the compaction due (and reports it
  // done when `succeed`).
  std::optional<int64_t> Tick(bool leader = true, bool succeed = true) {
    now_ += policy_.poll_interval();
    revision_ += revs_per_tick_;
    std::optional<int64_t> due = policy_.Poll(now_, revision_, leader);
    if (due && succeed) policy_.OnCompacted(now_);
    return due;
  }
  int64_t revision() const { return revision_; }
  PeriodicCompactionPolicy& policy() { return policy_; }

 private:
  PolicyTime now_;
  int64_t revision_;
  const int64_t revs_per_tick_;
  PeriodicCompactionPolicy policy_;
};

TEST(PeriodicCompactionPolicy, IntervalsFollowEtcdForShortAndLongPeriods) {
  PeriodicCompactionPolicy one_hour(hours(1), PolicyTime(), 1);
  EXPECT_EQ(one_hour.poll_interval(), minutes(6));
  EXPECT_EQ(one_hour.compact_interval(), hours(1));
  EXPECT_EQ(one_hour.retentions(), 11u);

  PeriodicCompactionPolicy day(hours(24), PolicyTime(), 1);
  EXPECT_EQ(day.poll_interval(), minutes(6));
  EXPECT_EQ(day.compact_interval(), hours(1));
  EXPECT_EQ(day.retentions(), 241u);  // 24h / 6min + 1

  PeriodicCompactionPolicy ten_minutes(minutes(10), PolicyTime(), 1);
  EXPECT_EQ(ten_minutes.poll_interval(), minutes(1));
  EXPECT_EQ(ten_minutes.compact_interval(), minutes(10));
  EXPECT_EQ(ten_minutes.retentions(), 11u);

  PeriodicCompactionPolicy five_seconds(seconds(5), PolicyTime(), 1);
  EXPECT_EQ(five_seconds.poll_interval(), milliseconds(500));
}

TEST(PeriodicCompactionPolicy, TinyPeriodNeverGivesAZeroInterval) {
  PeriodicCompactionPolicy p(milliseconds(5), PolicyTime(), 1);
  EXPECT_EQ(p.poll_interval(), milliseconds(1));
  EXPECT_EQ(p.retentions(), 6u);
}

TEST(PeriodicCompactionPolicy, WaitsAWholePeriodThenCompactsTheRevisionOfAPeriodAgo) {
  // 1h retention, 1 revision per 6-minute tick (etcd's TestPeriodicHourly shape).
  PeriodicDriver d(hours(1), 1);
  for (int i = 1; i < 10; ++i) EXPECT_EQ(d.Tick(), std::nullopt) << "tick " << i;
  // At exactly one hour the oldest sample is the start revision.
  std::optional<int64_t> first = d.Tick();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, 1);
  // Then every hour, the revision of one hour before.
  for (int hour = 2; hour <= 5; ++hour) {
    std::optional<int64_t> due;
    for (int i = 0; i < 10; ++i) {
      std::optional<int64_t> t = d.Tick();
      if (i < 9) {
        EXPECT_EQ(t, std::nullopt) << "hour " << hour << " tick " << i;
      } else {
        due = t;
      }
    }
    ASSERT_TRUE(due.has_value()) << "hour " << hour;
    // The oldest of 11 samples: the revision 10 ticks (one hour) ago.
    EXPECT_EQ(*due, d.revision() - 11) << "hour " << hour;
  }
}

TEST(PeriodicCompactionPolicy, LongPeriodWaitsThePeriodThenCompactsHourly) {
  // 24h: nothing for the first day; then every hour, the revision of 24h ago.
  PeriodicDriver d(hours(24), 10);
  const int ticks_per_day = 24 * 10;
  for (int i = 1; i < ticks_per_day; ++i) ASSERT_EQ(d.Tick(), std::nullopt) << "tick " << i;
  std::optional<int64_t> first = d.Tick();
  ASSERT_TRUE(first.has_value());
  // Samples kept: 241, so after 240 ticks the oldest is the start revision.
  EXPECT_EQ(*first, 1);
  for (int i = 1; i < 10; ++i) ASSERT_EQ(d.Tick(), std::nullopt) << "tick " << i;
  std::optional<int64_t> second = d.Tick();
  ASSERT_TRUE(second.has_value());
  // The oldest of 241 samples, taken 240 ticks (24h) before the latest
  // one... minus the one sampled after this decision: 241 ticks of 10.
  EXPECT_EQ(*second, d.revision() - 241 * 10);
  EXPECT_EQ(d.revision() - *second, 2410);
}

TEST(PeriodicCompactionPolicy, ShortPeriodCompactsEveryPeriod) {
  PeriodicDriver d(minutes(10), 3);
  int compactions = 0;
  int64_t last = 0;
  for (int i = 1; i <= 50; ++i) {
    if (std::optional<int64_t> due = d.Tick()) {
      ++compactions;
      EXPECT_EQ(i % 10, 0) << "compaction at tick " << i;
      EXPECT_GT(*due, last);
      last = *due;
    }
  }
  EXPECT_EQ(compactions, 5);
}

TEST(PeriodicCompactionPolicy, FollowerNeverCompactsButKeepsSampling) {
  PeriodicDriver d(hours(1), 1);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(d.Tick(/*leader=*/false), std::nullopt);
  EXPECT_EQ(d.policy().samples().size(), 11u);
  // Becoming leader after more than a period: compacts at once, the revision
  // of one period ago (sampled while following).
  std::optional<int64_t> due = d.Tick(true);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(*due, d.revision() - 11);
}

TEST(PeriodicCompactionPolicy, FailedCompactionIsRetriedAtTheNextPoll) {
  PeriodicDriver d(hours(1), 1);
  for (int i = 1; i < 10; ++i) ASSERT_EQ(d.Tick(), std::nullopt);
  std::optional<int64_t> failed = d.Tick(true, /*succeed=*/false);
  ASSERT_EQ(failed, std::optional<int64_t>(1));
  // Not reported done: due again one retry interval later, at the oldest
  // sample (still the start: 11 samples fit).
  EXPECT_EQ(d.Tick(true, /*succeed=*/false), std::optional<int64_t>(1));
  // Once the window slides, the retry moves on with it.
  std::optional<int64_t> retry = d.Tick(true, /*succeed=*/true);
  EXPECT_EQ(retry, std::optional<int64_t>(2));
  // Success restarts the hourly wait.
  for (int i = 1; i < 10; ++i) EXPECT_EQ(d.Tick(), std::nullopt) << "tick " << i;
  EXPECT_TRUE(d.Tick().has_value());
}

TEST(PeriodicCompactionPolicy, SamplesAreBoundedByRetentions) {
  PeriodicDriver d(minutes(30), 2);
  for (int i = 0; i < 100; ++i) (void)d.Tick(false);
  const std::deque<int64_t>& s = d.policy().samples();
  ASSERT_EQ(s.size(), 11u);
  for (size_t i = 1; i < s.size(); ++i) EXPECT_EQ(s[i] - s[i - 1], 2);
  EXPECT_EQ(s.back(), d.revision());
}

TEST(RevisionCompactionPolicy, CompactsCurrentMinusRetentionOnTheLeader) {
  RevisionCompactionPolicy p(10);
  EXPECT_EQ(p.poll_interval(), minutes(5));
  EXPECT_EQ(p.Poll(100, true), std::optional<int64_t>(90));
  EXPECT_EQ(p.Poll(100, false), std::nullopt);
}

TEST(RevisionCompactionPolicy, NothingWhileTheStoreIsSmallerThanTheRetention) {
  RevisionCompactionPolicy p(10, milliseconds(200));
  EXPECT_EQ(p.poll_interval(), milliseconds(200));
  EXPECT_EQ(p.Poll(1, true), std::nullopt);
  EXPECT_EQ(p.Poll(10, true), std::nullopt);
  EXPECT_EQ(p.Poll(11, true), std::optional<int64_t>(1));
}

TEST(RevisionCompactionPolicy, SameRevisionIsNotCompactedTwice) {
  RevisionCompactionPolicy p(5);
  std::optional<int64_t> due = p.Poll(20, true);
  ASSERT_EQ(due, std::optional<int64_t>(15));
  p.OnCompacted(*due);
  EXPECT_EQ(p.Poll(20, true), std::nullopt);  // no writes since
  EXPECT_EQ(p.Poll(21, true), std::optional<int64_t>(16));
}

TEST(RevisionCompactionPolicy, FailedCompactionIsRetried) {
  RevisionCompactionPolicy p(5);
  EXPECT_EQ(p.Poll(20, true), std::optional<int64_t>(15));
  // Not reported done: the same revision is due again.
  EXPECT_EQ(p.Poll(20, true), std::optional<int64_t>(15));
}

}  // namespace
}  // namespace shadekv::maintenance
