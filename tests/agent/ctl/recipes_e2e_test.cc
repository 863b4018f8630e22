// watch, lease, lock and elect end to end: the built shadectl against a real
// server on 127.0.0.1, as real processes (background ones stopped by PID with
// SIGINT/SIGTERM, or SIGKILLed).
//
// RecipesE2eTest runs on every ServerKind with shadectl alone (etcdctl speaks
// gRPC, which shadekv does not serve); its expectations are etcdctl's output,
// pinned by ShadectlVsEtcdctlRecipesTest, which runs both tools against the
// same etcd and compares what they print.
#include <signal.h>

#include <chrono>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::ctl::testing {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kCommandDeadline{15000};
constexpr milliseconds kStartDeadline{30000};
constexpr milliseconds kOutputDeadline{10000};

std::string ServerKindName(const ::testing::TestParamInfo<ServerKind>& info) {
  return info.param == ServerKind::kEtcd ? "Etcd" : "Shadekv";
}

// Starts the server of `kind`; for shadekv the caller skips first.
Result<std::unique_ptr<EtcdProcess>> StartServer(ServerKind kind) {
  if (kind == ServerKind::kEtcd) return EtcdProcess::Start("recipes", kStartDeadline);
  return EtcdProcess::StartShadekv(SHADEKV_PATH, "recipes", kStartDeadline);
}

class ServerTest {
 protected:
  ProcessResult Shadectl(std::vector<std::string> args, milliseconds deadline = kCommandDeadline) {
    args.insert(args.begin(), {SHADECTL_PATH, "--endpoints=" + server_->endpoint()});
    ProcessResult r = RunProcess(args, "", {}, deadline);
    EXPECT_FALSE(r.timed_out) << "shadectl timed out: " << ::testing::PrintToString(args);
    return r;
  }

  std::unique_ptr<BackgroundProcess> Background(std::vector<std::string> args) {
    args.insert(args.begin(), {SHADECTL_PATH, "--endpoints=" + server_->endpoint()});
    auto p = BackgroundProcess::Start(args, {});
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? std::move(p).value() : nullptr;
  }

  // The store's current revision, from a get's JSON header.
  int64_t Revision() {
    ProcessResult r = Shadectl({"get", "any-key", "-w", "json"});
    std::smatch m;
    if (!std::regex_search(r.out, m, std::regex("\"revision\":([0-9]+)"))) {
      ADD_FAILURE() << "no revision in " << r.out;
      return 0;
    }
    return std::stoll(m[1]);
  }

  void Put(const std::string& key, const std::string& value) {
    ASSERT_EQ(Shadectl({"put", key, value}).out, "OK\n");
  }

  // The hex lease ID in "lease <id> granted with TTL(Ns)".
  std::string Grant(int ttl) {
    ProcessResult r = Shadectl({"lease", "grant", std::to_string(ttl)});
    std::smatch m;
    if (!std::regex_match(r.out, m,
                          std::regex("lease ([0-9a-f]{16}) granted with TTL\\(([0-9]+)s\\)\n"))) {
      ADD_FAILURE() << "unexpected grant output: " << r.out << r.err;
      return "";
    }
    return m[1];
  }

  // Waits for the exit and returns its code (-3 when it did not exit in time).
  static int ExitCode(BackgroundProcess& p, milliseconds deadline = kOutputDeadline) {
    Result<int> code = p.Wait(deadline);
    EXPECT_TRUE(code.ok()) << "still running; stderr: " << p.err();
    return code.ok() ? *code : -3;
  }

  std::unique_ptr<EtcdProcess> server_;
};

class RecipesE2eTest : public ::testing::TestWithParam<ServerKind>, public ServerTest {
 protected:
  void SetUp() override {
    auto server = StartServer(GetParam());
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }
};

INSTANTIATE_TEST_SUITE_P(Servers, RecipesE2eTest,
                         ::testing::Values(ServerKind::kEtcd, ServerKind::kShadekv),
                         ServerKindName);

