// Test helpers for multi-process cluster tests: real `shadekv` processes on
// 127.0.0.1 with free ports and their own data directories, started, killed
// (SIGKILL, by PID) and restarted; a small etcd JSON gateway client; and
// polling waits with deadlines.
//
// Every process a ClusterFixture starts is SIGKILLed by its PID and reaped in
// TearDown, also when the test failed; on failure the tail of every member's
// log (stdout and stderr, one file per member) is printed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "shadekv/common/status.h"
#include "tests/agent/cluster/base64_text.h"

namespace shadekv::cluster_testing {

using std::chrono::milliseconds;

struct HttpReply {
  int status = 0;
  std::string body;
};

// One HTTP request to 127.0.0.1:port. Transport failures (refused, timeout,
// reset) are kUnavailable naming the port and path.
Result<HttpReply> HttpCall(int port, const std::string& method, const std::string& path,
                           const std::string& body, milliseconds timeout);

// The shadekv binary under test: $SHADEKV_TEST_BIN when set (to run these
// tests against another build), else the one built with them.
std::string ShadekvBinary();

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0).
int PickFreePort();

// Runs a command to completion (bounded by `timeout`, then SIGKILL) in `cwd`;
// returns its exit code (-1 when killed) and its stderr.
struct CommandResult {
  int exit_code = -1;
  std::string err;
};
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& cwd,
                         milliseconds timeout);

struct KeyValue {
  std::string value;
  int64_t mod_revision = 0;
  int64_t create_revision = 0;
};

struct StatusInfo {
  uint64_t member_id = 0;
  uint64_t leader = 0;
  uint64_t raft_term = 0;
  uint64_t raft_index = 0;
  uint64_t applied_index = 0;
  int64_t revision = 0;
  bool is_learner = false;
};

struct HashInfo {
  uint32_t hash = 0;
  int64_t compact_revision = 0;
  int64_t revision = 0;  // the header's current revision
};

struct MemberInfo {
  uint64_t id = 0;
  std::string name;
  std::vector<std::string> client_urls;
  bool is_learner = false;
};

// One shadekv member: its flags, ports, data dir and log, and its process.
struct Agent {
  std::string name;
  int client_port = 0;
  int peer_port = 0;
  std::string data_dir;
  std::string log_path;
  std::vector<std::string> extra_flags;
  std::string initial_cluster;
  std::string cluster_state = "new";
  pid_t pid = -1;
  std::string peer_url() const { return "tcp://127.0.0.1:" + std::to_string(peer_port); }
};

class ClusterFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Allocates ports and directories for `n` members a, b, c, ... and starts
  // them all as a new cluster. `extra` flags go to every member.
  void StartCluster(int n, const std::vector<std::string>& extra = {});
  // The same with flags chosen per member (index i; names are set by then).
  void StartClusterWithFlags(int n,
                             const std::function<std::vector<std::string>(int i)>& flags_for);
  // Allocates one more member (not started) whose --initial-cluster lists
  // every current member plus itself, with --initial-cluster-state existing.
  int PrepareJoiner(const std::string& name);
  // Start, Kill, Restart, Running, RunningMembers and LiveClientPorts may be
  // called from several threads at once (load threads ask which members run
  // while the test thread kills and restarts them): the pids are guarded by
  // procs_mu_. Members are added (StartCluster, PrepareJoiner) only on the
  // test thread, before any such thread starts.
  void Start(int i);
  void Kill(int i);  // SIGKILL by PID and reap
  void Restart(int i) { Start(i); }
  bool Running(int i) const;
  std::vector<int> RunningMembers() const;
  // The client ports of the members running now.
  std::vector<int> LiveClientPorts() const;

  // Waits until every running member in `members` reports the same leader
  // (one of them) and answers /health (or, while an alarm holds /health at
  // 503, a linearizable read). Returns the leader's index.
  int WaitForLeader(const std::vector<int>& members, milliseconds deadline);
  // Waits until every member in `members` reports the same revision and the
  // same hashkv at it. Returns that revision.
  int64_t WaitForConvergence(const std::vector<int>& members, milliseconds deadline);
  uint64_t MemberIdOf(int i);

  // Gateway calls against member i.
  Result<HttpReply> Call(int i, const std::string& path, const std::string& body,
                         milliseconds timeout = milliseconds(15000));
  Result<int64_t> Put(int i, const std::string& key, const std::string& value);
  Result<std::optional<KeyValue>> Get(int i, const std::string& key, bool serializable = false);
  // Every key under `prefix` with its value and revisions.
  Result<std::map<std::string, KeyValue>> GetPrefix(int i, const std::string& prefix,
                                                    bool serializable = false);
  Result<int64_t> Delete(int i, const std::string& key);
  Result<StatusInfo> GetStatus(int i);
  Result<HashInfo> HashKv(int i, int64_t revision);
  Result<std::vector<MemberInfo>> MemberList(int i);
  Result<uint64_t> MemberAdd(int i, const std::string& peer_url, bool learner);
  Status MemberPromote(int i, uint64_t id);
  Status MemberRemove(int i, uint64_t id);

  std::string LogOf(int i) const;
  std::string LogTail(int i, size_t lines) const;

  std::string root_;   // per-test temp dir
  std::string token_;  // per-test cluster token
  std::vector<Agent> agents_;

 private:
  void SpawnLocked(int i);  // Start's body; the caller holds procs_mu_
  mutable std::mutex procs_mu_;
};

}  // namespace shadekv::cluster_testing
