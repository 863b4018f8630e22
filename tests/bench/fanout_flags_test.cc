// watch_fanout_bench's flags: defaults, both spellings, and clear errors.
#include "bench/watch_fanout/fanout_flags.h"

#include <gtest/gtest.h>

namespace shadekv::bench {
namespace {

TEST(FanoutFlagsTest, DefaultsMatchTheIssue) {
  auto flags = ParseFanoutFlags({"--endpoint", "127.0.0.1:2379"});
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->host, "127.0.0.1");
  EXPECT_EQ(flags->port, 2379);
  EXPECT_EQ(flags->watchers, 1000);
  EXPECT_EQ(flags->puts, 500);
  EXPECT_EQ(flags->server_pid, 0);
  EXPECT_EQ(flags->label, "127.0.0.1:2379");
  EXPECT_TRUE(flags->key_prefix.empty());
}

TEST(FanoutFlagsTest, TakesBothSpellingsAndAnHttpUrl) {
  auto flags = ParseFanoutFlags({"--endpoint=http://localhost:32379/", "--watchers=5", "--puts",
                                 "7", "--key-prefix", "/p/", "--server-pid", "42", "--timeout-s=9",
                                 "--put-interval-ms", "3", "--label", "etcd"});
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->host, "127.0.0.1");
  EXPECT_EQ(flags->port, 32379);
  EXPECT_EQ(flags->watchers, 5);
  EXPECT_EQ(flags->puts, 7);
  EXPECT_EQ(flags->key_prefix, "/p/");
  EXPECT_EQ(flags->server_pid, 42);
  EXPECT_EQ(flags->timeout_s, 9);
  EXPECT_EQ(flags->put_interval_ms, 3);
  EXPECT_EQ(flags->label, "etcd");
}

TEST(FanoutFlagsTest, HelpNeedsNoEndpoint) {
  auto flags = ParseFanoutFlags({"--help"});
  ASSERT_TRUE(flags.ok());
  EXPECT_TRUE(flags->help);
  EXPECT_NE(FanoutUsage().find("--watchers"), std::string::npos);
}

TEST(FanoutFlagsTest, RejectsBadFlagsNamingTheProblem) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "--endpoint HOST:PORT is required"},
      {{"--endpoint", "127.0.0.1"}, "must be HOST:PORT"},
      {{"--endpoint", "example.com:80"}, "must be an IPv4 address"},
      {{"--endpoint", "127.0.0.1:0"}, "--endpoint port must be an integer in [1, 65535]"},
      {{"--endpoint", "127.0.0.1:1", "--watchers", "0"}, "--watchers must be an integer"},
      {{"--endpoint", "127.0.0.1:1", "--watchers", "12x"}, "got \"12x\""},
      {{"--endpoint", "127.0.0.1:1", "--puts", "-3"}, "--puts must be an integer"},
      {{"--endpoint", "127.0.0.1:1", "--timeout-s", "0"}, "--timeout-s must be an integer"},
      {{"--endpoint", "127.0.0.1:1", "--key-prefix", ""}, "--key-prefix must not be empty"},
      {{"--endpoint", "127.0.0.1:1", "--key-prefix", "\xff\xff"}, "no prefix end"},
      {{"--endpoint", "127.0.0.1:1", "--label", "a b"}, "--label must be"},
      {{"--endpoint", "127.0.0.1:1", "--puts"}, "flag --puts needs a value"},
      {{"--endpoint", "127.0.0.1:1", "--frobnicate", "1"}, "unknown flag --frobnicate"},
      {{"127.0.0.1:1"}, "unexpected argument"},
  };
  for (const auto& [args, expected] : cases) {
    auto flags = ParseFanoutFlags(args);
    ASSERT_FALSE(flags.ok()) << expected;
    EXPECT_EQ(flags.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(flags.status().message().find(expected), std::string::npos)
        << flags.status().message();
  }
}

}  // namespace
}  // namespace shadekv::bench
