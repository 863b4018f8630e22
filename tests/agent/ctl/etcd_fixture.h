// Test helpers for shadectl's end-to-end tests: a real etcd 3.4 on 127.0.0.1
// (free ports, fresh temp data dir, killed by PID), and a bounded subprocess
// runner that feeds stdin and captures stdout, stderr and the exit code.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::ctl::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when killed (timeout) or not started
  std::string out;
  std::string err;
  bool timed_out = false;
};

// Runs argv[0] (a path, or a name searched in PATH) with extra environment
// variables, writes `stdin_text` to its stdin then closes it, and waits at
// most `timeout`; a process still running then is SIGKILLed by its PID.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_text,
                         const std::map<std::string, std::string>& env,
                         std::chrono::milliseconds timeout);

// A process left running while the test acts on it (a watcher, a lock
// holder): stdout and stderr go to files in a temp dir, read at any time. It
// runs in its own process group (pgid == pid), so KillGroup() takes down
// whatever it started too. The destructor SIGKILLs the group if still
// running, reaps it and removes the temp dir.
class BackgroundProcess {
 public:
  static Result<std::unique_ptr<BackgroundProcess>> Start(
      const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  pid_t pid() const { return pid_; }
  // Sends `signo` to the process only (not its group), unless it was reaped.
  void Signal(int signo);
  // SIGKILLs the whole process group, unless it was reaped.
  void KillGroup();
  // Waits at most `timeout` for the exit; the exit code, -2 when killed by a
  // signal, or DeadlineExceeded (the process is left running).
  Result<int> Wait(std::chrono::milliseconds timeout);
  bool running();
  std::string out() const;
  std::string err() const;
  // Polls out() until it contains `text` or `timeout` passes.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds timeout) const;

 private:
  BackgroundProcess() = default;
  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_code_ = -1;
  std::string dir_;
};

// Reads a whole file ("" when missing).
std::string ReadFile(const std::string& path);

// The full path of `name` in PATH (shadectl's LookPath), or "" when absent.
std::string FindInPath(const std::string& name);

// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read
// back, closed).
Result<int> PickFreePort();

// Which server an EtcdProcess runs. Both take etcd's flags; they differ in the
// peer URL scheme (etcd: http://, shadekv: ZeroMQ tcp://).
enum class ServerKind { kEtcd, kShadekv };

// One single-member etcd (or shadekv, see StartShadekv) on 127.0.0.1, on free
// ports with a fresh temp data dir; Start* returns once GET /health answers
// {"health":"true"}, or fails when `deadline` passes or the process exits.
// Start() fails with a message saying to run scripts/deps.sh when etcd is not
// installed. The destructor SIGKILLs the process by PID, reaps it and removes
// the data directory (also when start-up failed).
class EtcdProcess {
 public:
  // `extra_flags` go after the standard ones (e.g. {"--auth-token-ttl", "2"}).
  static Result<std::unique_ptr<EtcdProcess>> Start(
      const std::string& name, std::chrono::milliseconds deadline,
      const std::vector<std::string>& extra_flags = {});
  // The same for the shadekv daemon at `binary` (a path).
  static Result<std::unique_ptr<EtcdProcess>> StartShadekv(
      const std::string& binary, const std::string& name, std::chrono::milliseconds deadline,
      const std::vector<std::string>& extra_flags = {});
  ~EtcdProcess();
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  // "127.0.0.1:<client port>", as given to --endpoints.
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(client_port_); }
  int client_port() const { return client_port_; }
  int peer_port() const { return peer_port_; }
  const std::string& log_path() const { return log_path_; }

  // SIGKILLs the server by PID (and reaps it); a no-op when not running.
  void Kill();
  // Kill()s, then starts the server again with the same flags, ports and data
  // directory; returns once GET /health answers again (or fails as Start*).
  Status Restart(std::chrono::milliseconds deadline);

 private:
  EtcdProcess() = default;
  static Result<std::unique_ptr<EtcdProcess>> StartWithRetries(
      ServerKind kind, const std::string& binary, const std::string& name,
      std::chrono::milliseconds deadline, const std::vector<std::string>& extra_flags);
  static Result<std::unique_ptr<EtcdProcess>> TryStart(ServerKind kind, const std::string& binary,
                                                       const std::string& name,
                                                       std::chrono::milliseconds deadline,
                                                       const std::vector<std::string>& extra_flags);

  // Forks and execs args_, then polls /health until `deadline`.
  Status Launch(std::chrono::milliseconds deadline, bool truncate_log);

  pid_t pid_ = -1;
  std::vector<std::string> args_;  // argv, binary first
  std::string program_;            // "etcd" or "shadekv", for messages
  std::string client_url_;
  int client_port_ = 0;
  int peer_port_ = 0;
  std::string data_dir_;
  std::string log_path_;
};

}  // namespace shadekv::ctl::testing