TEST_P(RecipesE2eTest, WatchReplaysHistoryFromARevision) {
  Put("foo", "a");
  const int64_t first = Revision();
  Put("foo", "b");
  Put("food", "c");
  ASSERT_EQ(Shadectl({"del", "foo"}).out, "1\n");
  auto plain = Background({"watch", "foo", "--rev", std::to_string(first)});
  auto prefix =
      Background({"watch", "fo", "--prefix", "--prev-kv", "--rev", std::to_string(first)});
  ASSERT_TRUE(plain && prefix);
  const std::string plain_expected = "PUT\nfoo\na\nPUT\nfoo\nb\nDELETE\nfoo\n\n";
  const std::string prefix_expected =
      "PUT\nfoo\na\nPUT\nfoo\na\nfoo\nb\nPUT\nfood\nc\nDELETE\nfoo\nb\nfoo\n\n";
  EXPECT_TRUE(plain->WaitForOutput(plain_expected, kOutputDeadline)) << plain->out();
  EXPECT_TRUE(prefix->WaitForOutput(prefix_expected, kOutputDeadline)) << prefix->out();
  plain->Signal(SIGINT);
  prefix->Signal(SIGTERM);
  EXPECT_EQ(ExitCode(*plain), 0);
  EXPECT_EQ(ExitCode(*prefix), 0);
  EXPECT_EQ(plain->out(), plain_expected);
  EXPECT_EQ(prefix->out(), prefix_expected);
  EXPECT_EQ(plain->err(), "");
}

TEST_P(RecipesE2eTest, WatchStreamsLiveEventsInOrder) {
  // --rev pins the start, so the watcher sees every write below however late
  // it connects.
  const int64_t next = Revision() + 1;
  auto watcher = Background({"watch", "k", "--rev", std::to_string(next)});
  ASSERT_TRUE(watcher);
  std::string expected;
  for (int i = 0; i < 20; ++i) {
    Put("k", "v" + std::to_string(i));
    expected += "PUT\nk\nv" + std::to_string(i) + "\n";
  }
  EXPECT_TRUE(watcher->WaitForOutput(expected, kOutputDeadline)) << watcher->out();
  watcher->Signal(SIGINT);
  EXPECT_EQ(ExitCode(*watcher), 0);
  EXPECT_EQ(watcher->out(), expected);
}

TEST_P(RecipesE2eTest, WatchResumesAfterTheServerIsKilledAndMissesNothing) {
  const int64_t next = Revision() + 1;
  auto watcher = Background({"watch", "r", "--rev", std::to_string(next)});
  ASSERT_TRUE(watcher);
  std::string expected;
  for (int i = 0; i < 5; ++i) {
    Put("r", "before" + std::to_string(i));
    expected += "PUT\nr\nbefore" + std::to_string(i) + "\n";
  }
  ASSERT_TRUE(watcher->WaitForOutput(expected, kOutputDeadline)) << watcher->out();
  // SIGKILL the server under the watcher; it comes back on the same port.
  Status restarted = server_->Restart(kStartDeadline);
  ASSERT_TRUE(restarted.ok()) << restarted.message();
  for (int i = 0; i < 5; ++i) {
    Put("r", "after" + std::to_string(i));
    expected += "PUT\nr\nafter" + std::to_string(i) + "\n";
  }
  EXPECT_TRUE(watcher->WaitForOutput(expected, milliseconds(20000))) << watcher->out();
  watcher->Signal(SIGINT);
  EXPECT_EQ(ExitCode(*watcher), 0);
  EXPECT_EQ(watcher->out(), expected);  // every event once, in order
}

// A watch from a past revision may batch events into one response (etcd
// does); each watcher below watches a key with exactly one event after its
// start revision, so the expected text does not depend on batching.
TEST_P(RecipesE2eTest, WatchJsonPrintsEtcdctlsResponseObject) {
  Put("gone", "0");
  Put("j", "1");
  const int64_t rev = Revision();
  ASSERT_EQ(Shadectl({"del", "gone"}).out, "1\n");
  const std::string tail = ",\"CompactRevision\":0,\"Canceled\":false,\"Created\":false}\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"j", "\"Events\":[{\"kv\":{\"key\":\"ag==\",\"create_revision\":" + std::to_string(rev) +
                ",\"mod_revision\":" + std::to_string(rev) +
                ",\"version\":1,\"value\":\"MQ==\"}}]" + tail},
      {"gone", "\"Events\":[{\"type\":1,\"kv\":{\"key\":\"Z29uZQ==\",\"mod_revision\":" +
                   std::to_string(rev + 1) + "}}]" + tail}};
  for (const auto& [key, expected] : cases) {
    auto watcher = Background({"watch", key, "--rev", std::to_string(rev), "-w", "json"});
    ASSERT_TRUE(watcher);
    EXPECT_TRUE(watcher->WaitForOutput(expected, kOutputDeadline)) << watcher->out();
    watcher->Signal(SIGINT);
    EXPECT_EQ(ExitCode(*watcher), 0);
    std::string out = watcher->out();
    EXPECT_TRUE(std::regex_match(
        out, std::regex("\\{\"Header\":\\{\"cluster_id\":[0-9]+,\"member_id\":[0-9]+,"
                        "\"revision\":[0-9]+,\"raft_term\":[0-9]+\\},.*\n")))
        << out;
    EXPECT_EQ(out.substr(out.size() - std::min(out.size(), expected.size())), expected);
  }
}

