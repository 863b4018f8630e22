// The change-event bus end to end, with real processes only (issue 6):
// a 3-member cluster with the publisher plugin on every member, and three
// shadekv-sub processes each hosting the mirror test plugin (a real store fed
// by the events, its position durable with its data). While 100,000 writes
// go through the cluster:
//   - subscriber A is SIGKILLed and restarted;
//   - the member every subscriber reads from (the first PUB endpoint) is
//     SIGKILLed, so they fail over, and later restarted;
//   - subscriber B is SIGKILLed, the cluster compacts past its position, and
//     B is restarted: it must come back through a snapshot;
//   - subscriber C is slow for its first 3,000 events (a small send HWM on
//     the publishers), so it falls far behind the live stream and must
//     recover (a catch-up when the HWM overflowed; bus_pubsub_test proves
//     that path deterministically).
// Every subscriber must end with the exact contiguous sequence (the plugin
// records a violation for any duplicate or gap it is handed) and a store
// whose hashkv equals the primary's at the same revision.
//
// SHADEKV_BUS_TEST_WRITES overrides the number of writes (default 100000).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <thread>

#include <gmock/gmock.h>

#include "shadekv/mirror/mirror_store.h"
#include "tests/agent/cluster/base64_text.h"
#include "tests/agent/cluster/cluster_fixture.h"
#include "tests/agent/cluster/keepalive_writers.h"

extern char** environ;

namespace shadekv::cluster_testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

int64_t WritesWanted() {
  const char* text = std::getenv("SHADEKV_BUS_TEST_WRITES");
  if (text != nullptr && *text != '\0') return std::max<int64_t>(1000, std::atoll(text));
  return 100000;
}

