// bus_bench's parts: the token bucket, the send stamps, the receipt tally and
// analysis, the flags; and the built binary end to end, once against a real
// shadekv agent with the real publisher plugin on 127.0.0.1 and once in its
// plain ZeroMQ mode. No timing assertions: only well-formed results and
// contiguity.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "bench/bus_bench/bus_bench_flags.h"
#include "bench/bus_bench/put_load.h"
#include "bench/bus_bench/receipt_analysis.h"
#include "bench/bus_bench/stamped_value.h"
#include "bench/bus_bench/token_bucket.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::bench {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(TokenBucketTest, SpacesSendsAtTheRate) {
  TokenBucket bucket(1000, 1, 0);  // one per ms, no burst
  EXPECT_EQ(bucket.Reserve(0), 0);
  EXPECT_EQ(bucket.Reserve(0), 1 * kMs);
  EXPECT_EQ(bucket.Reserve(0), 2 * kMs);
  EXPECT_EQ(bucket.Reserve(5 * kMs), 5 * kMs);  // late: at once, never in the past
  EXPECT_EQ(bucket.Reserve(5 * kMs), 6 * kMs);
}

TEST(TokenBucketTest, AfterAnIdleSpellAllowsOnlyTheBurst) {
  TokenBucket bucket(1000, 3, 0);
  const int64_t now = 1000 * kMs;  // a second of nothing
  EXPECT_EQ(bucket.Reserve(now), now);
  EXPECT_EQ(bucket.Reserve(now), now);
  EXPECT_EQ(bucket.Reserve(now), now);
  EXPECT_EQ(bucket.Reserve(now), now + 1 * kMs);  // the fourth waits
}

TEST(StampedValueTest, RoundTripsAndPadsToTheAskedSize) {
  const std::string value = MakeStampedValue(1234567890123, 40);
  EXPECT_EQ(value.size(), 40u);
  EXPECT_EQ(value.substr(0, 24), "ts=00000001234567890123.");
  auto stamp = ReadValueStamp(value);
  ASSERT_TRUE(stamp.ok()) << stamp.status().ToString();
  EXPECT_EQ(*stamp, 1234567890123);
  EXPECT_EQ(MakeStampedValue(7, 3).size(), kMinStampedValueBytes);  // never below the stamp
}

TEST(StampedValueTest, RejectsMalformedValues) {
  EXPECT_EQ(ReadValueStamp("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadValueStamp("ts=0000000000000000012").status().code(),
            StatusCode::kInvalidArgument);  // short
  EXPECT_EQ(ReadValueStamp("xx=00000000000000000012.").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadValueStamp("ts=0000000000000000001x.").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadValueStamp("ts=00000000000000000012v").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReadValueStamp("ts=99999999999999999999.").status().code(),
            StatusCode::kInvalidArgument);  // beyond int64
}

TEST(StampedValueTest, ReferenceBodyRoundTripsAndRejectsShortBodies) {
  const std::string body = MakeReferenceBody({42, 987654321}, 100);
  EXPECT_EQ(body.size(), 100u);
  auto stamp = ReadReferenceBody(body);
  ASSERT_TRUE(stamp.ok());
  EXPECT_EQ(stamp->seq, 42u);
  EXPECT_EQ(stamp->sent_ns, 987654321);
  EXPECT_EQ(MakeReferenceBody({1, 2}, 4).size(), kMinReferenceBodyBytes);
  EXPECT_EQ(ReadReferenceBody(std::string(15, 'x')).status().code(), StatusCode::kInvalidArgument);
}

std::vector<Receipt> Seqs(std::initializer_list<int64_t> seqs) {
  std::vector<Receipt> out;
  for (int64_t s : seqs) out.push_back(Receipt{s, 0, 0});
  return out;
}

TEST(TallySequenceTest, ContiguousIsClean) {
  SequenceTally t = TallySequence(Seqs({5, 6, 7}), 5, 7);
  EXPECT_EQ(t.received, 3u);
  EXPECT_EQ(t.missing + t.duplicates + t.out_of_order + t.unexpected, 0u);
}

TEST(TallySequenceTest, CountsGapsDuplicatesReordersAndStrangers) {
  SequenceTally t = TallySequence(Seqs({1, 3, 3, 2, 9}), 1, 5);
  EXPECT_EQ(t.received, 5u);
  EXPECT_EQ(t.missing, 2u);  // 4 and 5
  EXPECT_EQ(t.duplicates, 1u);
  EXPECT_EQ(t.out_of_order, 1u);  // 2 after 3
  EXPECT_EQ(t.unexpected, 1u);    // 9
}

TEST(AnalyzeRunTest, LatenciesRatesAndAcks) {
  // Two puts acked at 10 and 20 ms; one receiver gets them at 12 and 19 ms.
  std::vector<PutRecord> puts = {{8, 5 * kMs, 20 * kMs}, {7, 1 * kMs, 10 * kMs}};
  std::vector<std::vector<Receipt>> receipts = {{{7, 12 * kMs, 1 * kMs}, {8, 19 * kMs, 5 * kMs}}};
  RunAnalysis a = AnalyzeRun(receipts, puts, 7, 8, 0);
  EXPECT_EQ(a.total.received, 2u);
  EXPECT_EQ(a.total.missing, 0u);
  EXPECT_EQ(a.sent_to_received.count, 2u);
  EXPECT_EQ(a.sent_to_received.max, 14 * kMs);
  EXPECT_EQ(a.acked_to_received.count, 2u);
  EXPECT_EQ(a.received_before_ack, 1u);         // revision 8 beat its ack
  EXPECT_EQ(a.acked_to_received.max, 2 * kMs);  // the other clamps at 0
  EXPECT_EQ(a.put_latency.max, 15 * kMs);
  EXPECT_DOUBLE_EQ(a.min_events_per_s, 2 * 1e9 / (19.0 * kMs));
}

TEST(AnalyzeRunTest, UnstampedReceiptsCountForContiguityOnly) {
  RunAnalysis a = AnalyzeRun({{{1, 5, -1}, {2, 9, 4}}}, {}, 1, 2, 0);
  EXPECT_EQ(a.total.received, 2u);
  EXPECT_EQ(a.sent_to_received.count, 1u);
  EXPECT_EQ(a.acked_to_received.count, 0u);
}

TEST(BusBenchFlagsTest, ParsesBusMode) {
  auto flags = ParseBusBenchFlags({"--endpoint", "localhost:2379", "--bus=tcp://127.0.0.1:2390",
                                   "--subscribers", "10", "--rate", "10000"});
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->mode, BusBenchMode::kBus);
  EXPECT_EQ(flags->host, "127.0.0.1");
  EXPECT_EQ(flags->port, 2379);
  EXPECT_EQ(flags->bus, "tcp://127.0.0.1:2390");
  EXPECT_EQ(flags->subscribers, 10);
  EXPECT_EQ(flags->rate, 10000);
  EXPECT_EQ(flags->label, "shadekv");
}

