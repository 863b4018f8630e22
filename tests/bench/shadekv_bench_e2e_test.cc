// shadekv-bench end to end: the built binary against a real single-member
// shadekv agent on 127.0.0.1 (every workload, small counts, JSON output read
// back), its correctness check catching keys that are not there, and one put
// run against a real etcd 3.4.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "agent/api/json_value.h"
#include "bench/shadekv_bench/gateway_client.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::bench {
namespace {

using ctl::testing::EtcdProcess;
using ctl::testing::RunProcess;

struct BenchRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

BenchRun RunBench(std::vector<std::string> args) {
  args.insert(args.begin(), SHADEKV_BENCH_PATH);
  args.push_back("-w");
  args.push_back("json");
  auto run = RunProcess(args, "", {}, std::chrono::seconds(120));
  EXPECT_FALSE(run.timed_out);
  return BenchRun{run.exit_code, run.out, run.err};
}

// The number a JSON field holds, as text ("" when absent).
std::string Field(const api::JsonValue& json, std::initializer_list<const char*> path) {
  const api::JsonValue* v = &json;
  for (const char* name : path) {
    v = v->Find(name);
    if (v == nullptr) return "";
  }
  return std::string(v->raw);
}

class ShadekvBenchE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto server = EtcdProcess::StartShadekv(SHADEKV_BIN, "bench", std::chrono::seconds(30));
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = server->release();
  }
  static void TearDownTestSuite() {
    delete server_;  // SIGKILLs the agent by PID and removes its data dir
    server_ = nullptr;
  }
  std::string endpoint() const { return server_->endpoint(); }

  // Runs and parses the JSON line; fails the test when there is none.
  api::JsonValue RunOk(std::vector<std::string> args) {
    run_ = RunBench(std::move(args));
    EXPECT_EQ(run_.exit_code, 0) << run_.out << run_.err;
    auto json = api::ParseWholeJson(run_.out);
    EXPECT_TRUE(json.ok()) << run_.out << run_.err;
    return json.ok() ? *json : api::JsonValue{};
  }

  static EtcdProcess* server_;
  BenchRun run_;
};

EtcdProcess* ShadekvBenchE2eTest::server_ = nullptr;

TEST_F(ShadekvBenchE2eTest, PutWritesEveryKeyAndTheCheckCountsThem) {
  auto json =
      RunOk({"put", "--endpoints", endpoint(), "--total", "200", "--conns", "4", "--clients", "8",
             "--key-space-size", "200", "--sequential-keys", "--val-size", "128"});
  EXPECT_EQ(Field(json, {"requests"}), "200");
  EXPECT_EQ(Field(json, {"ok"}), "200");
  EXPECT_EQ(Field(json, {"errors"}), "{}");
  EXPECT_EQ(Field(json, {"latency_ms", "count"}), "200");
  EXPECT_EQ(Field(json, {"check", "passed"}), "true");
  EXPECT_EQ(Field(json, {"check", "expected"}), "200");
  EXPECT_EQ(Field(json, {"check", "found"}), "200");
  EXPECT_GT(std::stod(Field(json, {"throughput"})), 0);
}

TEST_F(ShadekvBenchE2eTest, LinearizableAndSerializableRangesFindTheirKeys) {
  for (const char* consistency : {"l", "s"}) {
    auto json =
        RunOk({"range", "--endpoints", endpoint(), "--total", "200", "--clients", "2", "--conns",
               "2", "--key-space-size", "20", "--consistency", consistency, "--warmup", "10"});
    EXPECT_EQ(Field(json, {"requests"}), "200") << consistency;
    EXPECT_EQ(Field(json, {"ok"}), "200") << consistency << run_.out;
    EXPECT_EQ(Field(json, {"check"}), "");  // ranges write nothing to check
  }
}

