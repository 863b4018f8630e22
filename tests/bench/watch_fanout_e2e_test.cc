// watch_fanout_bench end to end: the built binary against a real etcd 3.4 on
// 127.0.0.1, and the stream set against a raw server on 127.0.0.1 that
// answers what a server without /v3/watch (or a broken one) would.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <sstream>
#include <thread>

#include "bench/watch_fanout/watch_stream_set.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::bench {
namespace {

using ctl::testing::EtcdProcess;
using ctl::testing::RunProcess;

std::map<std::string, std::string> ResultFields(const std::string& out) {
  std::map<std::string, std::string> fields;
  const size_t start = out.find("RESULT ");
  if (start == std::string::npos) return fields;
  std::istringstream line(out.substr(start + 7, out.find('\n', start) - start - 7));
  std::string kv;
  while (line >> kv) {
    const size_t eq = kv.find('=');
    if (eq != std::string::npos) fields[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return fields;
}

TEST(WatchFanoutE2eTest, EveryWatcherGetsEveryPutFromEtcd) {
  auto etcd = EtcdProcess::Start("fanout", std::chrono::seconds(30));
  ASSERT_TRUE(etcd.ok()) << etcd.status().ToString();
  auto run = RunProcess({WATCH_FANOUT_BENCH_PATH, "--endpoint", (*etcd)->endpoint(), "--watchers",
                         "25", "--puts", "40", "--timeout-s", "60", "--label", "etcd"},
                        "", {}, std::chrono::seconds(90));
  ASSERT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  auto fields = ResultFields(run.out);
  EXPECT_EQ(fields["ok"], "1") << run.out;
  EXPECT_EQ(fields["label"], "etcd");
  EXPECT_EQ(fields["watchers"], "25");
  EXPECT_EQ(fields["puts"], "40");
  EXPECT_EQ(fields["missed"], "0");
  EXPECT_EQ(fields["duplicated"], "0");
  EXPECT_EQ(fields["out_of_order"], "0");
  EXPECT_EQ(fields["failed_streams"], "0");
  EXPECT_EQ(fields["samples"], "1000");  // 25 watchers x 40 puts
}

TEST(WatchFanoutE2eTest, BinaryReportsARefusedConnection) {
  auto port = ctl::testing::PickFreePort();
  ASSERT_TRUE(port.ok());
  auto run =
      RunProcess({WATCH_FANOUT_BENCH_PATH, "--endpoint", "127.0.0.1:" + std::to_string(*port),
                  "--watchers", "3", "--timeout-s", "10"},
                 "", {}, std::chrono::seconds(30));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("Connection refused"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("RESULT"), std::string::npos);
}

TEST(WatchFanoutE2eTest, BinaryRejectsBadFlagsWithExitCode2) {
  auto run = RunProcess({WATCH_FANOUT_BENCH_PATH, "--endpoint", "127.0.0.1:1", "--puts", "x"}, "",
                        {}, std::chrono::seconds(10));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--puts must be an integer"), std::string::npos) << run.err;
}

// Accepts connections on 127.0.0.1 and answers each request with `reply`,
// then closes. Bounded: stops when destroyed, polls in 50 ms slices.
class CannedServer {
 public:
  explicit CannedServer(std::string reply) : reply_(std::move(reply)) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 && listen(fd_, 64) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
      port_ = ntohs(addr.sin_port);
    }
    thread_ = std::thread([this] { Serve(); });
  }
  ~CannedServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  int port() const { return port_; }

 private:
  void Serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int conn = accept(fd_, nullptr, nullptr);
      if (conn < 0) continue;
      // Read the request head and body (they are small), then answer.
      std::string request;
      char buf[4096];
      for (int i = 0; i < 100 && request.find("}}") == std::string::npos; ++i) {
        pollfd c{conn, POLLIN, 0};
        if (poll(&c, 1, 50) <= 0) continue;
        ssize_t n = recv(conn, buf, sizeof(buf), 0);
        if (n <= 0) break;
        request.append(buf, static_cast<size_t>(n));
      }
      (void)!send(conn, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      close(conn);
    }
  }

  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

Status OpenAgainst(const CannedServer& server) {
  WatchStreamOptions options;
  options.host = "127.0.0.1";
  options.port = server.port();
  options.streams = 4;
  options.create_body = R"({"create_request":{"key":"YQ=="}})";
  WatchStreamSet set(options);
  return set.OpenAll(WatchStreamSet::NowNs() + 10'000'000'000);
}

TEST(WatchFanoutE2eTest, ServerWithoutWatchEndpointIsAClearError) {
  // What a gateway without /v3/watch answers.
  CannedServer server(
      "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 56\r\n\r\n"
      R"({"error":"Not Found","message":"Not Found","code":12}   )");
  ASSERT_GT(server.port(), 0);
  Status st = OpenAgainst(server);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("POST /v3/watch answered HTTP 404: {\"error\":\"Not Found\""),
            std::string::npos)
      << st.message();
}

TEST(WatchFanoutE2eTest, GarbledAndTruncatedStreamsAreClearErrors) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"garbage\r\n\r\n", "malformed HTTP response: bad status line"},
      {"", "connection closed before any response"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"res", "before the end"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n{oops}\r\n0\r\n\r\n",
       "watch message is not JSON"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "34\r\n{\"result\":{\"events\":[{\"kv\":{\"mod_revision\":\"5\"}}]}}\n\r\n",
       "events before the \"created\" message"},
      {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "1c\r\n{\"result\":{\"created\":true}}\n\r\n0\r\n\r\n",
       "the server ended the watch stream"},
  };
  for (const auto& [reply, expected] : cases) {
    CannedServer server(reply);
    ASSERT_GT(server.port(), 0);
    Status st = OpenAgainst(server);
    ASSERT_FALSE(st.ok()) << reply;
    EXPECT_NE(st.message().find(expected), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace shadekv::bench
