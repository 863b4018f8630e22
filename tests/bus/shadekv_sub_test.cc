// shadekv-sub: its pure parts (options, JSON line, state file), and the real
// program as a child process following the real publisher plugin: SIGKILL
// and restart resume from the state file with no gap and no duplicate,
// SIGTERM exits cleanly.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <fstream>
#include <regex>

#include "bus/sub/event_json.h"
#include "bus/sub/state_file.h"
#include "bus/sub/sub_options.h"
#include "tests/bus/bus_test_util.h"
#include "tests/bus/store_host_services.h"
#include "tests/store/temp_dir.h"

extern char** environ;

namespace shadekv::bus::testing {
namespace {

using namespace std::chrono_literals;
using store::testing::TempDir;

TEST(SubOptionsTest, ParsesEveryFlagAndRejectsBadOnes) {
  Result<SubOptions> o = ParseSubOptions({"--bus", "tcp://a:1,tcp://b:2", "--from-rev", "7",
                                          "--prefix", "/x", "--plugin", "p.so", "--plugin-config",
                                          "audit.path=/tmp/a=b", "--state-file", "s"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->bus, (std::vector<std::string>{"tcp://a:1", "tcp://b:2"}));
  EXPECT_EQ(o->from_revision, 7);
  EXPECT_EQ(o->prefix, "/x");
  ASSERT_EQ(o->plugin_settings.size(), 1u);
  EXPECT_EQ(o->plugin_settings[0].plugin, "audit");
  EXPECT_EQ(o->plugin_settings[0].key, "path");
  EXPECT_EQ(o->plugin_settings[0].value, "/tmp/a=b");
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {},
           {"--bus"},
           {"--bus", "tcp://a:1,"},
           {"--bus", "x", "--from-rev", "0"},
           {"--bus", "x", "--from-rev", "12abc"},
           {"--bus", "x", "--plugin-config", "noequals"},
           {"--bus", "x", "--plugin-config", "a.b=c"},  // without --plugin
           {"--bus", "x", "--colour", "red"}}) {
    EXPECT_FALSE(ParseSubOptions(bad).ok()) << ::testing::PrintToString(bad);
  }
}

TEST(SubOptionsTest, CurveFlagsGoTogetherAndMatchTheEndpoints) {
  Result<SubOptions> one = ParseSubOptions({"--bus", "tcp://a:1,tcp://b:2", "--bus-curve-key",
                                            "k/sub", "--bus-curve-server-key", "k/pub.pub"});
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->curve_key, "k/sub");
  EXPECT_EQ(one->curve_server_keys, std::vector<std::string>{"k/pub.pub"});
  Result<SubOptions> each = ParseSubOptions({"--bus", "tcp://a:1,tcp://b:2", "--bus-curve-key",
                                             "k/sub", "--bus-curve-server-key", "a.pub,b.pub"});
  ASSERT_TRUE(each.ok()) << each.status().ToString();
  EXPECT_EQ(each->curve_server_keys, (std::vector<std::string>{"a.pub", "b.pub"}));
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"--bus", "x", "--bus-curve-key", "k"},
           {"--bus", "x", "--bus-curve-server-key", "p.pub"},
           {"--bus", "x", "--bus-curve-key", "", "--bus-curve-server-key", "p"},
           {"--bus", "x", "--bus-curve-key", "k", "--bus-curve-server-key", "a,"},
           {"--bus", "x,y,z", "--bus-curve-key", "k", "--bus-curve-server-key", "a,b"}}) {
    Result<SubOptions> parsed = ParseSubOptions(bad);
    ASSERT_FALSE(parsed.ok()) << ::testing::PrintToString(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(EventJsonTest, LineCarriesWhoWhenAndBase64ChangesFilteredByPrefix) {
  ChangeEvent e;
  e.revision = 12;
  e.leader_time_ms = 1700000000123;
  e.member_id = 5;
  e.request_id = 9;
  e.user = "ro\"ot";
  e.client_address = "10.0.0.1:4000";
  store::KeyChange put;
  put.kv = {"/app/a", "v", 3, 12, 2, 0};
  put.prev_kv = store::KeyValue{"/app/a", "u", 3, 10, 1, 0};
  store::KeyChange del;
  del.type = store::KeyChange::Type::kDelete;
  del.kv.key = "/other";
  del.kv.mod_revision = 12;
  e.changes = {put, del};
  EXPECT_EQ(EventJsonLine(e, ""),
            "{\"revision\":\"12\",\"time_ms\":\"1700000000123\",\"user\":\"ro\\\"ot\","
            "\"client_address\":\"10.0.0.1:4000\",\"request_id\":\"9\",\"member_id\":\"5\","
            "\"events\":[{\"kv\":{\"key\":\"L2FwcC9h\",\"create_revision\":\"3\","
            "\"mod_revision\":\"12\",\"version\":\"2\",\"value\":\"dg==\"},\"prev_kv\":{"
            "\"key\":\"L2FwcC9h\",\"create_revision\":\"3\",\"mod_revision\":\"10\","
            "\"version\":\"1\",\"value\":\"dQ==\"}},{\"type\":\"DELETE\",\"kv\":{\"key\":"
            "\"L290aGVy\",\"mod_revision\":\"12\"}}]}");
  EXPECT_EQ(EventJsonLine(e, "/other").find("L2FwcC9h"), std::string::npos);
  EXPECT_EQ(EventJsonLine(e, "/none"), "");
}

TEST(StateFileTest, MissingIsZeroSavedIsLoadedGarbageIsDataLoss) {
  TempDir dir("shadekv-state-");
  std::string path = dir.Sub("state");
  EXPECT_EQ(LoadAppliedRevision(path).value(), 0);
  ASSERT_TRUE(SaveAppliedRevision(path, 42).ok());
  EXPECT_EQ(LoadAppliedRevision(path).value(), 42);
  std::ofstream(path) << "4x2";
  EXPECT_EQ(LoadAppliedRevision(path).status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(SaveAppliedRevision(dir.Sub("no/such/dir/state"), 1).ok());
}

// The child process: shadekv-sub with stdout appended to a file.
class SubProcess {
 public:
  SubProcess(const std::vector<std::string>& args, const std::string& out, const std::string& err) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::string> all = {SHADEKV_SUB_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, SHADEKV_SUB_PATH, &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~SubProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      (void)Wait(5s);
    }
  }
  pid_t pid() const { return pid_; }
  void Signal(int sig) { ::kill(pid_, sig); }
  // The exit status, or -1 when it did not exit in time.
  int Wait(std::chrono::milliseconds limit) {
    int status = -1;
    bool done = WaitFor([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, limit);
    if (done) pid_ = -1;
    return done ? status : -1;
  }

 private:
  pid_t pid_ = -1;
};

std::vector<int64_t> PrintedRevisions(const std::string& path) {
  std::ifstream in(path);
  std::vector<int64_t> out;
  static const std::regex kRevision("^\\{\"revision\":\"([0-9]+)\"");
  for (std::string line; std::getline(in, line);) {
    std::smatch m;
    if (std::regex_search(line, m, kRevision)) out.push_back(std::stoll(m[1]));
  }
  return out;
}

class ShadekvSubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = StoreHostServices::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    services_ = std::move(*s);
    auto pub = LoadPublisher(services_.get());
    ASSERT_TRUE(pub.ok()) << pub.status().ToString();
    pub_ = std::move(*pub);
  }
  void Write(int n) {
    for (int i = 0; i < n; ++i) {
      auto body = services_->Put("/k" + std::to_string(i % 20), "value" + std::to_string(i));
      ASSERT_TRUE(body.ok());
      pub_.host->PublishEvent(Current(), *body);
    }
  }
  int64_t Current() { return services_->store().CurrentRevision(); }
  std::vector<std::string> Args() {
    return {"--bus", pub_.pub, "--from-rev", "2", "--state-file", dir_.Sub("state")};
  }
  bool WaitPrinted(int64_t revision, std::chrono::milliseconds limit) {
    return WaitFor(
        [&] {
          auto r = PrintedRevisions(out_);
          return !r.empty() && r.back() >= revision;
        },
        limit);
  }

  TempDir dir_{"shadekv-sub-"};
  std::string out_ = dir_.Sub("out.jsonl");
  std::string err_ = dir_.Sub("err.txt");
  std::unique_ptr<StoreHostServices> services_;
  LoadedPublisher pub_;
};

TEST_F(ShadekvSubTest, KilledAndRestartedResumesWithoutGapOrDuplicate) {
  {
    SubProcess sub(Args(), out_, err_);
    ASSERT_GT(sub.pid(), 0);
    Write(50);
    ASSERT_TRUE(WaitPrinted(Current(), 10s));
    // Idle when killed: the state file holds the last printed revision.
    ASSERT_TRUE(WaitFor(
        [&] {
          Result<int64_t> saved = LoadAppliedRevision(dir_.Sub("state"));
          return saved.ok() && *saved == Current();
        },
        5s));
    sub.Signal(SIGKILL);
    EXPECT_NE(sub.Wait(5s), -1);
  }
  Write(50);  // while nobody listens: must come by catch-up
  {
    SubProcess sub(Args(), out_, err_);
    ASSERT_TRUE(WaitPrinted(Current(), 10s));
    sub.Signal(SIGTERM);
    int status = sub.Wait(5s);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  std::vector<int64_t> printed = PrintedRevisions(out_);
  ASSERT_EQ(printed.size(), 100u);
  for (size_t i = 0; i < printed.size(); ++i) ASSERT_EQ(printed[i], static_cast<int64_t>(i) + 2);
  // The line is the event: member, user and address from the origin.
  std::ifstream in(out_);
  std::string first;
  std::getline(in, first);
  EXPECT_NE(first.find("\"member_id\":\"7\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"user\":\"root\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"client_address\":\"127.0.0.1:5555\""), std::string::npos) << first;
  EXPECT_NE(first.find("\"key\":\"L2sw\""), std::string::npos) << first;  // "/k0"
}

TEST_F(ShadekvSubTest, KilledMidStreamSkipsNothingAndRepeatsAtMostTheEventInFlight) {
  SubProcess* sub = new SubProcess(Args(), out_, err_);
  std::thread writer([&] { Write(2000); });
  ASSERT_TRUE(WaitPrinted(200, 10s));
  sub->Signal(SIGKILL);
  EXPECT_NE(sub->Wait(5s), -1);
  delete sub;
  writer.join();
  SubProcess again(Args(), out_, err_);
  ASSERT_TRUE(WaitPrinted(Current(), 20s));
  std::vector<int64_t> printed = PrintedRevisions(out_);
  // Flushed line, then state saved: a kill in between repeats one line.
  int duplicates = 0;
  int64_t expect = 2;
  for (int64_t rev : printed) {
    if (rev == expect - 1) {
      ++duplicates;
      continue;
    }
    ASSERT_EQ(rev, expect);
    ++expect;
  }
  EXPECT_EQ(expect - 1, Current());
  EXPECT_LE(duplicates, 1);
}

TEST_F(ShadekvSubTest, HostsPluginsThatGetTheBusEventsAndNoStore) {
  std::string recorded = dir_.Sub("recorded.txt");
  {
    SubProcess sub(
        {"--bus", pub_.pub, "--from-rev", "2", "--plugin", RECORDING_PLUGIN_PATH, "--plugin-config",
         "recording.path=" + recorded, "--plugin-config", "recording.probe_host=1"},
        out_, err_);
    ASSERT_GT(sub.pid(), 0);
    // Let it connect, so the events below arrive live or by catch-up.
    std::this_thread::sleep_for(300ms);
    Write(20);
    ASSERT_TRUE(WaitFor(
        [&] {
          std::ifstream in(recorded);
          std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
          size_t n = 0;
          for (size_t pos = 0; (pos = text.find("\nevent ", pos)) != std::string::npos; ++pos) ++n;
          return n >= 20;
        },
        10s));
    sub.Signal(SIGTERM);
    int status = sub.Wait(10s);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  std::ifstream in(recorded);
  std::vector<std::string> events;
  std::string all;
  for (std::string line; std::getline(in, line);) {
    all += line + "\n";
    if (line.rfind("event ", 0) == 0) events.push_back(line.substr(6));
  }
  ASSERT_EQ(events.size(), 20u) << all;
  for (int64_t rev = 2; rev <= 21; ++rev) {
    std::string hex;
    static const char* kDigits = "0123456789abcdef";
    for (unsigned char c : services_->Published(rev)) {
      hex += kDigits[c >> 4];
      hex += kDigits[c & 15];
    }
    EXPECT_EQ(events[rev - 2], hex) << "revision " << rev;
  }
  // No store behind shadekv-sub: history and revisions are unavailable (3).
  EXPECT_NE(all.find("revisions rc=3"), std::string::npos) << all;
  EXPECT_NE(all.find("shutdown"), std::string::npos) << all;
}

// The ledger test plugin's file (tests/plugins/testdata_plugins/
// ledger_plugin.cc): one line per event ("E rev") or snapshot ("S rev len")
// it applied, written atomically, across all of its lives.
struct LedgerLine {
  char kind = '?';
  int64_t revision = 0;
};

std::vector<LedgerLine> ReadLedger(const std::string& path) {
  std::ifstream in(path);
  std::vector<LedgerLine> out;
  for (std::string line; std::getline(in, line);) {
    if (line.size() < 3) continue;
    out.push_back({line[0], std::atoll(line.c_str() + 2)});
  }
  return out;
}

int64_t LedgerLast(const std::string& path) {
  std::vector<LedgerLine> l = ReadLedger(path);
  return l.empty() ? 0 : l.back().revision;
}

// Exactly once: the first line is a snapshot (a new subscriber starts from
// one), every event is exactly one past the line before it, and a later
// snapshot only moves forward. Returns the number of snapshots.
int ExpectExactlyOnce(const std::vector<LedgerLine>& ledger) {
  EXPECT_FALSE(ledger.empty());
  if (ledger.empty()) return 0;
  EXPECT_EQ(ledger[0].kind, 'S');
  int snapshots = 0;
  for (size_t i = 0; i < ledger.size(); ++i) {
    if (ledger[i].kind == 'S') {
      ++snapshots;
      if (i > 0) {
        EXPECT_GT(ledger[i].revision, ledger[i - 1].revision + 1) << "line " << i;
      }
      continue;
    }
    EXPECT_EQ(ledger[i].kind, 'E') << "line " << i;
    if (i > 0) {
      EXPECT_EQ(ledger[i].revision, ledger[i - 1].revision + 1) << "line " << i;
      if (ledger[i].revision != ledger[i - 1].revision + 1) break;  // one failure says it
    }
  }
  return snapshots;
}

class ShadekvSubLedgerTest : public ShadekvSubTest {
 protected:
  std::vector<std::string> LedgerArgs(const std::string& delay_us) {
    return {"--bus",           pub_.pub,
            "--plugin",        LEDGER_PLUGIN_PATH,
            "--plugin-config", "ledger.path=" + ledger_,
            "--plugin-config", "ledger.delay_us=" + delay_us};
  }
  bool WaitLedger(int64_t revision, std::chrono::milliseconds limit) {
    return WaitFor([&] { return LedgerLast(ledger_) >= revision; }, limit);
  }
  void StopCleanly(SubProcess& sub) {
    sub.Signal(SIGTERM);
    int status = sub.Wait(10s);
    ASSERT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }

  std::string ledger_ = dir_.Sub("ledger.txt");
};

TEST_F(ShadekvSubLedgerTest, KilledRepeatedlyAPluginWithAPositionGetsEveryRevisionExactlyOnce) {
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int batch = 0; batch < 100; ++batch) {
      Write(20);
      std::this_thread::sleep_for(20ms);
    }
    writing = false;
  });
  int kills_while_writing = 0;
  for (int round = 0; round < 5; ++round) {
    size_t lines_before = ReadLedger(ledger_).size();
    SubProcess sub(LedgerArgs("300"), out_, err_);
    ASSERT_GT(sub.pid(), 0);
    // Killed in the middle of work: after it applied some, with more queued.
    ASSERT_TRUE(WaitFor([&] { return ReadLedger(ledger_).size() >= lines_before + 40; }, 20s))
        << "round " << round;
    kills_while_writing += writing.load();
    sub.Signal(SIGKILL);
    ASSERT_NE(sub.Wait(5s), -1);
  }
  writer.join();
  // Kills that found events arriving live and by catch-up, not an idle bus.
  EXPECT_GE(kills_while_writing, 3);
  SubProcess last(LedgerArgs("0"), out_, err_);
  ASSERT_TRUE(WaitLedger(Current(), 30s)) << LedgerLast(ledger_) << " of " << Current();
  StopCleanly(last);
  std::vector<LedgerLine> ledger = ReadLedger(ledger_);
  // History is never compacted here: one snapshot (the first start), then
  // every revision after it exactly once, through every kill.
  EXPECT_EQ(ExpectExactlyOnce(ledger), 1);
  EXPECT_EQ(ledger.back().revision, Current());
  EXPECT_EQ(static_cast<int64_t>(ledger.size()), Current() - ledger[0].revision + 1);
}

