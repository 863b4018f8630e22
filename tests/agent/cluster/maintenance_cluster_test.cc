// Issue 10, end to end with real processes: automatic compaction in revision
// and periodic mode, the start-up and periodic corruption checks against a
// member whose LevelDB was changed on purpose while it was stopped, and
// `shadectl check hash` against members and a shadow.
#include <leveldb/db.h>
#include <leveldb/options.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "agent/maintenance/hash_comparison.h"
#include "store/key_codec.h"
#include "store/kv_record.h"
#include "tests/shadow/shadow_fixture.h"

namespace shadekv::cluster_testing {
namespace {

using Clock = std::chrono::steady_clock;

constexpr milliseconds kLeaderWait{20000};
constexpr milliseconds kConverge{20000};

struct ToolRun {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs shadectl with `args` through the shell, stdout and stderr together.
ToolRun RunShadectl(const std::string& args) {
  const std::string command = std::string(SHADECTL_BIN) + " " + args + " 2>&1";
  ToolRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) run.output.append(buffer, n);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Rewrites the value bytes of the newest version of `key` in a stopped
// member's store (<data-dir>/kv), keeping the record decodable and the value
// length unchanged: only the keyspace hash can tell.
Status CorruptValue(const std::string& data_dir, const std::string& key) {
  leveldb::DB* raw = nullptr;
  leveldb::Options options;
  leveldb::Status s = leveldb::DB::Open(options, data_dir + "/kv", &raw);
  if (!s.ok()) return Status::Internal("open " + data_dir + "/kv: " + s.ToString());
  std::unique_ptr<leveldb::DB> db(raw);
  const std::string prefix = store::EncodeKeyPrefix(key);
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  it->Seek(prefix);
  if (!it->Valid() || !it->key().starts_with(prefix)) {
    return Status::NotFound("no version of '" + key + "' in " + data_dir);
  }
  std::string record = it->value().ToString();
  store::KeyValue kv;
  if (!store::DecodePutRecord(record, true, &kv) || kv.value.empty()) {
    return Status::FailedPrecondition("the newest version of '" + key + "' is not a put");
  }
  // The value is the record's tail: flip its bytes' case to keep it text.
  for (size_t i = record.size() - kv.value.size(); i < record.size(); ++i) record[i] ^= 0x20;
  store::KeyValue check;
  if (!store::DecodePutRecord(record, true, &check) || check.value == kv.value) {
    return Status::Internal("corrupting the record did not change the value");
  }
  const std::string version_key = it->key().ToString();
  it.reset();
  s = db->Put(leveldb::WriteOptions(), version_key, record);
  if (!s.ok()) return Status::Internal("rewrite: " + s.ToString());
  return Status::Ok();
}

class MaintenanceClusterTest : public ClusterFixture {
 protected:
  // Writes `n` keys "k/<i>" plus the victim key on member `i`; returns the
  // last revision.
  int64_t WriteKeys(int i, int n) {
    int64_t rev = 0;
    for (int k = 0; k < n; ++k) {
      Result<int64_t> r = Put(i, "k/" + std::to_string(k), "value-" + std::to_string(k));
      EXPECT_TRUE(r.ok()) << r.status().message();
      if (r.ok()) rev = *r;
    }
    Result<int64_t> r = Put(i, "victim", "the-original-value");
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : rev;
  }

  // Waits for member i's process to exit by itself; its exit code, or -1 on
  // timeout (the process is then left to TearDown's SIGKILL).
  int WaitExit(int i, milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
      int status = 0;
      pid_t done = waitpid(agents_[i].pid, &status, WNOHANG);
      if (done == agents_[i].pid) {
        agents_[i].pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(milliseconds(100));
    }
    return -1;
  }

  // Polls until `pred` holds or the deadline passes.
  static bool WaitFor(milliseconds deadline, const std::function<bool()>& pred) {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
      if (pred()) return true;
      std::this_thread::sleep_for(milliseconds(100));
    }
    return pred();
  }

  // A counter from member i's /metrics; -1 when unreadable.
  int64_t Metric(int i, const std::string& name) {
    Result<HttpReply> r =
        HttpCall(agents_[i].client_port, "GET", "/metrics", "", milliseconds(5000));
    if (!r.ok() || r->status != 200) return -1;
    const std::string line = "\n" + name + " ";
    size_t at = r->body.find(line);
    if (at == std::string::npos) return -1;
    return std::stoll(r->body.substr(at + line.size()));
  }

  std::string Endpoints(const std::vector<int>& members) {
    std::string out;
    for (int i : members) {
      out += (out.empty() ? "" : ",") + std::string("http://127.0.0.1:") +
             std::to_string(agents_[i].client_port);
    }
    return out;
  }