TEST(BusBenchFlagsTest, EveryBadFlagGetsItsOwnMessage) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--bus", "tcp://127.0.0.1:1"}, "needs --endpoint"},
      {{"--endpoint", "127.0.0.1:1"}, "needs --bus"},
      {{"--mode", "zmq", "--endpoint", "127.0.0.1:1"}, "do not apply"},
      {{"--mode", "udp"}, "--mode must be bus or zmq"},
      {{"--mode", "zmq", "--rate", "0"}, "--rate must be an integer in [1,"},
      {{"--mode", "zmq", "--subscribers", "x"}, "--subscribers must be an integer"},
      {{"--mode", "zmq", "--value-bytes", "8"}, "--value-bytes must be an integer in [24,"},
      {{"--endpoint", "127.0.0.1:1", "--bus", "ipc:///x"}, "--bus must be tcp://"},
      {{"--endpoint", "example.com:1", "--bus", "tcp://127.0.0.1:1"}, "IPv4"},
      {{"--mode", "zmq", "--label", "a b"}, "--label must be"},
      {{"--mode", "zmq", "--burst-ms", "0"}, "--burst-ms must be an integer in [1,"},
      {{"--mode", "zmq", "--frobnicate", "1"}, "unknown flag --frobnicate"},
      {{"--mode", "zmq", "--events"}, "--events needs a value"},
      {{"zmq"}, "unexpected argument"},
  };
  for (const auto& [args, message] : cases) {
    auto flags = ParseBusBenchFlags(args);
    ASSERT_FALSE(flags.ok()) << message;
    EXPECT_EQ(flags.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(flags.status().message().find(message), std::string::npos)
        << flags.status().message();
  }
}

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

// Every field of a RESULT line is a number, except the two names.
void ExpectWellFormed(const std::map<std::string, std::string>& fields) {
  ASSERT_GE(fields.size(), 30u);
  for (const auto& [key, value] : fields) {
    if (key == "label" || key == "mode") continue;
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    EXPECT_TRUE(!value.empty() && *end == '\0') << key << "=" << value;
  }
}

void ExpectContiguous(const std::map<std::string, std::string>& fields, int subscribers,
                      int events) {
  EXPECT_EQ(fields.at("ok"), "1");
  EXPECT_EQ(fields.at("sent"), std::to_string(events));
  EXPECT_EQ(fields.at("received"), std::to_string(subscribers * events));
  EXPECT_EQ(fields.at("samples"), std::to_string(subscribers * events));
  EXPECT_EQ(fields.at("missing"), "0");
  EXPECT_EQ(fields.at("duplicates"), "0");
  EXPECT_EQ(fields.at("out_of_order"), "0");
  EXPECT_EQ(fields.at("unexpected"), "0");
  EXPECT_EQ(fields.at("malformed"), "0");
}

