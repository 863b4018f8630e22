// fork/exec with pipes and a deadline; etcd start-up by polling /health.
#include "tests/agent/ctl/etcd_fixture.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

#include "agent/ctl/child_process.h"

namespace shadekv::ctl::testing {

namespace {

// This process's environment with `overrides` replacing or adding variables.
std::vector<std::string> EnvironWith(const std::map<std::string, std::string>& overrides) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (overrides.count(entry.substr(0, entry.find('='))) == 0) out.push_back(entry);
  }
  for (const auto& [k, v] : overrides) out.push_back(k + "=" + v);
  return out;
}

// execve's null-terminated array over `strings`, which must outlive it.
std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

std::string FindInPath(const std::string& name) {
  Result<std::string> found = LookPath(name);
  return found.ok() ? *found : "";
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdin_text,
                         const std::map<std::string, std::string>& env,
                         std::chrono::milliseconds timeout) {
  ProcessResult result;
  std::string program = FindInPath(argv.at(0));
  if (program.empty()) {
    result.err = "not found: " + argv[0];
    return result;
  }
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  const std::vector<std::string> env_strings = EnvironWith(env);
  std::vector<char*> c_args = CStrings(argv), c_env = CStrings(env_strings);

  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execve(program.c_str(), c_args.data(), c_env.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (pid < 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(err_pipe[0]);
    result.err = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  signal(SIGPIPE, SIG_IGN);
  fcntl(in_pipe[1], F_SETFL, O_NONBLOCK);
  size_t written = 0;
  int in_fd = in_pipe[1];
  if (stdin_text.empty()) {
    close(in_fd);
    in_fd = -1;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    pollfd fds[3];
    int n = 0;
    if (out_open) fds[n++] = {out_pipe[0], POLLIN, 0};
    if (err_open) fds[n++] = {err_pipe[0], POLLIN, 0};
    if (in_fd >= 0) fds[n++] = {in_fd, POLLOUT, 0};
    if (poll(fds, static_cast<nfds_t>(n), static_cast<int>(left.count())) < 0 && errno != EINTR) {
      break;
    }
    for (int i = 0; i < n; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == in_fd) {
        ssize_t w = write(in_fd, stdin_text.data() + written, stdin_text.size() - written);
        if (w > 0) written += static_cast<size_t>(w);
        if (w < 0 || written == stdin_text.size()) {
          close(in_fd);
          in_fd = -1;
        }
        continue;
      }
      char buf[4096];
      ssize_t r = read(fds[i].fd, buf, sizeof(buf));
      bool is_out = fds[i].fd == out_pipe[0];
      if (r <= 0) {
        (is_out ? out_open : err_open) = false;
      } else {
        (is_out ? result.out : result.err).append(buf, static_cast<size_t>(r));
      }
    }
  }
  if (in_fd >= 0) close(in_fd);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  if (!result.timed_out) {
    // Output closed; the exit follows promptly, but stay bounded anyway.
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > deadline) {
        kill(pid, SIGKILL);
        result.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  if (result.timed_out) {
    waitpid(pid, &status, 0);
    return result;
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

Result<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Internal(std::string("socket: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return Status::Internal(std::string("bind 127.0.0.1:0: ") + std::strerror(errno));
  }
  int port = ntohs(addr.sin_port);
  close(fd);
  return port;
}

namespace {

bool Healthy(int port) {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(0, 500000));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/health",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    return response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK &&
           body.find("\"true\"") != std::string::npos;
  } catch (const Poco::Exception&) {
    return false;
  }
}

}  // namespace

Result<std::unique_ptr<EtcdProcess>> EtcdProcess::Start(
    const std::string& name, std::chrono::milliseconds deadline,
    const std::vector<std::string>& extra_flags) {
  std::string etcd = FindInPath("etcd");
  if (etcd.empty() || FindInPath("etcdctl").empty()) {
    return Status::FailedPrecondition(
        "etcd/etcdctl not found in PATH: these tests compare shadectl with a real etcd 3.4; "
        "run scripts/deps.sh (it installs etcd-server and etcd-client)");
  }
  return StartWithRetries(ServerKind::kEtcd, etcd, name, deadline, extra_flags);
}

Result<std::unique_ptr<EtcdProcess>> EtcdProcess::StartShadekv(
    const std::string& binary, const std::string& name, std::chrono::milliseconds deadline,
    const std::vector<std::string>& extra_flags) {
  if (access(binary.c_str(), X_OK) != 0) {
    return Status::FailedPrecondition("shadekv binary not found or not executable: " + binary);
  }
  return StartWithRetries(ServerKind::kShadekv, binary, name, deadline, extra_flags);
}

Result<std::unique_ptr<EtcdProcess>> EtcdProcess::StartWithRetries(
    ServerKind kind, const std::string& binary, const std::string& name,
    std::chrono::milliseconds deadline, const std::vector<std::string>& extra_flags) {
  // A port picked free may be taken before the server binds it: retry a few times.
  Status last;
  for (int attempt = 0; attempt < 3; ++attempt) {
    Result<std::unique_ptr<EtcdProcess>> started =
        TryStart(kind, binary, name, deadline, extra_flags);
    if (started.ok()) return started;
    last = started.status();
  }
  return last;
}

Result<std::unique_ptr<EtcdProcess>> EtcdProcess::TryStart(
    ServerKind kind, const std::string& binary, const std::string& name,
    std::chrono::milliseconds deadline, const std::vector<std::string>& extra_flags) {
  std::unique_ptr<EtcdProcess> p(new EtcdProcess);
  SHADEKV_ASSIGN_OR_RETURN(p->client_port_, PickFreePort());
  SHADEKV_ASSIGN_OR_RETURN(p->peer_port_, PickFreePort());
  if (p->peer_port_ == p->client_port_) return Status::Unavailable("picked the same port twice");
  const bool etcd = kind == ServerKind::kEtcd;
  const std::string program = etcd ? "etcd" : "shadekv";
  std::string tmpl =
      (std::filesystem::temp_directory_path() / ("shadectl-" + program + "-XXXXXX")).string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Status::Internal(std::string("mkdtemp: ") + std::strerror(errno));
  }
  p->data_dir_ = tmpl;
  p->log_path_ = tmpl + "/" + program + ".log";
  const std::string client = "http://127.0.0.1:" + std::to_string(p->client_port_);
  const std::string peer =
      (etcd ? "http://127.0.0.1:" : "tcp://127.0.0.1:") + std::to_string(p->peer_port_);
  std::vector<std::string> args = {binary,
                                   "--name",
                                   name,
                                   "--data-dir",
                                   p->data_dir_ + "/data",
                                   "--listen-client-urls",
                                   client,
                                   "--advertise-client-urls",
                                   client,
                                   "--listen-peer-urls",
                                   peer,
                                   "--initial-advertise-peer-urls",
                                   peer,
                                   "--initial-cluster",
                                   name + "=" + peer,
                                   "--initial-cluster-token",
                                   name + "-token"};
  args.insert(args.end(), extra_flags.begin(), extra_flags.end());
  p->args_ = std::move(args);
  p->program_ = program;
  p->client_url_ = client;
  SHADEKV_RETURN_IF_ERROR(p->Launch(deadline, /*truncate_log=*/true));
  return p;
}

Status EtcdProcess::Launch(std::chrono::milliseconds deadline, bool truncate_log) {
  std::vector<char*> c_args;
  for (std::string& a : args_) c_args.push_back(a.data());
  c_args.push_back(nullptr);
  int log_fd = open(log_path_.c_str(),
                    O_WRONLY | O_CREAT | O_CLOEXEC | (truncate_log ? O_TRUNC : O_APPEND), 0644);
  if (log_fd < 0) return Status::Internal("cannot open " + log_path_);
  pid_t pid = fork();
  if (pid == 0) {
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execv(c_args[0], c_args.data());
    _exit(127);
  }
  close(log_fd);
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  pid_ = pid;
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid_ = -1;
      std::ifstream log(log_path_);
      std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
      return Status::Unavailable(program_ + " exited during start-up; log tail: " +
                                 text.substr(text.size() > 2000 ? text.size() - 2000 : 0));
    }
    if (Healthy(client_port_)) return Status::Ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return Status::DeadlineExceeded(program_ + " did not become healthy on " + client_url_ +
                                  " within " + std::to_string(deadline.count()) +
                                  " ms (log: " + log_path_ + ")");
}

void EtcdProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

Status EtcdProcess::Restart(std::chrono::milliseconds deadline) {
  Kill();
  return Launch(deadline, /*truncate_log=*/false);
}

EtcdProcess::~EtcdProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (!data_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Result<std::unique_ptr<BackgroundProcess>> BackgroundProcess::Start(
    const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
  std::string program = FindInPath(argv.at(0));
  if (program.empty()) return Status::NotFound("not found: " + argv[0]);
  std::unique_ptr<BackgroundProcess> p(new BackgroundProcess);
  std::string tmpl = (std::filesystem::temp_directory_path() / "shadectl-bg-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) {
    return Status::Internal(std::string("mkdtemp: ") + std::strerror(errno));
  }
  p->dir_ = tmpl;
  const std::vector<std::string> env_strings = EnvironWith(env);
  std::vector<char*> c_args = CStrings(argv), c_env = CStrings(env_strings);
  const std::string out_path = tmpl + "/out", err_path = tmpl + "/err";
  int out_fd = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) return Status::Internal("cannot create output files in " + tmpl);
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execve(program.c_str(), c_args.data(), c_env.data());
    _exit(127);
  }
  close(out_fd);
  close(err_fd);
  if (pid < 0) return Status::Internal(std::string("fork: ") + std::strerror(errno));
  setpgid(pid, pid);
  p->pid_ = pid;
  return p;
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !reaped_) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (pid_ > 0) kill(-pid_, SIGKILL);  // stragglers left in the group
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void BackgroundProcess::Signal(int signo) {
  if (pid_ > 0 && !reaped_) kill(pid_, signo);
}

void BackgroundProcess::KillGroup() {
  if (pid_ <= 0 || reaped_) return;
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
}

Result<int> BackgroundProcess::Wait(std::chrono::milliseconds timeout) {
  if (reaped_) return exit_code_;
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -2;
      return exit_code_;
    }
    if (std::chrono::steady_clock::now() >= until) {
      return Status::DeadlineExceeded("process " + std::to_string(pid_) + " still running");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool BackgroundProcess::running() { return !Wait(std::chrono::milliseconds(0)).ok(); }

std::string BackgroundProcess::out() const { return ReadFile(dir_ + "/out"); }
std::string BackgroundProcess::err() const { return ReadFile(dir_ + "/err"); }

bool BackgroundProcess::WaitForOutput(const std::string& text,
                                      std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (out().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return out().find(text) != std::string::npos;
}

}  // namespace shadekv::ctl::testing