TEST_P(RecipesE2eTest, WatchRunsTheCommandForEveryEventWithEtcdEnvironment) {
  Put("cmd-del", "bye");
  Put("cmd-put", "hello world");
  const int64_t rev = Revision();
  ASSERT_EQ(Shadectl({"del", "cmd-del"}).out, "1\n");
  const std::string script =
      "echo \"[$ETCD_WATCH_REVISION|$ETCD_WATCH_EVENT_TYPE|$ETCD_WATCH_KEY|$ETCD_WATCH_VALUE]\"";
  auto put_watcher =
      Background({"watch", "cmd-put", "--rev", std::to_string(rev), "--", "sh", "-c", script});
  auto del_watcher =
      Background({"watch", "cmd-del", "--rev", std::to_string(rev), "--", "sh", "-c", script});
  ASSERT_TRUE(put_watcher && del_watcher);
  // ETCD_WATCH_REVISION is the response header's revision: for a replayed
  // event that is the store's revision when it was sent, not the event's.
  const std::string put_expected = "PUT\ncmd-put\nhello world\n[";
  const std::string put_tail = "|\"PUT\"|\"cmd-put\"|\"hello world\"]\n";
  const std::string del_expected = "DELETE\ncmd-del\n\n[";
  const std::string del_tail = "|\"DELETE\"|\"cmd-del\"|\"\"]\n";
  EXPECT_TRUE(put_watcher->WaitForOutput(put_tail, kOutputDeadline)) << put_watcher->out();
  EXPECT_TRUE(del_watcher->WaitForOutput(del_tail, kOutputDeadline)) << del_watcher->out();
  put_watcher->Signal(SIGINT);
  del_watcher->Signal(SIGINT);
  EXPECT_EQ(ExitCode(*put_watcher), 0);
  EXPECT_EQ(ExitCode(*del_watcher), 0);
  for (const auto& [out, head, tail, min_rev] :
       {std::tuple{put_watcher->out(), put_expected, put_tail, rev},
        std::tuple{del_watcher->out(), del_expected, del_tail, rev + 1}}) {
    ASSERT_GT(out.size(), head.size() + tail.size()) << out;
    EXPECT_EQ(out.substr(0, head.size()), head);
    EXPECT_EQ(out.substr(out.size() - tail.size()), tail);
    std::string revision = out.substr(head.size(), out.size() - head.size() - tail.size());
    ASSERT_TRUE(std::regex_match(revision, std::regex("[0-9]+"))) << out;
    EXPECT_GE(std::stoll(revision), min_rev);
  }
}