  int AnyFollower(int leader) { return leader == 0 ? 1 : 0; }
};

TEST_F(MaintenanceClusterTest, InitialCheckRefusesToStartACorruptedMember) {
  StartCluster(3, {"--experimental-initial-corrupt-check"});
  const int leader = WaitForLeader({0, 1, 2}, kLeaderWait);
  WriteKeys(leader, 20);
  WaitForConvergence({0, 1, 2}, kConverge);
  const int victim = AnyFollower(leader);
  const uint64_t victim_id = MemberIdOf(victim);

  // A healthy member restarts through the check; the stopped victim is
  // skipped with a warning, not a reason to refuse.
  const int healthy = 3 - leader - victim;
  Kill(victim);
  Kill(healthy);
  Restart(healthy);
  // Only this start's lines: the log file also holds the first start's.
  auto this_start = [&] {
    const std::string log = LogOf(healthy);
    return log.substr(log.rfind("==== starting"));
  };
  ASSERT_TRUE(WaitFor(kLeaderWait, [&] {
    return this_start().find("initial corruption check passed") != std::string::npos;
  })) << LogTail(healthy, 30);
  EXPECT_NE(this_start().find("cannot fetch the hash of peer " + agents_[victim].name),
            std::string::npos)
      << LogTail(healthy, 30);
  WaitForLeader({leader, healthy}, kLeaderWait);

  ASSERT_TRUE(CorruptValue(agents_[victim].data_dir, "victim").ok());
  Restart(victim);
  const int code = WaitExit(victim, milliseconds(30000));
  EXPECT_NE(code, 0) << LogTail(victim, 30);
  EXPECT_NE(code, -1) << "the corrupted member kept running\n" << LogTail(victim, 30);
  const std::string log = LogOf(victim);
  EXPECT_NE(log.find("found data inconsistency with peers"), std::string::npos) << log;
  EXPECT_NE(log.find("a (id "), std::string::npos) << log;
  EXPECT_NE(log.find("b (id "), std::string::npos) << log;
  EXPECT_NE(log.find("(id " + maintenance::MemberIdHex(victim_id) + ") hash"), std::string::npos)
      << log;
  EXPECT_EQ(log.find("ready to serve client requests", log.rfind("==== starting")),
            std::string::npos)
      << "the corrupted member served clients\n"
      << log;
}

TEST_F(MaintenanceClusterTest, PeriodicCheckReportsTheCorruptedMemberAndShadectlSeesIt) {
  StartCluster(3, {"--experimental-corrupt-check-time", "300ms"});
  int leader = WaitForLeader({0, 1, 2}, kLeaderWait);
  WriteKeys(leader, 20);
  WaitForConvergence({0, 1, 2}, kConverge);
  // Healthy: the leader compares and finds nothing.
  ASSERT_TRUE(WaitFor(kConverge, [&] {
    return Metric(leader, "shadekv_corruption_checks_total") > 0;
  })) << LogTail(leader, 30);
  EXPECT_EQ(Metric(leader, "shadekv_corruption_detected_total"), 0);
  ToolRun healthy = RunShadectl("check hash --endpoints " + Endpoints({0, 1, 2}));
  EXPECT_EQ(healthy.exit_code, 0) << healthy.output;
  EXPECT_EQ(healthy.output.find("MISMATCH"), std::string::npos) << healthy.output;

  const int victim = AnyFollower(leader);
  const uint64_t victim_id = MemberIdOf(victim);
  Kill(victim);
  ASSERT_TRUE(CorruptValue(agents_[victim].data_dir, "victim").ok());
  Restart(victim);
  leader = WaitForLeader({0, 1, 2}, kLeaderWait);

  const std::string wanted = "corruption detected: member " + maintenance::MemberIdHex(victim_id);
  int reporter = -1;
  ASSERT_TRUE(WaitFor(milliseconds(30000), [&] {
    for (int i = 0; i < 3; ++i) {
      if (LogOf(i).find(wanted) != std::string::npos) reporter = i;
    }
    return reporter >= 0;
  })) << LogTail(leader, 40);
  EXPECT_NE(reporter, victim);
  EXPECT_GE(Metric(reporter, "shadekv_corruption_detected_total"), 1);
  // The callback's line, naming the member and the revision.
  EXPECT_NE(LogOf(reporter).find("raising the CORRUPT alarm for member " +
                                 maintenance::MemberIdHex(victim_id) + " at revision "),
            std::string::npos)
      << LogTail(reporter, 40);
  // The alarm is replicated: every member lists it and refuses writes.
  const std::string alarm =
      "{\"memberID\":\"" + std::to_string(victim_id) + "\",\"alarm\":\"CORRUPT\"}";
  for (int i = 0; i < 3; ++i) {
    std::string body;
    EXPECT_TRUE(WaitFor(milliseconds(15000),
                        [&] {
                          Result<HttpReply> list =
                              Call(i, "/v3/maintenance/alarm", "{\"action\":\"GET\"}");
                          body = list.ok() ? list->body : list.status().message();
                          return body.find(alarm) != std::string::npos;
                        }))
        << "member " << i << ": " << body;
  }
  Result<HttpReply> refused =
      Call(leader, "/v3/kv/put", "{\"key\":\"" + Base64("after") + "\",\"value\":\"eA==\"}");
  ASSERT_TRUE(refused.ok()) << refused.status().message();
  EXPECT_EQ(refused->status, 500) << refused->body;
  EXPECT_NE(refused->body.find("etcdserver: corrupt cluster"), std::string::npos) << refused->body;

  ToolRun check = RunShadectl("check hash --endpoints " + Endpoints({0, 1, 2}));
  EXPECT_EQ(check.exit_code, 1) << check.output;
  EXPECT_NE(check.output.find("MISMATCH"), std::string::npos) << check.output;
  EXPECT_NE(check.output.find("Error: hash mismatch at revision"), std::string::npos)
      << check.output;
  // The MISMATCH row is the victim's endpoint.
  const std::string victim_url = "http://127.0.0.1:" + std::to_string(agents_[victim].client_port);
  const size_t row = check.output.find(victim_url);
  ASSERT_NE(row, std::string::npos) << check.output;
  const std::string victim_row = check.output.substr(row, check.output.find('\n', row) - row);
  EXPECT_NE(victim_row.find("MISMATCH"), std::string::npos) << check.output;
  ToolRun json = RunShadectl("-w json check hash --endpoints " + Endpoints({0, 1, 2}));
  EXPECT_EQ(json.exit_code, 1) << json.output;
  EXPECT_NE(json.output.find("\"consistent\":false"), std::string::npos) << json.output;

  // The runbook (docs/runbooks/corrupt-member.md): stop the suspect, remove
  // it, add an empty member under a new peer URL; every hash agrees again.
  Kill(victim);
  leader = WaitForLeader(RunningMembers(), kLeaderWait);
  ASSERT_TRUE(MemberRemove(leader, victim_id).ok());
  const int fresh = PrepareJoiner("d");
  Result<uint64_t> added = MemberAdd(leader, agents_[fresh].peer_url(), false);
  ASSERT_TRUE(added.ok()) << added.status().message();
  Start(fresh);
  const std::vector<int> repaired = RunningMembers();
  ASSERT_EQ(repaired.size(), 3u);
  WaitForConvergence(repaired, kConverge);
  ToolRun after = RunShadectl("check hash --endpoints " + Endpoints(repaired));
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_EQ(after.output.find("MISMATCH"), std::string::npos) << after.output;
  Result<std::optional<KeyValue>> value = Get(fresh, "victim", /*serializable=*/true);
  ASSERT_TRUE(value.ok() && value->has_value());
  EXPECT_EQ((*value)->value, "the-original-value");
  // Repaired: disarming the alarm lets writes through again.
  ToolRun disarm = RunShadectl("alarm disarm --endpoints " + Endpoints(repaired));
  EXPECT_EQ(disarm.exit_code, 0) << disarm.output;
  EXPECT_NE(disarm.output.find("alarm:CORRUPT"), std::string::npos) << disarm.output;
  Result<int64_t> written = Put(repaired[0], "after", "x");
  EXPECT_TRUE(written.ok()) << written.status().message();
}

TEST_F(MaintenanceClusterTest, RevisionModeCompactsToCurrentMinusRetention) {
  StartCluster(3, {"--auto-compaction-mode", "revision", "--auto-compaction-retention", "5",
                   "--experimental-auto-compaction-revision-interval", "300ms"});
  const int leader = WaitForLeader({0, 1, 2}, kLeaderWait);
  const int64_t last = WriteKeys(leader, 30);
  // Compaction replicates: every member reports a compact revision of at
  // least last - 5 once the leader compacted after the last write.
  for (int i = 0; i < 3; ++i) {
    int64_t compact = 0;
    EXPECT_TRUE(WaitFor(kConverge,
                        [&] {
                          Result<HashInfo> h = HashKv(i, 0);
                          compact = h.ok() ? h->compact_revision : 0;
                          return compact == last - 5;
                        }))
        << "member " << i << " compact revision " << compact << ", wanted " << last - 5 << "\n"
        << LogTail(i, 20);
  }
  // A read below it is etcd's compacted error.
  Result<HttpReply> old =
      Call(leader, "/v3/kv/range", "{\"key\":\"" + Base64("k/1") + "\",\"revision\":\"2\"}");
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->status, 400) << old->body;
  EXPECT_NE(old->body.find("mvcc: required revision has been compacted"), std::string::npos)
      << old->body;
  // The compaction revision itself stays readable.
  Result<HttpReply> edge =
      Call(leader, "/v3/kv/range",
           "{\"key\":\"" + Base64("k/1") + "\",\"revision\":\"" + std::to_string(last - 5) + "\"}");
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->status, 200) << edge->body;
  // Only a leader proposed it.
  int proposers = 0;
  for (int i = 0; i < 3; ++i) {
    if (LogOf(i).find("completed auto revision compaction") != std::string::npos) ++proposers;
  }
  EXPECT_GE(proposers, 1);
  EXPECT_NE(LogOf(leader).find("completed auto revision compaction at revision " +
                               std::to_string(last - 5)),
            std::string::npos)
      << LogTail(leader, 20);
}

