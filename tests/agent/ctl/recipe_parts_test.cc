// The process-level parts under lock/watch/elect, with real processes: the
// cancel token, child processes (death with the parent, kill on a lost lock,
// signal forwarding), and argument checks of the new commands in-process.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "agent/ctl/cancel_token.h"
#include "agent/ctl/child_process.h"
#include "agent/ctl/ctl.h"
#include "agent/ctl/signal_stopper.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::ctl {
namespace {

using std::chrono::milliseconds;

TEST(CancelTokenTest, StopRunsHooksOnceAndKeepsTheFirstReason) {
  CancelToken token;
  int runs = 0;
  uint64_t id = token.Register([&runs] { ++runs; });
  token.Stop("first");
  token.Stop("second");
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(token.stopped());
  EXPECT_EQ(token.reason(), "first");
  token.Unregister(id);
}

TEST(CancelTokenTest, RegisteringOnAStoppedTokenRunsTheHookAtOnce) {
  CancelToken token;
  token.Stop("done");
  bool ran = false;
  ScopedCancelHook hook(&token, [&ran] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST(CancelTokenTest, UnregisteredHooksDoNotRun) {
  CancelToken token;
  bool ran = false;
  {
    ScopedCancelHook hook(&token, [&ran] { ran = true; });
  }
  token.Stop("later");
  EXPECT_FALSE(ran);
}

TEST(CancelTokenTest, HooksMayReadTheReason) {
  CancelToken token;
  std::string seen;
  ScopedCancelHook hook(&token, [&] { seen = token.reason(); });
  token.Stop("why");
  EXPECT_EQ(seen, "why");
}

TEST(ChildProcessTest, LookPathUsesGoWording) {
  EXPECT_TRUE(LookPath("sh").ok());
  EXPECT_EQ(LookPath("no-such-command-xyz").status().message(),
            "exec: \"no-such-command-xyz\": executable file not found in $PATH");
}

TEST(ChildProcessTest, DescribesWaitStatusesLikeGo) {
  Result<int> three = RunChild({"sh", "-c", "exit 3"}, {}, {}, nullptr);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(DescribeWaitStatus(*three), "exit status 3");
  Result<int> killed = RunChild({"sh", "-c", "kill -9 $$"}, {}, {}, nullptr);
  ASSERT_TRUE(killed.ok());
  EXPECT_EQ(DescribeWaitStatus(*killed), "signal: killed");
}

TEST(ChildProcessTest, PassesEnvironmentBeforeAndAfterOurs) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("shadectl-env-" + std::to_string(getpid())))
          .string();
  Result<int> ran =
      RunChild({"sh", "-c", "echo \"$FIRST $LAST\" > " + path}, {"FIRST=a"}, {"LAST=z"}, nullptr);
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(*ran, 0);
  EXPECT_EQ(testing::ReadFile(path), "a z\n");
  std::filesystem::remove(path);
}

TEST(ChildProcessTest, ALostLockKillsTheWholeCommandGroup) {
  CancelToken token;
  std::thread stopper([&token] {
    std::this_thread::sleep_for(milliseconds(200));
    token.Stop("session expired");
  });
  const auto start = std::chrono::steady_clock::now();
  // The shell's own child (sleep) must die too: it is in the same group.
  Result<int> ran = RunChild({"sh", "-c", "sleep 30; echo never"}, {}, {}, &token);
  stopper.join();
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(DescribeWaitStatus(*ran), "signal: killed");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(ChildProcessTest, AnInterruptIsForwardedAsSigint) {
  CancelToken token;
  std::thread stopper([&token] {
    std::this_thread::sleep_for(milliseconds(200));
    token.Stop(kInterruptedReason);
  });
  Result<int> ran = RunChild({"sleep", "30"}, {}, {}, &token);
  stopper.join();
  ASSERT_TRUE(ran.ok());
  EXPECT_EQ(DescribeWaitStatus(*ran), "signal: interrupt");
}

TEST(ChildProcessTest, UnknownCommandFailsBeforeForking) {
  Result<int> ran = RunChild({"no-such-command-xyz"}, {}, {}, nullptr);
  EXPECT_EQ(ran.status().code(), StatusCode::kNotFound);
}

struct CtlRun {
  int code;
  std::string out;
  std::string err;
};

CtlRun Shadectl(const std::vector<std::string>& args) {
  std::istringstream in;
  std::ostringstream out, err;
  int code = RunShadectl(args, in, out, err);
  return {code, out.str(), err.str()};
}

// Argument errors are found before any request: no server needed.
TEST(NewCommandArgsTest, RejectBadArgumentsWithEtcdctlMessagesAndCodes) {
  Result<int> port = testing::PickFreePort();
  ASSERT_TRUE(port.ok());
  const std::string dead = "--endpoints=127.0.0.1:" + std::to_string(*port);
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string err;
  };
  const std::vector<Case> cases = {
      {{"lease", "grant"}, 128, "Error: lease grant command needs TTL argument\n"},
      {{"lease", "grant", "abc"},
       128,
       "Error: bad TTL (strconv.ParseInt: parsing \"abc\": invalid syntax)\n"},
      {{"lease", "revoke"}, 128, "Error: lease revoke command needs 1 argument\n"},
      {{"lease", "revoke", "zz"},
       128,
       "Error: bad lease ID arg (strconv.ParseInt: parsing \"zz\": invalid syntax), expecting "
       "ID in Hex\n"},
      {{"lease", "timetolive"},
       128,
       "Error: lease timetolive command needs lease ID as argument\n"},
      {{"lease", "keep-alive"},
       128,
       "Error: lease keep-alive command needs lease ID as argument\n"},
      {{"lock"},
       128,
       "Error: lock takes a lock name argument and an optional command to execute\n"},
      {{"elect"},
       128,
       "Error: elect takes one election name argument and an optional proposal argument\n"},
      {{"elect", "a", "b", "c"},
       128,
       "Error: elect takes one election name argument and an optional proposal argument\n"},
      {{"elect", "a"}, 128, "Error: no proposal argument but -l not set\n"},
      {{"watch"}, 128, "Error: bad number of arguments\n"},
      {{"watch", "a", "--"},
       128,
       "Error: bad number of arguments (found separator --, but no commands)\n"},
      {{"watch", "a", "b", "--prefix"},
       128,
       "Error: `range_end` and `--prefix` are mutually exclusive\n"},
      {{"lock", "x", "--ttl", "0"}, 128, "Error: --ttl must be a positive number of seconds\n"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = c.args;
    args.insert(args.begin(), dead);
    CtlRun r = Shadectl(args);
    EXPECT_EQ(r.code, c.code) << ::testing::PrintToString(c.args);
    EXPECT_EQ(r.err, c.err) << ::testing::PrintToString(c.args);
    EXPECT_EQ(r.out, "");
  }
}

TEST(NewCommandArgsTest, UnreachableServerIsAClearError) {
  Result<int> port = testing::PickFreePort();
  ASSERT_TRUE(port.ok());
  const std::string dead = "--endpoints=127.0.0.1:" + std::to_string(*port);
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{dead, "lease", "grant", "10"},
                                             {dead, "lease", "list"},
                                             {dead, "lease", "keep-alive", "1234"},
                                             {dead, "watch", "foo"},
                                             {dead, "lock", "l"},
                                             {dead, "elect", "e", "p"},
                                             {dead, "elect", "-l", "e"}}) {
    CtlRun r = Shadectl(args);
    EXPECT_NE(r.code, 0) << ::testing::PrintToString(args);
    EXPECT_NE(r.err.find("Error: "), std::string::npos) << ::testing::PrintToString(args);
    EXPECT_NE(r.err.find(std::to_string(*port)), std::string::npos)
        << ::testing::PrintToString(args) << r.err;
  }
}

}  // namespace
}  // namespace shadekv::ctl