TEST_F(ShadekvSubLedgerTest, CompactionWhileDownBringsASnapshotThenContiguousEvents) {
  {
    SubProcess sub(LedgerArgs("0"), out_, err_);
    ASSERT_GT(sub.pid(), 0);
    std::this_thread::sleep_for(300ms);
    Write(30);
    ASSERT_TRUE(WaitLedger(Current(), 10s));
    sub.Signal(SIGKILL);
    ASSERT_NE(sub.Wait(5s), -1);
  }
  const int64_t down_at = LedgerLast(ledger_);
  Write(30);
  const int64_t compacted = Current();
  ASSERT_TRUE(services_->Compact(compacted).ok());
  Write(10);  // history from down_at+1 is gone: it must get a snapshot
  {
    SubProcess sub(LedgerArgs("0"), out_, err_);
    ASSERT_TRUE(WaitLedger(Current(), 10s));
    Write(20);  // and live events after it
    ASSERT_TRUE(WaitLedger(Current(), 10s));
    StopCleanly(sub);
  }
  std::vector<LedgerLine> ledger = ReadLedger(ledger_);
  EXPECT_EQ(ExpectExactlyOnce(ledger), 2);
  size_t second = 1;
  while (second < ledger.size() && ledger[second].kind != 'S') ++second;
  ASSERT_LT(second, ledger.size());
  EXPECT_EQ(ledger[second - 1].revision, down_at);
  EXPECT_GE(ledger[second].revision, compacted);
  EXPECT_EQ(ledger.back().revision, Current());
  EXPECT_EQ(ledger.size() - second - 1, static_cast<size_t>(Current() - ledger[second].revision));
}