TEST_F(MaintenanceClusterTest, PeriodicModeKeepsAboutTheRetentionOfHistory) {
  // 2s retention: samples every 200 ms, compactions every 2s at the revision
  // of about 2s before.
  StartCluster(1, {"--auto-compaction-retention", "2s"});
  WaitForLeader({0}, kLeaderWait);
  const int64_t first = WriteKeys(0, 5);
  int64_t compact = 0;
  int64_t current = 0;
  int writes = 0;
  // Keep writing: the window slides past the first writes.
  ASSERT_TRUE(WaitFor(milliseconds(20000),
                      [&] {
                        Result<int64_t> put = Put(0, "tick", std::to_string(writes++));
                        if (put.ok()) current = *put;
                        Result<HashInfo> h = HashKv(0, 0);
                        compact = h.ok() ? h->compact_revision : 0;
                        return compact >= first;
                      }))
      << "compact revision " << compact << "\n"
      << LogTail(0, 20);
  // Recent history (the last ~2s of writes) is kept.
  EXPECT_LT(compact, current);
  EXPECT_NE(LogOf(0).find("completed auto periodic compaction"), std::string::npos);
}

TEST_F(MaintenanceClusterTest, BadMaintenanceFlagsStopTheDaemonWithAClearError) {
  const std::string dir = root_ + "/bad";
  CommandResult r = RunCommand({ShadekvBinary(), "--data-dir", dir, "--auto-compaction-mode",
                                "hourly", "--auto-compaction-retention", "1"},
                               root_, milliseconds(10000));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--auto-compaction-mode 'hourly': expected periodic or revision"),
            std::string::npos)
      << r.err;
  r = RunCommand({ShadekvBinary(), "--data-dir", dir, "--experimental-corrupt-check-time", "x"},
                 root_, milliseconds(10000));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("--experimental-corrupt-check-time 'x'"), std::string::npos) << r.err;
}

