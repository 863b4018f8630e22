// fork/exec with the reaping split in two (waitid WNOWAIT, then waitpid under
// the lock) so a concurrent Kill() can never signal a recycled PID.
#include "agent/ctl/child_process.h"

#include "agent/ctl/signal_stopper.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace shadekv::ctl {

Result<std::string> LookPath(const std::string& name) {
  auto not_found = [&name] {
    return Status::NotFound("exec: \"" + name + "\": executable file not found in $PATH");
  };
  if (name.empty()) return not_found();
  if (name.find('/') != std::string::npos) {
    if (access(name.c_str(), X_OK) == 0) return name;
    return Status::NotFound("fork/exec " + name + ": " + std::strerror(errno));
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    std::string dir = dirs.substr(start, colon == std::string::npos ? colon : colon - start);
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return not_found();
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::Start(const std::vector<std::string>& argv,
                                                          const std::vector<std::string>& prepend,
                                                          const std::vector<std::string>& append) {
  if (argv.empty()) return Status::InvalidArgument("no command to run");
  SHADEKV_ASSIGN_OR_RETURN(std::string program, LookPath(argv[0]));
  // Everything the child needs is prepared before fork: only async-signal-safe
  // calls are allowed after it in a multi-threaded process.
  std::vector<std::string> env = prepend;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  env.insert(env.end(), append.begin(), append.end());
  std::vector<char*> c_args, c_env;
  for (const std::string& a : argv) c_args.push_back(const_cast<char*>(a.c_str()));
  c_args.push_back(nullptr);
  for (const std::string& e : env) c_env.push_back(const_cast<char*>(e.c_str()));
  c_env.push_back(nullptr);
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    // Dies with shadectl: a SIGKILLed lock holder must not leave its command
    // running inside the critical section.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    execve(program.c_str(), c_args.data(), c_env.data());
    _exit(127);
  }
  // Also from the parent, so Signal() works even before the child ran setpgid.
  setpgid(pid, pid);
  return std::unique_ptr<ChildProcess>(new ChildProcess(pid));
}

ChildProcess::~ChildProcess() {
  std::lock_guard<std::mutex> lock(mu_);
  if (reaped_) return;
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  waitpid(pid_, &status_, 0);
  reaped_ = true;
}

int ChildProcess::Wait() {
  siginfo_t info;
  while (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT) != 0 && errno == EINTR) {
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!reaped_) {
    while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  return status_;
}

void ChildProcess::Signal(int signo) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reaped_) return;
  kill(-pid_, signo);
  kill(pid_, signo);  // in case the group was not set up yet
}

Result<int> RunChild(const std::vector<std::string>& argv, const std::vector<std::string>& prepend,
                     const std::vector<std::string>& append, CancelToken* cancel) {
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<ChildProcess> child,
                           ChildProcess::Start(argv, prepend, append));
  ChildProcess* raw = child.get();
  std::unique_ptr<ScopedCancelHook> forward;
  if (cancel != nullptr) {
    forward = std::make_unique<ScopedCancelHook>(cancel, [raw, cancel] {
      const std::string reason = cancel->reason();
      if (reason == kInterruptedReason) {
        raw->Signal(SIGINT);
      } else if (reason == kTerminatedReason) {
        raw->Signal(SIGTERM);
      } else {
        raw->Kill();
      }
    });
  }
  int status = child->Wait();
  forward.reset();
  return status;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    switch (WTERMSIG(status)) {
      case SIGKILL:
        return "signal: killed";
      case SIGTERM:
        return "signal: terminated";
      case SIGINT:
        return "signal: interrupt";
      default:
        return std::string("signal: ") + strsignal(WTERMSIG(status));
    }
  }
  return "unknown wait status " + std::to_string(status);
}

}  // namespace shadekv::ctl