TEST_P(RecipesE2eTest, WatchStopsWhenTheCommandFails) {
  Put("fail-key", "x");
  ProcessResult r = Shadectl(
      {"watch", "fail-key", "--rev", std::to_string(Revision()), "--", "sh", "-c", "exit 3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "PUT\nfail-key\nx\n");
  EXPECT_EQ(r.err, "command [\"sh\" \"-c\" \"exit 3\"] error (exit status 3)\n");
}

TEST_P(RecipesE2eTest, WatchFromACompactedRevisionIsCanceledByTheServer) {
  Put("c", "1");
  Put("c", "2");
  Put("c", "3");
  const int64_t rev = Revision();
  ASSERT_EQ(Shadectl({"compaction", std::to_string(rev)}).exit_code, 0);
  ProcessResult r = Shadectl({"watch", "c", "--rev", "2"});
  EXPECT_EQ(r.exit_code, 5);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err,
            "watch was canceled (etcdserver: mvcc: required revision has been compacted)\n"
            "Error: watch is canceled by the server\n");
  ProcessResult json = Shadectl({"watch", "c", "--rev", "2", "-w", "json"});
  EXPECT_EQ(json.exit_code, 5);
  EXPECT_NE(json.out.find("\"Events\":[],\"CompactRevision\":" + std::to_string(rev) +
                          ",\"Canceled\":true,\"Created\":false}\n"),
            std::string::npos)
      << json.out;
}

TEST_P(RecipesE2eTest, LeaseCommandsFollowOneLeaseThroughItsLife) {
  const std::string id = Grant(100);
  ASSERT_EQ(Shadectl({"put", "--lease=" + id, "lk1", "v1"}).out, "OK\n");
  ASSERT_EQ(Shadectl({"put", "--lease=" + id, "lk2", "v2"}).out, "OK\n");
  ProcessResult ttl = Shadectl({"lease", "timetolive", id, "--keys"});
  EXPECT_TRUE(std::regex_match(
      ttl.out, std::regex("lease " + id +
                          " granted with TTL\\(100s\\), remaining\\((99|100)s\\), attached "
                          "keys\\(\\[(lk1 lk2|lk2 lk1)\\]\\)\n")))  // server's order
      << ttl.out;
  EXPECT_NE(Shadectl({"lease", "list"}).out.find(id + "\n"), std::string::npos);
  EXPECT_EQ(Shadectl({"lease", "keep-alive", "--once", id}).out,
            "lease " + id + " keepalived with TTL(100)\n");
  EXPECT_EQ(Shadectl({"lease", "revoke", id}).out, "lease " + id + " revoked\n");
  EXPECT_EQ(Shadectl({"get", "lk", "--prefix"}).out, "");  // revoke deleted the keys
  EXPECT_EQ(Shadectl({"lease", "timetolive", id}).out, "lease " + id + " already expired\n");
  ProcessResult again = Shadectl({"lease", "revoke", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "Error: failed to revoke lease (etcdserver: requested lease not found)\n");
  ProcessResult once = Shadectl({"lease", "keep-alive", "--once", id});
  EXPECT_EQ(once.exit_code, 2);
  EXPECT_EQ(once.err, "Error: etcdserver: requested lease not found\n");
}

TEST_P(RecipesE2eTest, LeaseGrantEnforcesTheMinimumAndMaximumTtl) {
  ProcessResult small = Shadectl({"lease", "grant", "1"});
  EXPECT_TRUE(
      std::regex_match(small.out, std::regex("lease [0-9a-f]{16} granted with TTL\\(2s\\)\n")))
      << small.out;
  ProcessResult large = Shadectl({"lease", "grant", "99999999999"});
  EXPECT_EQ(large.exit_code, 1);
  EXPECT_EQ(large.err, "Error: failed to grant lease (etcdserver: too large lease TTL)\n");
}

TEST_P(RecipesE2eTest, LeaseExpiresAndTakesItsKeysWithoutKeepAlive) {
  const std::string id = Grant(2);
  ASSERT_EQ(Shadectl({"put", "--lease=" + id, "expiring", "x"}).out, "OK\n");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  std::string ttl;
  while (std::chrono::steady_clock::now() < until) {
    ttl = Shadectl({"lease", "timetolive", id}).out;
    if (ttl.find("already expired") != std::string::npos) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  EXPECT_EQ(ttl, "lease " + id + " already expired\n");
  EXPECT_EQ(Shadectl({"get", "expiring"}).out, "");
}

TEST_P(RecipesE2eTest, KeepAliveStreamsUntilTheLeaseIsRevoked) {
  const std::string id = Grant(3);
  auto keeper = Background({"lease", "keep-alive", id});
  ASSERT_TRUE(keeper);
  const std::string line = "lease " + id + " keepalived with TTL(3)\n";
  // Renewals come every TTL/3: two lines take about a second.
  EXPECT_TRUE(keeper->WaitForOutput(line + line, kOutputDeadline)) << keeper->out();
  EXPECT_EQ(Shadectl({"lease", "revoke", id}).exit_code, 0);
  EXPECT_EQ(ExitCode(*keeper), 0);
  std::string out = keeper->out();
  const std::string tail = "lease " + id + " expired or revoked.\n";
  ASSERT_GE(out.size(), tail.size());
  EXPECT_EQ(out.substr(out.size() - tail.size()), tail);
}

TEST_P(RecipesE2eTest, KeepAliveKeepsALeaseBeyondItsTtlAndStopsOnSigint) {
  const std::string id = Grant(2);
  ASSERT_EQ(Shadectl({"put", "--lease=" + id, "kept", "x"}).out, "OK\n");
  auto keeper = Background({"lease", "keep-alive", id});
  ASSERT_TRUE(keeper);
  std::this_thread::sleep_for(milliseconds(4000));  // twice the TTL
  EXPECT_EQ(Shadectl({"get", "kept", "--print-value-only"}).out, "x\n");
  keeper->Signal(SIGINT);
  EXPECT_EQ(ExitCode(*keeper), 0);
  EXPECT_EQ(keeper->err(), "");
}

TEST_P(RecipesE2eTest, LockQueuesContendersAndReleasesOnSigint) {
  auto holder = Background({"lock", "door"});
  ASSERT_TRUE(holder);
  ASSERT_TRUE(holder->WaitForOutput("\n\n", kOutputDeadline)) << holder->err();
  std::smatch m;
  std::string out = holder->out();
  ASSERT_TRUE(std::regex_match(out, m, std::regex("(door/[0-9a-f]+)\n\n"))) << out;
  const std::string key = m[1];
  // A second contender queues behind the holder and runs its command only
  // after the holder lets go.
  auto waiter = Background({"lock", "door", "--", "sh", "-c", "echo \"got $ETCD_LOCK_KEY\""});
  ASSERT_TRUE(waiter);
  std::this_thread::sleep_for(milliseconds(1000));
  EXPECT_EQ(waiter->out(), "");
  EXPECT_TRUE(waiter->running());
  holder->Signal(SIGINT);
  EXPECT_EQ(ExitCode(*holder), 0);
  EXPECT_EQ(ExitCode(*waiter), 0) << waiter->err();
  EXPECT_TRUE(std::regex_match(waiter->out(), std::regex("got door/[0-9a-f]+\n"))) << waiter->out();
  EXPECT_EQ(waiter->out().find(key + "\n"), std::string::npos);
  // Both released their keys and revoked their leases.
  EXPECT_EQ(Shadectl({"get", "door/", "--prefix"}).out, "");
  EXPECT_EQ(Shadectl({"lease", "list"}).out, "found 0 leases\n");
}

TEST_P(RecipesE2eTest, LockRunsTheCommandWithTheLockEnvironment) {
  ProcessResult r = Shadectl(
      {"lock", "envlock", "--", "sh", "-c", "echo \"$ETCD_LOCK_KEY $ETCD_LOCK_REV\"; exit 3"});
  std::smatch m;
  EXPECT_TRUE(std::regex_match(r.out, m, std::regex("envlock/[0-9a-f]+ ([0-9]+)\n"))) << r.out;
  // etcdctl 3.4 reports a failing command as an error, exit 1.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, "Error: exit status 3\n");
  EXPECT_EQ(Shadectl({"get", "envlock/", "--prefix"}).out, "");
  ProcessResult missing = Shadectl({"lock", "envlock", "--", "no-such-command-xyz"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err,
            "Error: exec: \"no-such-command-xyz\": executable file not found in $PATH\n");
  EXPECT_EQ(Shadectl({"get", "envlock/", "--prefix"}).out, "");
}

TEST_P(RecipesE2eTest, ALockHolderWhoseLeaseIsLostKillsItsCommandAndFails) {
  auto holder = Background(
      {"lock", "fragile", "--ttl", "2", "--", "sh", "-c", "echo started; sleep 30; echo never"});
  ASSERT_TRUE(holder);
  ASSERT_TRUE(holder->WaitForOutput("started\n", kOutputDeadline)) << holder->err();
  ProcessResult keys = Shadectl({"get", "fragile/", "--prefix", "--keys-only"});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(keys.out, m, std::regex("fragile/([0-9a-f]+)"))) << keys.out;
  // Someone else revokes the holder's lease: the lock is gone.
  ASSERT_EQ(Shadectl({"lease", "revoke", m[1]}).exit_code, 0);
  EXPECT_EQ(ExitCode(*holder), 1);
  EXPECT_EQ(holder->out(), "started\n");
  EXPECT_NE(holder->err().find("Error: session expired"), std::string::npos) << holder->err();
}

TEST_P(RecipesE2eTest, ALockHolderThatCannotReachTheServerGivesUpBeforeTheTtl) {
  auto holder = Background(
      {"lock", "cutoff", "--ttl", "3", "--", "sh", "-c", "echo started; sleep 30; echo never"});
  ASSERT_TRUE(holder);
  ASSERT_TRUE(holder->WaitForOutput("started\n", kOutputDeadline)) << holder->err();
  // No server to renew with: the holder cannot know whether its lease still
  // stands, so it must give the lock up on its own (etcd's client keeps
  // believing until a renewal answer says otherwise).
  const auto killed = std::chrono::steady_clock::now();
  server_->Kill();
  EXPECT_EQ(ExitCode(*holder), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - killed, std::chrono::seconds(3))
      << "the holder outlived its lease's TTL";
  EXPECT_EQ(holder->out(), "started\n");
  EXPECT_NE(holder->err().find("Error: session expired"), std::string::npos) << holder->err();
}

// Gone or a zombie (a container's PID 1 may never reap it).
bool ProcessGone(pid_t pid) {
  if (kill(pid, 0) != 0) return true;
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren == std::string::npos || (paren + 2 < stat.size() && stat[paren + 2] == 'Z');
}

TEST_P(RecipesE2eTest, ASigkilledLockHolderTakesItsCommandWithIt) {
  auto holder = Background({"lock", "pdeath", "--ttl", "2", "--", "sh", "-c", "echo $$; sleep 30"});
  ASSERT_TRUE(holder);
  ASSERT_TRUE(holder->WaitForOutput("\n", kOutputDeadline)) << holder->err();
  const pid_t shell = static_cast<pid_t>(std::stol(holder->out()));
  ASSERT_FALSE(ProcessGone(shell));
  holder->Signal(SIGKILL);  // shadectl only, not its group
  EXPECT_EQ(ExitCode(*holder), -2);
  const auto until = std::chrono::steady_clock::now() + kOutputDeadline;
  while (!ProcessGone(shell) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(ProcessGone(shell)) << "the command outlived its lock holder";
  if (!ProcessGone(shell)) kill(-shell, SIGKILL);
  // Its lock is freed when the lease expires: a new contender gets it.
  ProcessResult next = Shadectl({"lock", "pdeath", "--", "echo", "next"});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(next.out, "next\n");
}

TEST_P(RecipesE2eTest, ElectionCampaignObserveAndHandOver) {
  auto observer = Background({"elect", "-l", "council"});
  auto first = Background({"elect", "council", "one"});
  ASSERT_TRUE(observer && first);
  ASSERT_TRUE(first->WaitForOutput("\none\n", kOutputDeadline)) << first->err();
  std::smatch m;
  std::string first_out = first->out();
  ASSERT_TRUE(std::regex_match(first_out, m, std::regex("(council/[0-9a-f]+)\none\n")))
      << first_out;
  const std::string first_key = m[1];
  auto second = Background({"elect", "council", "two"});
  ASSERT_TRUE(second);
  EXPECT_TRUE(observer->WaitForOutput(first_key + "\none\n", kOutputDeadline)) << observer->out();
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(second->out(), "");  // not the leader while the first holds on
  first->Signal(SIGINT);
  EXPECT_EQ(ExitCode(*first), 0);
  ASSERT_TRUE(second->WaitForOutput("\ntwo\n", kOutputDeadline)) << second->err();
  std::string second_out = second->out();
  ASSERT_TRUE(std::regex_match(second_out, m, std::regex("(council/[0-9a-f]+)\ntwo\n")))
      << second_out;
  EXPECT_TRUE(observer->WaitForOutput(second_out, kOutputDeadline)) << observer->out();
  EXPECT_EQ(observer->out(), first_out + second_out);
  second->Signal(SIGTERM);
  observer->Signal(SIGINT);
  EXPECT_EQ(ExitCode(*second), 0);
  EXPECT_EQ(ExitCode(*observer), 0);
  EXPECT_EQ(Shadectl({"get", "council/", "--prefix"}).out, "");
}

// etcdctl next to shadectl on the same etcd: the outputs above are etcdctl's.
class ShadectlVsEtcdctlRecipesTest : public ::testing::Test, public ServerTest {
 protected:
  void SetUp() override {
    auto server = StartServer(ServerKind::kEtcd);
    ASSERT_TRUE(server.ok()) << server.status().message();
    server_ = std::move(server).value();
  }

  ProcessResult Etcdctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"etcdctl", "--endpoints=" + server_->endpoint()});
    ProcessResult r = RunProcess(args, "", {{"ETCDCTL_API", "3"}}, kCommandDeadline);
    EXPECT_FALSE(r.timed_out) << "etcdctl timed out";
    return r;
  }

  // Lines starting "Error:" or "watch was canceled" (etcdctl also logs JSON
  // warnings on stderr).
  static std::string UserLines(const std::string& err) {
    std::string out;
    size_t start = 0;
    while (start < err.size()) {
      size_t nl = err.find('\n', start);
      if (nl == std::string::npos) nl = err.size();
      std::string line = err.substr(start, nl - start);
      if (line.rfind("Error:", 0) == 0 || line.rfind("watch was canceled", 0) == 0) {
        out += line + "\n";
      }
      start = nl + 1;
    }
    return out;
  }

  void ExpectSame(const std::vector<std::string>& args) {
    ProcessResult mine = Shadectl(args);
    ProcessResult ref = Etcdctl(args);
    const std::string what = ::testing::PrintToString(args);
    EXPECT_EQ(mine.out, ref.out) << what;
    EXPECT_EQ(mine.exit_code, ref.exit_code) << what << "\n" << mine.err;
    EXPECT_EQ(UserLines(mine.err), UserLines(ref.err)) << what;
  }

  // Both tools watch from a past revision; once `expected_events` events are
  // printed by both, they are stopped by PID and their outputs compared.
  void ExpectSameWatch(std::vector<std::string> args, const std::string& until) {
    std::vector<std::string> mine_args = args, ref_args = args;
    mine_args.insert(mine_args.begin(), {SHADECTL_PATH, "--endpoints=" + server_->endpoint()});
    ref_args.insert(ref_args.begin(), {"etcdctl", "--endpoints=" + server_->endpoint()});
    auto mine = BackgroundProcess::Start(mine_args, {});
    auto ref = BackgroundProcess::Start(ref_args, {{"ETCDCTL_API", "3"}});
    ASSERT_TRUE(mine.ok() && ref.ok());
    const std::string what = ::testing::PrintToString(args);
    EXPECT_TRUE((*ref)->WaitForOutput(until, kOutputDeadline)) << what << (*ref)->out();
    EXPECT_TRUE((*mine)->WaitForOutput(until, kOutputDeadline)) << what << (*mine)->out();
    (*mine)->Signal(SIGINT);
    (*ref)->Signal(SIGINT);
    EXPECT_EQ(ExitCode(**mine), 0) << what;
    ExitCode(**ref);  // etcdctl dies of the signal
    EXPECT_EQ((*mine)->out(), (*ref)->out()) << what;
  }
};

TEST_F(ShadectlVsEtcdctlRecipesTest, WatchOutputMatchesEtcdctl) {
  Put("foo", "a b\"c");
  const std::string rev = std::to_string(Revision());
  Put("foo", "second");
  Put("food", "x");
  ASSERT_EQ(Shadectl({"del", "foo"}).out, "1\n");
  ExpectSameWatch({"watch", "foo", "--rev", rev}, "DELETE\nfoo\n\n");
  ExpectSameWatch({"watch", "foo", "--rev", rev, "--prev-kv"}, "DELETE\nfoo\nsecond\nfoo\n\n");
  ExpectSameWatch({"watch", "fo", "--prefix", "--rev", rev, "--hex"},
                  "DELETE\n\\x66\\x6f\\x6f\n\n");
  ExpectSameWatch({"watch", "foo", "fooe", "--rev", rev, "-w", "json"}, "\"type\":1");
  ExpectSameWatch(
      {"watch", "foo", "--rev", rev, "--", "sh", "-c", "env | grep ^ETCD_WATCH_ | sort; echo ---"},
      "ETCD_WATCH_EVENT_TYPE=\"DELETE\"\nETCD_WATCH_KEY=\"foo\"\n"
      "ETCD_WATCH_REVISION=");
}

TEST_F(ShadectlVsEtcdctlRecipesTest, WatchErrorsMatchEtcdctl) {
  Put("c", "1");
  Put("c", "2");
  ASSERT_EQ(Shadectl({"compaction", std::to_string(Revision())}).exit_code, 0);
  ExpectSame({"watch", "c", "--rev", "2"});
  ExpectSame({"watch", "c", "--rev", "2", "-w", "json"});
  ExpectSame({"watch", "a", "b", "--prefix"});
  ExpectSame({"watch", "a", "--"});
}

TEST_F(ShadectlVsEtcdctlRecipesTest, LeaseOutputsMatchEtcdctl) {
  const std::string id = Grant(1000);
  ASSERT_EQ(Shadectl({"put", "--lease=" + id, "k1", "v1"}).out, "OK\n");
  ExpectSame({"lease", "list"});
  ExpectSame({"lease", "list", "-w", "json"});
  ExpectSame({"lease", "timetolive", id, "--keys"});
  ExpectSame({"lease", "keep-alive", "--once", id});
  ExpectSame({"lease", "keep-alive", "--once", id, "-w", "json"});
  ExpectSame({"lease", "timetolive", "1234"});
  ExpectSame({"lease", "timetolive", "1234", "-w", "json"});
  ExpectSame({"lease", "keep-alive", "--once", "1234"});
  ExpectSame({"lease", "revoke", "1234"});
  ExpectSame({"lease", "revoke", "zz"});
  ExpectSame({"lease", "grant"});
  ExpectSame({"lease", "grant", "abc"});
  ExpectSame({"lease", "grant", "99999999999"});
  ExpectSame({"lease", "timetolive"});
  ExpectSame({"lease", "keep-alive"});
  ExpectSame({"lease", "list", "-w", "table"});
  ExpectSame({"lock"});
  ExpectSame({"elect"});
  ExpectSame({"elect", "e"});
  // Revoking prints the ID back; revoke by each tool its own fresh lease.
  const std::string a = Grant(100), b = Grant(100);
  ProcessResult mine = Shadectl({"lease", "revoke", a, "-w", "json"});
  ProcessResult ref = Etcdctl({"lease", "revoke", b, "-w", "json"});
  EXPECT_EQ(mine.out, ref.out);
  EXPECT_EQ(Shadectl({"lease", "revoke", id}).out, "lease " + id + " revoked\n");
  ExpectSame({"lease", "list"});
  ExpectSame({"lease", "list", "-w", "json"});
}

TEST_F(ShadectlVsEtcdctlRecipesTest, LockAndElectPrintLikeEtcdctl) {
  // The printed keys carry each tool's own lease ID: compare with it masked.
  auto mask = [](const std::string& text) {
    return std::regex_replace(text, std::regex("/[0-9a-f]+"), "/LEASE");
  };
  ProcessResult mine = Shadectl({"lock", "cmp", "--", "sh", "-c", "echo $ETCD_LOCK_KEY; exit 4"});
  ProcessResult ref = Etcdctl({"lock", "cmp", "--", "sh", "-c", "echo $ETCD_LOCK_KEY; exit 4"});
  EXPECT_EQ(mask(mine.out), mask(ref.out));
  EXPECT_EQ(mine.exit_code, ref.exit_code);
  EXPECT_EQ(UserLines(mine.err), UserLines(ref.err));
  for (const char* tool : {"shadectl", "etcdctl"}) {
    std::vector<std::string> args = {tool == std::string("shadectl") ? SHADECTL_PATH : "etcdctl",
                                     "--endpoints=" + server_->endpoint(), "elect", "cmp-e",
                                     "proposal"};
    auto p = BackgroundProcess::Start(args, {{"ETCDCTL_API", "3"}});
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE((*p)->WaitForOutput("\nproposal\n", kOutputDeadline)) << tool;
    EXPECT_TRUE(std::regex_match(mask((*p)->out()), std::regex("cmp-e/LEASE\nproposal\n")))
        << tool << ": " << (*p)->out();
    (*p)->Signal(SIGINT);
    ExitCode(**p);
    // etcdctl does not resign on SIGINT before exiting; remove its key so the
    // next campaign starts alike.
    ASSERT_EQ(Shadectl({"del", "cmp-e/", "--prefix"}).exit_code, 0);
  }
}

}  // namespace
}  // namespace shadekv::ctl::testing