// A plugin without a position is resumed from the state file, which holds
// what the plugins PROCESSED: after a clean stop nothing is repeated.
TEST_F(ShadekvSubTest, StateFileHoldsWhatPluginsProcessedAndResumesThere) {
  std::string recorded = dir_.Sub("recorded.txt");
  auto args = [&] {
    return std::vector<std::string>{"--bus",           pub_.pub,
                                    "--from-rev",      "2",
                                    "--state-file",    dir_.Sub("state"),
                                    "--plugin",        RECORDING_PLUGIN_PATH,
                                    "--plugin-config", "recording.path=" + recorded};
  };
  auto events = [&] {
    std::ifstream in(recorded);
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.rfind("event ", 0) == 0;
    return n;
  };
  {
    SubProcess sub(args(), out_, err_);
    std::this_thread::sleep_for(300ms);
    Write(15);
    ASSERT_TRUE(WaitFor([&] { return events() == 15; }, 10s));
    sub.Signal(SIGTERM);
    ASSERT_NE(sub.Wait(10s), -1);
  }
  EXPECT_EQ(LoadAppliedRevision(dir_.Sub("state")).value(), Current());
  Write(5);
  {
    SubProcess sub(args(), out_, err_);  // the plugin rewrites its file
    ASSERT_TRUE(WaitFor([&] { return events() == 5; }, 10s));
    sub.Signal(SIGTERM);
    ASSERT_NE(sub.Wait(10s), -1);
  }
  EXPECT_EQ(events(), 5);
  EXPECT_EQ(LoadAppliedRevision(dir_.Sub("state")).value(), Current());
}

TEST_F(ShadekvSubTest, BadArgumentsExitTwoWithAMessage) {
  SubProcess sub({"--bus", pub_.pub, "--from-rev", "zero"}, out_, err_);
  int status = sub.Wait(5s);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::ifstream in(err_);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("--from-rev"), std::string::npos) << text;
}

}  // namespace
}  // namespace shadekv::bus::testing
