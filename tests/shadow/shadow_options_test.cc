// Flag parsing and retention decisions of shadekv-shadow (pure).
#include "shadow/daemon/shadow_options.h"

#include <gtest/gtest.h>

#include "shadow/daemon/retention.h"

namespace shadekv::shadow {
namespace {

using Kind = RetentionPolicy::Kind;

TEST(ShadowOptions, DefaultsNeedOnlyBus) {
  Result<ShadowOptions> o = ParseShadowOptions({"--bus", "tcp://127.0.0.1:2390"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->name, "shadow");
  EXPECT_EQ(o->data_dir, "shadow.shadow");
  EXPECT_EQ(o->listen_urls, std::vector<std::string>{"http://127.0.0.1:2479"});
  EXPECT_EQ(o->retention.kind, Kind::kAll);
  EXPECT_EQ(o->log_level, "info");
}

TEST(ShadowOptions, ParsesEveryFlagInBothForms) {
  Result<ShadowOptions> o = ParseShadowOptions(
      {"--name=s1", "--bus", "tcp://127.0.0.1:1,tcp://127.0.0.1:2", "--listen-client-urls",
       "http://127.0.0.1:0", "--retention=72h", "--log-level", "debug"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->name, "s1");
  EXPECT_EQ(o->data_dir, "s1.shadow");
  EXPECT_EQ(o->bus, (std::vector<std::string>{"tcp://127.0.0.1:1", "tcp://127.0.0.1:2"}));
  EXPECT_EQ(o->listen_urls, std::vector<std::string>{"http://127.0.0.1:0"});
  EXPECT_EQ(o->retention.kind, Kind::kDuration);
  EXPECT_EQ(o->retention.duration, std::chrono::hours(72));
  EXPECT_EQ(o->log_level, "debug");
}

TEST(ShadowOptions, CurveFlagsGoTogether) {
  Result<ShadowOptions> o =
      ParseShadowOptions({"--bus", "tcp://127.0.0.1:1", "--bus-curve-key", "keys/shadow",
                          "--bus-curve-server-key=keys/publisher.pub"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->bus_curve_key, "keys/shadow");
  EXPECT_EQ(o->bus_curve_server_keys, std::vector<std::string>{"keys/publisher.pub"});
  Result<ShadowOptions> half =
      ParseShadowOptions({"--bus", "tcp://127.0.0.1:1", "--bus-curve-key", "keys/shadow"});
  ASSERT_FALSE(half.ok());
  EXPECT_NE(half.status().message().find("go together"), std::string::npos);
  EXPECT_FALSE(ParseShadowOptions({"--bus", "tcp://127.0.0.1:1", "--bus-curve-key", "k",
                                   "--bus-curve-server-key", "a,b"})
                   .ok());
}

TEST(ShadowOptions, RejectsBadInputWithClearMessages) {
  struct Case {
    std::vector<std::string> args;
    std::string message_part;
  };
  const Case cases[] = {
      {{}, "--bus is required"},
      {{"--bus", "http://127.0.0.1:1"}, "not a tcp://host:port"},
      {{"--bus", "tcp://127.0.0.1:1,"}, "not a tcp://host:port"},
      {{"--bus", "tcp://127.0.0.1:99999"}, "not a tcp://host:port"},
      {{"--bus"}, "needs a value"},
      {{"--bus", "tcp://h:1", "--bogus", "1"}, "unknown flag --bogus"},
      {{"--bus", "tcp://h:1", "stray"}, "unexpected argument 'stray'"},
      {{"--bus", "tcp://h:1", "--listen-client-urls", "127.0.0.1:80"}, "not an http://host:port"},
      {{"--bus", "tcp://h:1", "--retention", "0"}, "at least 1 revision"},
      {{"--bus", "tcp://h:1", "--retention", "5x"}, "--retention '5x'"},
      {{"--bus", "tcp://h:1", "--retention", "0h"}, "above zero"},
      {{"--bus", "tcp://h:1", "--log-level", "loud"}, "--log-level 'loud'"},
      {{"--bus", "tcp://h:1", "--name", ""}, "--name must not be empty"},
      {{"--bus", "tcp://h:1", "--help=yes"}, "takes no value"},
  };
  for (const Case& c : cases) {
    Result<ShadowOptions> o = ParseShadowOptions(c.args);
    ASSERT_FALSE(o.ok()) << c.message_part;
    EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(o.status().message().find(c.message_part), std::string::npos) << o.status().message();
  }
}

TEST(ShadowOptions, HelpNeedsNothingElse) {
  Result<ShadowOptions> o = ParseShadowOptions({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->help);
}

TEST(Retention, ParsesCountsAndDurations) {
  EXPECT_EQ(ParseRetention("all")->kind, Kind::kAll);
  EXPECT_EQ(ParseRetention("100")->revisions, 100);
  EXPECT_EQ(ParseRetention("90m")->duration, std::chrono::minutes(90));
  EXPECT_EQ(ParseRetention("7d")->duration, std::chrono::hours(168));
  EXPECT_EQ(ParseRetention("250ms")->duration, std::chrono::milliseconds(250));
  EXPECT_FALSE(ParseRetention("").ok());
  EXPECT_FALSE(ParseRetention("-5").ok());
  EXPECT_FALSE(ParseRetention("h").ok());
}

TEST(Retention, KeepAllNeverCompacts) {
  LeaderTimes times;
  EXPECT_EQ(RetentionTarget(RetentionPolicy{}, 1000, 0, times, 0), 0);
}

TEST(Retention, RevisionCountKeepsTheLastN) {
  RetentionPolicy p{Kind::kRevisions, 100, {}};
  LeaderTimes times;
  EXPECT_EQ(RetentionTarget(p, 1000, 0, times, 0), 901);  // 901..1000 readable
  EXPECT_EQ(RetentionTarget(p, 1000, 901, times, 0), 0);  // already there
  EXPECT_EQ(RetentionTarget(p, 50, 0, times, 0), 0);      // fewer than N revisions
}

TEST(Retention, DurationKeepsTheStateAtNowMinusT) {
  RetentionPolicy p{Kind::kDuration, 0, std::chrono::milliseconds(1000)};
  LeaderTimes times;
  for (int64_t rev = 2; rev <= 11; ++rev) times.Add(rev, rev * 500);  // 1000 .. 5500 ms
  // now 4000: the newest revision at or before 3000 ms is 6.
  EXPECT_EQ(RetentionTarget(p, 11, 0, times, 4000), 6);
  EXPECT_EQ(RetentionTarget(p, 11, 6, times, 4000), 0);
  EXPECT_EQ(RetentionTarget(p, 11, 0, times, 1500), 0);  // nothing old enough
  times.Forget(6);
  EXPECT_EQ(times.size(), 6u);
  times.Add(5, 1);  // out of order: ignored
  EXPECT_EQ(times.size(), 6u);
}

}  // namespace
}  // namespace shadekv::shadow
