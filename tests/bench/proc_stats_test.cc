// /proc parsing on fixed text, and on this very process.
#include "bench/watch_fanout/proc_stats.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <vector>

namespace shadekv::bench {
namespace {

TEST(ProcStatsTest, ParsesVmRss) {
  auto kb = ParseVmRssKb("Name:\tetcd\nVmPeak:\t  999 kB\nVmRSS:\t   112532 kB\nRssAnon:\t1 kB\n");
  ASSERT_TRUE(kb.ok()) << kb.status().ToString();
  EXPECT_EQ(*kb, 112532);
  EXPECT_FALSE(ParseVmRssKb("Name:\tkthreadd\n").ok());  // kernel threads have no VmRSS
  EXPECT_FALSE(ParseVmRssKb("VmRSS:\t12 MB\n").ok());
  EXPECT_FALSE(ParseVmRssKb("VmRSS:\tlots kB\n").ok());
}

TEST(ProcStatsTest, ParsesCpuTicksPastACommandNameWithSpacesAndParens) {
  // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
  auto ticks =
      ParseCpuTicks("4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 10 0 0 0 250 75 0 0\n");
  ASSERT_TRUE(ticks.ok()) << ticks.status().ToString();
  EXPECT_EQ(*ticks, 325);
  EXPECT_FALSE(ParseCpuTicks("4242 (x) S 1 2 3").ok());
  EXPECT_FALSE(ParseCpuTicks("no parens here").ok());
  EXPECT_FALSE(ParseCpuTicks("1 (x) S 1 1 1 0 -1 0 0 0 0 0 abc 1 0").ok());
}

TEST(ProcStatsTest, ReadsThisProcess) {
  std::vector<char> touched(8 << 20, 1);  // make sure there is resident memory to see
  auto rss = ReadVmRssKb(getpid());
  ASSERT_TRUE(rss.ok()) << rss.status().ToString();
  EXPECT_GE(*rss, 8 * 1024);
  auto cpu = ReadCpuSeconds(getpid());
  ASSERT_TRUE(cpu.ok()) << cpu.status().ToString();
  EXPECT_GE(*cpu, 0.0);
  EXPECT_EQ(touched[12345], 1);
}

TEST(ProcStatsTest, MissingProcessIsNotFound) {
  // PIDs above pid_max (at most 2^22) never exist.
  EXPECT_EQ(ReadVmRssKb(1 << 29).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ReadCpuSeconds(1 << 29).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace shadekv::bench