TEST_F(ShadekvBenchE2eTest, TxnPutDeleteAndMixedPassTheirChecks) {
  auto txn = RunOk({"txn-put", "--endpoints", endpoint(), "--total", "100", "--clients", "2",
                    "--conns", "2", "--key-space-size", "1000"});
  EXPECT_EQ(Field(txn, {"ok"}), "100") << run_.out;
  EXPECT_EQ(Field(txn, {"check", "passed"}), "true");

  auto del = RunOk(
      {"delete", "--endpoints", endpoint(), "--total", "100", "--clients", "2", "--conns", "2"});
  EXPECT_EQ(Field(del, {"ok"}), "100") << run_.out;
  EXPECT_EQ(Field(del, {"check", "expected"}), "0");
  EXPECT_EQ(Field(del, {"check", "found"}), "0");

  auto mixed = RunOk({"mixed", "--endpoints", endpoint(), "--total", "200", "--clients", "2",
                      "--key-space-size", "30", "--read-ratio", "0.8"});
  EXPECT_EQ(Field(mixed, {"ok"}), "200") << run_.out;
  EXPECT_EQ(Field(mixed, {"check", "found"}), "30");
}

TEST_F(ShadekvBenchE2eTest, WatchDeliversEveryPutToEveryWatcher) {
  auto json = RunOk(
      {"watch", "--endpoints", endpoint(), "--watchers", "10", "--writers", "2", "--total", "40"});
  EXPECT_EQ(Field(json, {"ok"}), "40") << run_.out;
  EXPECT_EQ(Field(json, {"watch", "events_expected"}), "400");
  EXPECT_EQ(Field(json, {"watch", "events"}), "400");
  EXPECT_EQ(Field(json, {"latency_ms", "count"}), "400");
  EXPECT_EQ(Field(json, {"watch", "missed"}), "0");
  EXPECT_EQ(Field(json, {"watch", "duplicated"}), "0");
  EXPECT_EQ(Field(json, {"watch", "out_of_order"}), "0");
  EXPECT_EQ(Field(json, {"check", "found"}), "40");
}

TEST_F(ShadekvBenchE2eTest, LeaseKeepalivesAllSucceed) {
  auto json = RunOk({"lease-keepalive", "--endpoints", endpoint(), "--total", "100", "--clients",
                     "4", "--conns", "2"});
  EXPECT_EQ(Field(json, {"requests"}), "100");
  EXPECT_EQ(Field(json, {"ok"}), "100") << run_.out;
}

TEST_F(ShadekvBenchE2eTest, DurationAndRateBoundTheRun) {
  auto json = RunOk({"range", "--endpoints", endpoint(), "--duration", "1", "--rate", "100",
                     "--consistency", "s"});
  const double requests = std::stod(Field(json, {"requests"}));
  EXPECT_GE(requests, 20);   // well below 100/s only on a machine far too busy to bench
  EXPECT_LE(requests, 102);  // the bucket allows one early request per client
  const double elapsed = std::stod(Field(json, {"elapsed_s"}));
  EXPECT_GE(elapsed, 0.9);
  EXPECT_LT(elapsed, 5);
}

TEST_F(ShadekvBenchE2eTest, CheckFailsLoudlyWhenTheKeysAreNotThere) {
  // Put on this agent, count on a second, empty one: every key is "missing".
  auto other = EtcdProcess::StartShadekv(SHADEKV_BIN, "empty", std::chrono::seconds(30));
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  BenchRun run = RunBench({"put", "--endpoints", endpoint(), "--total", "50", "--key-space-size",
                           "50", "--sequential-keys", "--check-endpoint", (*other)->endpoint()});
  EXPECT_EQ(run.exit_code, 1) << run.out << run.err;
  EXPECT_NE(run.err.find("correctness check FAILED: expected 50 keys"), std::string::npos)
      << run.err;
  auto json = api::ParseWholeJson(run.out);
  ASSERT_TRUE(json.ok()) << run.out;
  EXPECT_EQ(Field(*json, {"ok"}), "50");
  EXPECT_EQ(Field(*json, {"check", "passed"}), "false");
  EXPECT_EQ(Field(*json, {"check", "found"}), "0");
}