// A single-member agent with the publisher plugin on free ports and a fresh
// data dir; SIGKILLed by PID (BackgroundProcess) and its dir removed.
class BusBenchE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/bus-bench-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    std::vector<int> ports;
    for (int i = 0; i < 4; ++i) {
      auto port = ctl::testing::PickFreePort();
      ASSERT_TRUE(port.ok());
      ports.push_back(*port);
    }
    client_port_ = ports[0];
    pub_port_ = ports[2];
    const std::string peer = "tcp://127.0.0.1:" + std::to_string(ports[1]);
    auto agent = ctl::testing::BackgroundProcess::Start(
        {SHADEKV_BIN, "--name", "bench", "--data-dir", dir_ + "/data", "--listen-client-urls",
         "http://127.0.0.1:" + std::to_string(client_port_), "--listen-peer-urls", peer,
         "--initial-advertise-peer-urls", peer, "--initial-cluster", "bench=" + peer, "--plugin",
         PUBLISHER_PLUGIN_PATH, "--plugin-config",
         "publisher.listen=tcp://127.0.0.1:" + std::to_string(pub_port_), "--plugin-config",
         "publisher.catchup=tcp://127.0.0.1:" + std::to_string(ports[3])},
        {});
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    agent_ = std::move(*agent);
    const int64_t deadline = SteadyNowNs() + 30'000 * kMs;
    Status ready = Status::Unavailable("not polled");
    for (int i = 0; i < 300 && SteadyNowNs() < deadline && agent_->running(); ++i) {
      ready = CurrentRevision("127.0.0.1", client_port_, SteadyNowNs() + 1000 * kMs).status();
      if (ready.ok()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready.ok()) << ready.ToString() << "\n" << agent_->err();
  }

  void TearDown() override {
    agent_.reset();  // SIGKILL by PID, reaped
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  int client_port_ = 0;
  int pub_port_ = 0;
  std::unique_ptr<ctl::testing::BackgroundProcess> agent_;
};

TEST_F(BusBenchE2eTest, EverySubscriberSeesEveryRevisionOnce) {
  auto run = ctl::testing::RunProcess(
      {BUS_BENCH_PATH, "--endpoint", "127.0.0.1:" + std::to_string(client_port_), "--bus",
       "tcp://127.0.0.1:" + std::to_string(pub_port_), "--subscribers", "3", "--events", "300",
       "--rate", "200", "--clients", "4", "--server-pid", std::to_string(agent_->pid()),
       "--timeout-s", "60"},
      "", {}, std::chrono::seconds(90));
  ASSERT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  auto fields = ResultFields(run.out);
  ExpectWellFormed(fields);
  EXPECT_EQ(fields["label"], "shadekv");
  EXPECT_EQ(fields["mode"], "bus");
  ExpectContiguous(fields, 3, 300);
  EXPECT_EQ(fields["unstamped"], "0");
  EXPECT_EQ(fields["snapshots"], "0");
}

TEST(BusBenchZmqTest, EverySubscriberSeesEveryMessageOnce) {
  auto run = ctl::testing::RunProcess({BUS_BENCH_PATH, "--mode", "zmq", "--subscribers", "3",
                                       "--events", "300", "--rate", "500", "--timeout-s", "30"},
                                      "", {}, std::chrono::seconds(60));
  ASSERT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  auto fields = ResultFields(run.out);
  ExpectWellFormed(fields);
  EXPECT_EQ(fields["mode"], "zmq");
  ExpectContiguous(fields, 3, 300);
}

TEST(BusBenchCliTest, ReportsAnAgentThatIsNotThere) {
  auto port = ctl::testing::PickFreePort();
  ASSERT_TRUE(port.ok());
  auto run = ctl::testing::RunProcess(
      {BUS_BENCH_PATH, "--endpoint", "127.0.0.1:" + std::to_string(*port), "--bus",
       "tcp://127.0.0.1:" + std::to_string(*port), "--timeout-s", "10"},
      "", {}, std::chrono::seconds(30));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("Connection refused"), std::string::npos) << run.err;
  EXPECT_EQ(run.out.find("RESULT"), std::string::npos);
}

TEST(BusBenchCliTest, RejectsBadFlagsWithExitCode2) {
  auto run = ctl::testing::RunProcess({BUS_BENCH_PATH, "--mode", "zmq", "--rate", "fast"}, "", {},
                                      std::chrono::seconds(10));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--rate must be an integer"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace shadekv::bench
