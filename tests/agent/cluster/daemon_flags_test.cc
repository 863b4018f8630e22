// The shadekv daemon as an operator meets it: bad flags and unusable
// resources exit non-zero with a clear message; no flags at all start a
// single member on etcd's default ports that stops cleanly on SIGTERM.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gmock/gmock.h>

#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::cluster_testing {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;

class DaemonFlagsTest : public ClusterFixture {
 protected:
  CommandResult Run(std::vector<std::string> flags) {
    flags.insert(flags.begin(), ShadekvBinary());
    return RunCommand(flags, root_, milliseconds(30000));
  }
};

// A socket listening on 127.0.0.1:port, closed when the holder goes.
class PortHolder {
 public:
  explicit PortHolder(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    // Like the daemon's own listeners: connections of an earlier run still
    // in TIME_WAIT do not make the port busy.
    int one = 1;
    if (fd_ >= 0) setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    ok_ = fd_ >= 0 && bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
          listen(fd_, 4) == 0;
  }
  ~PortHolder() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return ok_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

TEST_F(DaemonFlagsTest, BadFlagsExitNonZeroWithAClearMessage) {
  CommandResult unknown = Run({"--no-such-flag", "1"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_THAT(unknown.err, HasSubstr("no-such-flag"));

  CommandResult bad_cluster = Run({"--name", "a", "--initial-cluster", "a"});
  EXPECT_NE(bad_cluster.exit_code, 0);
  EXPECT_THAT(bad_cluster.err, HasSubstr("--initial-cluster"));
  EXPECT_THAT(bad_cluster.err, HasSubstr("is not name=URL"));

  CommandResult not_listed = Run({"--name", "z", "--initial-cluster", "a=tcp://127.0.0.1:1"});
  EXPECT_NE(not_listed.exit_code, 0);
  EXPECT_THAT(not_listed.err, HasSubstr("does not list this member's --name 'z'"));

  CommandResult bad_interval = Run({"--heartbeat-interval", "abc"});
  EXPECT_NE(bad_interval.exit_code, 0);
  EXPECT_THAT(bad_interval.err, HasSubstr("--heartbeat-interval 'abc'"));

  // A data dir that is a file.
  std::string file = root_ + "/a-file";
  std::ofstream(file) << "not a directory";
  int peer = PickFreePort();
  int client = PickFreePort();
  std::string peer_url = "tcp://127.0.0.1:" + std::to_string(peer);
  std::vector<std::string> own_ports = {
      "--listen-client-urls", "http://127.0.0.1:" + std::to_string(client),
      "--listen-peer-urls",   peer_url,
      "--initial-cluster",    "default=" + peer_url};
  std::vector<std::string> flags = {"--data-dir", file};
  flags.insert(flags.end(), own_ports.begin(), own_ports.end());
  CommandResult file_dir = Run(flags);
  EXPECT_NE(file_dir.exit_code, 0);
  EXPECT_THAT(file_dir.err, HasSubstr("--data-dir '" + file + "'"));

  // A peer port somebody else holds.
  PortHolder holder(peer);
  ASSERT_TRUE(holder.ok()) << "cannot hold port " << peer;
  flags = {"--data-dir", root_ + "/busy.data"};
  flags.insert(flags.end(), own_ports.begin(), own_ports.end());
  CommandResult busy = Run(flags);
  EXPECT_NE(busy.exit_code, 0);
  EXPECT_THAT(busy.err, HasSubstr(std::to_string(peer)));
  EXPECT_THAT(busy.err, HasSubstr("in use"));
}

TEST_F(DaemonFlagsTest, NoFlagsServesOnDefaultPortsAndStopsOnSigterm) {
  {
    PortHolder client(2379);
    PortHolder peer(2380);
    ASSERT_TRUE(client.ok() && peer.ok())
        << "127.0.0.1:2379 or :2380 is busy; this test needs etcd's default ports free (stop "
           "the etcd or shadekv using them)";
  }
  std::string log_path = root_ + "/default.log";
  int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(log_fd, 0);
  std::string bin = ShadekvBinary();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    if (chdir(root_.c_str()) != 0) _exit(126);
    execl(bin.c_str(), bin.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(log_fd);
  ASSERT_GT(pid, 0);
  // Killed by PID on any early exit from this test.
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
      }
    }
  } reaper{pid};
  auto read_log = [&] {
    std::ifstream in(log_path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  };

  const auto until = std::chrono::steady_clock::now() + milliseconds(30000);
  bool healthy = false;
  while (!healthy && std::chrono::steady_clock::now() < until) {
    Result<HttpReply> health = HttpCall(2379, "GET", "/health", "", milliseconds(2000));
    healthy = health.ok() && health->status == 200;
    if (!healthy) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(healthy) << "never healthy on 127.0.0.1:2379; log:\n" << read_log();
  EXPECT_TRUE(std::filesystem::is_directory(root_ + "/default.shadekv"));
  Result<HttpReply> put = HttpCall(
      2379, "POST", "/v3/kv/put",
      "{\"key\":\"" + Base64("k") + "\",\"value\":\"" + Base64("v") + "\"}", milliseconds(10000));
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(put->status, 200) << put->body;

  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = 0;
  pid_t done = 0;
  const auto stop_until = std::chrono::steady_clock::now() + milliseconds(30000);
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < stop_until) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  ASSERT_EQ(done, pid) << "did not stop within 30 s of SIGTERM; log:\n" << read_log();
  reaper.pid = -1;
  EXPECT_TRUE(WIFEXITED(status)) << "status " << status;
  EXPECT_EQ(WEXITSTATUS(status), 0) << read_log();
  EXPECT_THAT(read_log(), HasSubstr("stopped"));
}

}  // namespace
}  // namespace shadekv::cluster_testing