TEST_F(ShadekvBenchE2eTest, CheckFailsWhenThePrefixDoesNotHoldWhatTheRunLeft) {
  // A put run leaves keys 0..19 on a fixed prefix. A delete run on the same
  // prefix loads keys 0..9 (the same names) and deletes them, so it expects
  // 0 keys left; the put run's keys 10..19 are still there and the count
  // must say so.
  const std::string prefix = "e2e-check/";
  auto put = RunOk({"put", "--endpoints", endpoint(), "--prefix", prefix, "--total", "20",
                    "--key-space-size", "20", "--sequential-keys"});
  EXPECT_EQ(Field(put, {"check", "found"}), "20");
  BenchRun del =
      RunBench({"delete", "--endpoints", endpoint(), "--prefix", prefix, "--total", "10"});
  EXPECT_EQ(del.exit_code, 1) << del.out << del.err;
  auto json = api::ParseWholeJson(del.out);
  ASSERT_TRUE(json.ok()) << del.out;
  EXPECT_EQ(Field(*json, {"ok"}), "10");
  EXPECT_EQ(Field(*json, {"check", "expected"}), "0");
  EXPECT_EQ(Field(*json, {"check", "found"}), "10");
  EXPECT_EQ(Field(*json, {"check", "passed"}), "false");
}

TEST(ShadekvBenchEtcdTest, PutAndRangeAgainstEtcd34) {
  auto etcd = EtcdProcess::Start("skbench", std::chrono::seconds(30));
  ASSERT_TRUE(etcd.ok()) << etcd.status().ToString();
  for (const char* workload : {"put", "range", "lease-keepalive"}) {
    BenchRun run = RunBench({workload, "--endpoints", (*etcd)->endpoint(), "--total", "100",
                             "--clients", "2", "--conns", "2", "--key-space-size", "10"});
    EXPECT_EQ(run.exit_code, 0) << workload << run.out << run.err;
    auto json = api::ParseWholeJson(run.out);
    ASSERT_TRUE(json.ok()) << run.out;
    EXPECT_EQ(Field(*json, {"ok"}), "100") << workload << run.out;
  }
}

// A one-connection server on 127.0.0.1 that answers the first request with
// `first_reply` and then closes the connection at the second request.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::string first_reply) : reply_(std::move(first_reply)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 4), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }

 private:
  // Reads until the blank line ending a request head (bodies here are tiny
  // and arrive in the same segment); bounded by a 10 s poll.
  static bool ReadRequest(int fd) {
    std::string in;
    char buf[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 10000) <= 0) return false;
      const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) return false;
      in.append(buf, static_cast<size_t>(n));
    }
    return true;
  }
  void Serve() {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) return;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    if (ReadRequest(fd)) {
      (void)!::send(fd, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      ReadRequest(fd);  // the second request gets no answer: the connection closes
    }
    ::close(fd);
  }

  std::string reply_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST(GatewayClientTest, ReturnsNonOkRepliesAndReportsAClosedConnection) {
  ScriptedServer server(
      "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
      "Content-Length: 9\r\n\r\nnot found");
  GatewayClient client(Endpoint{"127.0.0.1", server.port()}, 10000);
  auto first = client.Post("/v3/nope", "{}");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->status, 404);
  EXPECT_EQ(first->body, "not found");
  auto second = client.Post("/v3/kv/range", "{}");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("/v3/kv/range to 127.0.0.1:"), std::string::npos)
      << second.status().message();
}

TEST(GatewayClientTest, JoinsTheLinesOfAChunkedStreamingReply) {
  ScriptedServer server(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\n{\"a\":\r\n4\r\n1}\n{\r\n6\r\n\"b\":2}\r\n0\r\n\r\n");
  GatewayClient client(Endpoint{"127.0.0.1", server.port()}, 10000);
  auto reply = client.Post("/v3/lease/keepalive", "{}");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "{\"a\":1}\n{\"b\":2}");
}

TEST(ShadekvBenchBinaryTest, BadFlagsExitWithTwoAndRefusedConnectionWithOne) {
  auto bad = RunProcess({SHADEKV_BENCH_PATH, "put", "--endpoints", "127.0.0.1:1", "--total", "x"},
                        "", {}, std::chrono::seconds(10));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--total must be an integer"), std::string::npos) << bad.err;
  auto port = ctl::testing::PickFreePort();
  ASSERT_TRUE(port.ok());
  auto refused = RunProcess({SHADEKV_BENCH_PATH, "range", "--endpoints",
                             "127.0.0.1:" + std::to_string(*port), "--total", "5"},
                            "", {}, std::chrono::seconds(30));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("Connection refused"), std::string::npos) << refused.err;
}

}  // namespace
}  // namespace shadekv::bench