bool WaitUntil(const std::function<bool()>& done, milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return done();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One shadekv-sub process hosting the mirror plugin; its stdout and stderr
// are appended to <dir>/sub.log across restarts.
class MirrorSubscriber {
 public:
  MirrorSubscriber(std::string name, std::string dir, std::vector<std::string> extra_config)
      : name_(std::move(name)), dir_(std::move(dir)), extra_config_(std::move(extra_config)) {
    std::filesystem::create_directories(dir_);
  }
  ~MirrorSubscriber() { Kill(); }

  void Start(const std::string& bus) {
    ASSERT_LE(pid_, 0) << name_ << " already runs";
    std::vector<std::string> args = {
        SHADEKV_SUB_PATH,   "--bus",           bus,
        "--state-file",     dir_ + "/state",   "--plugin",
        MIRROR_PLUGIN_PATH, "--plugin-config", "mirror.dir=" + dir_ + "/store"};
    for (const std::string& c : extra_config_) {
      args.push_back("--plugin-config");
      args.push_back(c);
    }
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = LogPath();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    int rc = posix_spawn(&pid_, SHADEKV_SUB_PATH, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ASSERT_EQ(rc, 0) << "cannot start shadekv-sub for " << name_;
    ++starts_;
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  // SIGTERM; expects a clean exit 0 within 30 s.
  void Stop() {
    ASSERT_GT(pid_, 0) << name_;
    ::kill(pid_, SIGTERM);
    int status = -1;
    bool exited =
        WaitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, milliseconds(30000));
    if (!exited) Kill();
    pid_ = -1;
    ASSERT_TRUE(exited) << name_ << " did not stop on SIGTERM\n" << LogTail();
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << name_ << " exit status " << status << "\n"
        << LogTail();
  }

  bool Running() {
    if (pid_ <= 0) return false;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

  // The revision the plugin has applied (its status file), 0 before any.
  int64_t AppliedRevision() const {
    std::string text = ReadFile(dir_ + "/store.applied");
    return text.empty() ? 0 : std::atoll(text.c_str());
  }

  const std::string& name() const { return name_; }
  std::string StoreDir() const { return dir_ + "/store"; }
  std::string ViolationsPath() const { return dir_ + "/store.violations"; }
  std::string JournalPath() const { return dir_ + "/store.journal"; }
  std::string LogPath() const { return dir_ + "/sub.log"; }
  // A counter from the last run's closing line ("shadekv-sub: stopped at
  // revision ...: ..., <name> N ..."), -1 when absent.
  int64_t LastRunCounter(const std::string& name) const {
    std::ifstream in(LogPath());
    std::string last;
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("shadekv-sub: stopped at revision", 0) == 0) last = line;
    }
    size_t at = last.find(", " + name + " ");
    if (at == std::string::npos) return -1;
    return std::atoll(last.c_str() + at + name.size() + 3);
  }
  std::string LogTail() const {
    std::string text = ReadFile(LogPath());
    return text.size() > 4000 ? text.substr(text.size() - 4000) : text;
  }

 private:
  std::string name_;
  std::string dir_;
  std::vector<std::string> extra_config_;
  pid_t pid_ = -1;
  int starts_ = 0;
};

class BusClusterTest : public ClusterFixture {
 protected:
  void StartWithPublishers() {
    for (int i = 0; i < 3; ++i) {
      pub_ports_.push_back(PickFreePort());
      catchup_ports_.push_back(PickFreePort());
    }
    StartClusterWithFlags(3, [&](int i) {
      return std::vector<std::string>{
          "--plugin", PUBLISHER_PLUGIN_PATH, "--plugin-config",
          "publisher.listen=tcp://127.0.0.1:" + std::to_string(pub_ports_[i]), "--plugin-config",
          "publisher.catchup=tcp://127.0.0.1:" + std::to_string(catchup_ports_[i]),
          "--plugin-config", "publisher.heartbeat_ms=200",
          // Small, so a slow subscriber overflows it quickly.
          "--plugin-config", "publisher.send_hwm=200"};
    });
  }

  std::string Bus() const {
    std::string bus;
    for (int port : pub_ports_) {
      bus += (bus.empty() ? "" : ",") + std::string("tcp://127.0.0.1:") + std::to_string(port);
    }
    return bus;
  }

  std::vector<int> pub_ports_;
  std::vector<int> catchup_ports_;
};

TEST_F(BusClusterTest, EverySubscriberEndsWithTheExactSequenceAndThePrimarysState) {
  const int64_t total = WritesWanted();
  StartWithPublishers();
  WaitForLeader({0, 1, 2}, milliseconds(30000));

  MirrorSubscriber a("a", root_ + "/sub-a", {});
  MirrorSubscriber b("b", root_ + "/sub-b", {});
  // Slow for its first 3,000 events: far behind a send HWM of 200.
  MirrorSubscriber c("c", root_ + "/sub-c", {"mirror.delay_us=3000", "mirror.slow_events=3000"});
  for (MirrorSubscriber* s : {&a, &b, &c}) s->Start(Bus());

  WriteLoad load;
  load.total = total;
  load.threads = 8;
  load.prefix = "bus/";
  load.key_space = 20000;  // mostly overwrites
  load.delete_every = 16;
  load.limit = std::chrono::minutes(15);
  KeepAliveWriters writers([this] { return LiveClientPorts(); }, load);
  auto at = [&](double fraction) {
    const int64_t mark = static_cast<int64_t>(fraction * static_cast<double>(total));
    bool reached = WaitUntil([&] { return writers.done() >= mark; }, std::chrono::minutes(10));
    ASSERT_TRUE(reached) << "writes stalled at " << writers.done() << " of " << total;
  };

  at(0.10);
  a.Kill();
  at(0.20);
  a.Start(Bus());
  at(0.30);
  // Every subscriber reads from the first PUB endpoint: member 0's.
  Kill(0);
  at(0.45);
  Restart(0);
  at(0.50);
  b.Kill();
  const int64_t b_stopped_at = b.AppliedRevision();
  at(0.65);
  {
    // Compact past b's position so that its catch-up needs a snapshot.
    const int member = 1;  // never killed (member 0 may still be restarting)
    Result<StatusInfo> status = GetStatus(member);
    ASSERT_TRUE(status.ok()) << status.status().ToString();
    ASSERT_GT(status->revision, b_stopped_at + 1);
    Result<HttpReply> compacted =
        Call(member, "/v3/kv/compaction",
             "{\"revision\":\"" + std::to_string(status->revision) + "\",\"physical\":true}");
    ASSERT_TRUE(compacted.ok());
    ASSERT_EQ(compacted->status, 200) << compacted->body;
  }
  at(0.75);
  b.Start(Bus());
  ASSERT_TRUE(WaitUntil([&] { return writers.finished(); }, std::chrono::minutes(10)))
      << "writes stalled at " << writers.done() << " of " << total;
  writers.Join();

  const int64_t final_revision = WaitForConvergence({0, 1, 2}, milliseconds(60000));
  // Every put makes a revision; a delete of a key that is gone makes none.
  ASSERT_GE(final_revision, total * 15 / 16);
  Result<HashInfo> primary = HashKv(0, final_revision);
  ASSERT_TRUE(primary.ok()) << primary.status().ToString();

  for (MirrorSubscriber* s : {&a, &b, &c}) {
    bool caught_up =
        WaitUntil([&] { return s->AppliedRevision() >= final_revision; }, milliseconds(120000));
    EXPECT_TRUE(caught_up) << s->name() << " stopped at " << s->AppliedRevision() << " of "
                           << final_revision << "\n"
                           << s->LogTail();
    EXPECT_TRUE(s->Running()) << s->name() << " died\n" << s->LogTail();
    s->Stop();
  }

  for (MirrorSubscriber* s : {&a, &b, &c}) {
    SCOPED_TRACE("subscriber " + s->name());
    EXPECT_FALSE(std::filesystem::exists(s->ViolationsPath()))
        << "the plugin was handed a duplicate or a gap:\n"
        << ReadFile(s->ViolationsPath());
    // The journal: every revision handed over, in order; a snapshot line
    // moves the position. Contiguous, no duplicate, ends at the final one.
    std::ifstream journal(s->JournalPath());
    int64_t position = 0;
    int64_t snapshots = 0;
    int64_t events = 0;
    for (std::string line; std::getline(journal, line);) {
      if (line.rfind("snapshot ", 0) == 0) {
        int64_t revision = std::atoll(line.c_str() + 9);
        ASSERT_GT(revision, position) << "a snapshot went back in time";
        position = revision;
        ++snapshots;
      } else {
        int64_t revision = std::atoll(line.c_str());
        ASSERT_EQ(revision, position + 1) << "after " << events << " events";
        position = revision;
        ++events;
      }
    }
    EXPECT_EQ(position, final_revision);
    if (s == &b) {
      EXPECT_GE(snapshots, 2) << "b must come back through a snapshot after the compaction";
    }
    // a ran through the loss of member 0 (its first publisher) in its last
    // run. c did too, but while its plugin blocks it polls nothing, so
    // whether it notices the silence or the other publishers' copies cover
    // the gap depends on timing; so does whether its backlog overflowed the
    // send HWM or fit in ZeroMQ's and the kernel's buffers. Its counters are
    // in the log; only the outcome is asserted.
    if (s == &a) {
      EXPECT_GE(s->LastRunCounter("failovers"), 1) << s->LogTail();
    }
    EXPECT_EQ(s->LastRunCounter("malformed"), 0) << s->LogTail();
    Result<std::unique_ptr<mirror::MirrorStore>> mirror = mirror::MirrorStore::Open(s->StoreDir());
    ASSERT_TRUE(mirror.ok()) << mirror.status().ToString();
    EXPECT_EQ((*mirror)->AppliedRevision(), final_revision);
    Result<store::HashResult> hash = (*mirror)->Store()->HashKv(final_revision);
    ASSERT_TRUE(hash.ok()) << hash.status().ToString();
    EXPECT_EQ(hash->hash, primary->hash)
        << "state differs from the primary at revision " << final_revision;
  }
  RecordProperty("writes", std::to_string(writers.done()));
  RecordProperty("failed_attempts", std::to_string(writers.failed_attempts()));
}

}  // namespace
}  // namespace shadekv::cluster_testing