class ShadowCheckHashTest : public shadow_testing::ShadowFixture {};

TEST_F(ShadowCheckHashTest, MembersAndAShadowAgree) {
  StartPrimary(3);
  const int leader = WaitForLeader({0, 1, 2}, kLeaderWait);
  int64_t last = 0;
  for (int k = 0; k < 30; ++k) {
    Result<int64_t> r = Put(leader, "s/" + std::to_string(k), "v" + std::to_string(k));
    ASSERT_TRUE(r.ok()) << r.status().message();
    last = *r;
  }
  WaitForConvergence({0, 1, 2}, kConverge);
  StartShadow();
  WaitShadowAt(last, kConverge);
  std::string endpoints;
  for (int i = 0; i < 3; ++i) {
    endpoints += "http://127.0.0.1:" + std::to_string(agents_[i].client_port) + ",";
  }
  endpoints += "http://127.0.0.1:" + std::to_string(shadow_port_);
  ToolRun run = RunShadectl("check hash --endpoints " + endpoints);
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.find("MISMATCH"), std::string::npos) << run.output;
  size_t oks = 0;
  for (size_t at = run.output.find(" OK |"); at != std::string::npos;
       at = run.output.find(" OK |", at + 1)) {
    ++oks;
  }
  EXPECT_EQ(oks, 4u) << run.output;
  EXPECT_NE(run.output.find(" " + std::to_string(last) + " |"), std::string::npos) << run.output;

  ToolRun one =
      RunShadectl("check hash --endpoints http://127.0.0.1:" + std::to_string(shadow_port_));
  EXPECT_EQ(one.exit_code, 128) << one.output;
  EXPECT_NE(one.output.find("at least two endpoints"), std::string::npos) << one.output;
}

}  // namespace
}  // namespace shadekv::cluster_testing
