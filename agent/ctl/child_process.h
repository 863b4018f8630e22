// Runs the command given to `watch -- CMD`, `lock NAME CMD` the way etcdctl's
// os/exec does, plus what a lock holder needs to be safe: the command dies
// with shadectl (PR_SET_PDEATHSIG), and it runs in its own process group so
// Kill() takes down everything it started.
//
// Thread-safety: Wait() on one thread; Signal()/Kill() from any thread, also
// while Wait() blocks (they never touch a reaped, possibly reused, PID).
#pragma once

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "agent/ctl/cancel_token.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// Go's exec.LookPath: a name with a slash is used as is; otherwise the first
// executable in $PATH. NotFound with Go's wording:
// exec: "x": executable file not found in $PATH.
Result<std::string> LookPath(const std::string& name);

class ChildProcess {
 public:
  // Starts `argv` with environment `prepend` + this process's environment +
  // `append` (etcdctl puts lock variables before os.Environ() and watch
  // variables after). stdout/stderr are shadectl's, stdin is /dev/null.
  static Result<std::unique_ptr<ChildProcess>> Start(const std::vector<std::string>& argv,
                                                     const std::vector<std::string>& prepend,
                                                     const std::vector<std::string>& append);
  ~ChildProcess();  // SIGKILLs and reaps a child still running
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Blocks until the child exits; returns its wait status (as waitpid's).
  int Wait();

  // Sends `signo` to the child's process group, unless it was reaped already.
  void Signal(int signo);
  void Kill() { Signal(9); }

  pid_t pid() const { return pid_; }

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}

  const pid_t pid_;
  std::mutex mu_;
  bool reaped_ = false;  // guarded by mu_
  int status_ = 0;       // guarded by mu_
};

// Starts the command and waits for it, honouring `cancel` (may be null) while
// it runs: a SIGINT/SIGTERM stop (see signal_stopper.h) is forwarded to the
// command's process group as the same signal, as a terminal would have
// delivered it; any other stop (a lost lock) SIGKILLs the group at once.
// Returns the wait status, or the start error (LookPath's, fork's).
Result<int> RunChild(const std::vector<std::string>& argv, const std::vector<std::string>& prepend,
                     const std::vector<std::string>& append, CancelToken* cancel);

// Go's *exec.ExitError text for a wait status: "exit status 3", "signal: killed".
std::string DescribeWaitStatus(int status);

}  // namespace shadekv::ctl
