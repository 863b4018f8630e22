// shadow_bench's parts (flags, the txn body) and the built binary end to end
// on 127.0.0.1: a real agent with the real publisher plugin, a real
// shadekv-shadow following it, a few hundred events through each mode. No
// timing assertions: only well-formed results, every revision seen once on
// both watches, every key written.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>
#include <thread>

#include "agent/api/json_value.h"
#include "bench/bus_bench/put_load.h"
#include "bench/shadow_bench/shadow_bench_flags.h"
#include "bench/shadow_bench/txn_load.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::bench {
namespace {

constexpr int64_t kMs = 1'000'000;

TEST(ShadowBenchFlagsTest, ParsesEachMode) {
  auto lag = ParseShadowBenchFlags(
      {"--primary", "127.0.0.1:2379", "--shadow=http://localhost:2479/", "--rate", "5000"});
  ASSERT_TRUE(lag.ok()) << lag.status().ToString();
  EXPECT_EQ(lag->mode, ShadowBenchMode::kLag);
  EXPECT_EQ(lag->shadow_host, "127.0.0.1");
  EXPECT_EQ(lag->shadow_port, 2479);
  EXPECT_EQ(lag->rate, 5000);
  EXPECT_EQ(lag->label, "lag");
  auto puts = ParseShadowBenchFlags({"--mode", "puts", "--primary", "127.0.0.1:1"});
  ASSERT_TRUE(puts.ok());
  EXPECT_EQ(puts->rate, 0);  // unpaced unless asked
  auto load = ParseShadowBenchFlags(
      {"--mode=load", "--primary", "127.0.0.1:1", "--keys", "1000000", "--batch", "128"});
  ASSERT_TRUE(load.ok());
  EXPECT_EQ(load->keys, 1000000);
  EXPECT_EQ(load->batch, 128);
}

TEST(ShadowBenchFlagsTest, EveryBadFlagGetsItsOwnMessage) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--mode", "lag", "--shadow", "127.0.0.1:2"}, "--primary HOST:PORT is required"},
      {{"--primary", "127.0.0.1:1"}, "--shadow HOST:PORT is required in lag mode"},
      {{"--mode", "puts", "--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:2"},
       "--shadow is only used in lag mode"},
      {{"--mode", "fast"}, "--mode must be lag, load or puts"},
      {{"--primary", "example.com:1"}, "--primary host must be an IPv4 address"},
      {{"--primary", "127.0.0.1"}, "--primary must be HOST:PORT"},
      {{"--primary", "127.0.0.1:70000"}, "--primary port must be an integer in [1, 65535]"},
      {{"--primary", "127.0.0.1:1", "--shadow", "127.0.0.1:2", "--rate", "0"},
       "--rate must be positive in lag mode"},
      {{"--rate", "fast"}, "--rate must be an integer"},
      {{"--value-bytes", "8"}, "--value-bytes must be an integer in [24,"},
      {{"--batch", "0"}, "--batch must be an integer in [1,"},
      {{"--clients", "-1"}, "--clients must be an integer in [1,"},
      {{"--label", "a b"}, "--label must be one word"},
      {{"--key-prefix="}, "--key-prefix must not be empty"},
      {{"--events"}, "--events needs a value"},
      {{"--bogus", "1"}, "unknown flag --bogus"},
      {{"stray"}, "unexpected argument \"stray\""},
  };
  for (const auto& [args, message] : cases) {
    auto flags = ParseShadowBenchFlags(args);
    ASSERT_FALSE(flags.ok()) << args[0];
    EXPECT_EQ(flags.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(flags.status().message().find(message), std::string::npos)
        << flags.status().message() << " (wanted: " << message << ")";
  }
}

TEST(TxnBodyTest, IsOneTxnOfTheAskedPuts) {
  const std::string body = TxnBody("/k/", 5, 3, 30);
  auto json = api::ParseWholeJson(body);
  ASSERT_TRUE(json.ok()) << body;
  const api::JsonValue* success = json->Find("success");
  ASSERT_NE(success, nullptr);
  ASSERT_EQ(success->items.size(), 3u);
  const api::JsonValue* put = success->items[0].Find("request_put");
  ASSERT_NE(put, nullptr);
  EXPECT_EQ(put->Find("key")->text, "L2svMDAwMDAwMDU=");  // base64("/k/00000005")
  EXPECT_EQ(put->Find("value")->text.size(), 40u);        // base64 of 30 bytes
}

TEST(TxnBodyTest, ValuesAreDeterministicPrintableAndDiffer) {
  EXPECT_EQ(LoadValue(7, 64), LoadValue(7, 64));
  EXPECT_NE(LoadValue(7, 64), LoadValue(8, 64));
  // Not a shifted copy of its neighbour (that would compress like filler).
  EXPECT_EQ(LoadValue(7, 64).substr(1).find(LoadValue(8, 64).substr(0, 8)), std::string::npos);
  EXPECT_EQ(LoadValue(0, 100).size(), 100u);
  for (char c : LoadValue(3, 200)) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/') << c;
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
void ExpectWellFormed(const std::map<std::string, std::string>& fields, size_t min_fields) {
  ASSERT_GE(fields.size(), min_fields);
  for (const auto& [key, value] : fields) {
    if (key == "label" || key == "mode") continue;
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    EXPECT_TRUE(!value.empty() && *end == '\0') << key << "=" << value;
  }
}

int64_t Field(const std::map<std::string, std::string>& fields, const std::string& key) {
  auto it = fields.find(key);
  return it == fields.end() ? -1 : std::atoll(it->second.c_str());
}

// A single-member agent with the publisher plugin and a shadow following it,
// on free ports with fresh data dirs; both SIGKILLed by PID
// (BackgroundProcess) and the dir removed.
class ShadowBenchE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir_template[] = "/tmp/shadow-bench-test.XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    dir_ = dir_template;
    std::vector<int> ports;
    for (int i = 0; i < 5; ++i) {
      auto port = ctl::testing::PickFreePort();
      ASSERT_TRUE(port.ok());
      ports.push_back(*port);
    }
    client_port_ = ports[0];
    shadow_port_ = ports[4];
    const std::string peer = "tcp://127.0.0.1:" + std::to_string(ports[1]);
    const std::string pub = "tcp://127.0.0.1:" + std::to_string(ports[2]);
    auto agent = ctl::testing::BackgroundProcess::Start(
        {SHADEKV_BIN, "--name", "bench", "--data-dir", dir_ + "/data", "--listen-client-urls",
         "http://127.0.0.1:" + std::to_string(client_port_), "--listen-peer-urls", peer,
         "--initial-advertise-peer-urls", peer, "--initial-cluster", "bench=" + peer, "--plugin",
         PUBLISHER_PLUGIN_PATH, "--plugin-config", "publisher.listen=" + pub, "--plugin-config",
         "publisher.catchup=tcp://127.0.0.1:" + std::to_string(ports[3])},
        {});
    ASSERT_TRUE(agent.ok()) << agent.status().ToString();
    agent_ = std::move(*agent);
    ASSERT_TRUE(WaitReady(client_port_, agent_.get())) << agent_->err();
    auto shadow = ctl::testing::BackgroundProcess::Start(
        {SHADOW_BIN, "--bus", pub, "--data-dir", dir_ + "/shadow", "--listen-client-urls",
         "http://127.0.0.1:" + std::to_string(shadow_port_)},
        {});
    ASSERT_TRUE(shadow.ok()) << shadow.status().ToString();
    shadow_ = std::move(*shadow);
    ASSERT_TRUE(WaitReady(shadow_port_, shadow_.get())) << shadow_->err();
  }

  // A range answers (bounded: 300 polls, 30 s).
  static bool WaitReady(int port, ctl::testing::BackgroundProcess* process) {
    const int64_t deadline = SteadyNowNs() + 30'000 * kMs;
    for (int i = 0; i < 300 && SteadyNowNs() < deadline && process->running(); ++i) {
      if (CurrentRevision("127.0.0.1", port, SteadyNowNs() + 1000 * kMs).ok()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

  void TearDown() override {
    shadow_.reset();  // SIGKILL by PID, reaped
    agent_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  ctl::testing::ProcessResult Bench(std::vector<std::string> args) {
    args.insert(args.begin(), {SHADOW_BENCH_PATH, "--primary",
                               "127.0.0.1:" + std::to_string(client_port_), "--timeout-s", "60"});
    return ctl::testing::RunProcess(args, "", {}, std::chrono::seconds(90));
  }

  std::string dir_;
  int client_port_ = 0;
  int shadow_port_ = 0;
  std::unique_ptr<ctl::testing::BackgroundProcess> agent_;
  std::unique_ptr<ctl::testing::BackgroundProcess> shadow_;
};

TEST_F(ShadowBenchE2eTest, LagModeSeesEveryRevisionOnBothWatches) {
  auto run = Bench({"--mode", "lag", "--shadow", "127.0.0.1:" + std::to_string(shadow_port_),
                    "--events", "300", "--rate", "300", "--clients", "4"});
  ASSERT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  auto fields = ResultFields(run.out);
  ExpectWellFormed(fields, 30);
  EXPECT_EQ(fields["mode"], "lag");
  EXPECT_EQ(fields["ok"], "1");
  EXPECT_EQ(Field(fields, "sent"), 300);
  for (const char* side : {"shadow", "primary"}) {
    const std::string s = side;
    EXPECT_EQ(Field(fields, s + "_samples"), 300) << s;
    EXPECT_EQ(Field(fields, s + "_missed"), 0) << s;
    EXPECT_EQ(Field(fields, s + "_dup"), 0) << s;
    EXPECT_EQ(Field(fields, s + "_out_of_order"), 0) << s;
    // Percentiles are ordered.
    EXPECT_LE(std::atof(fields[s + "_ack_p50_ms"].c_str()),
              std::atof(fields[s + "_ack_p99_ms"].c_str()));
    EXPECT_LE(std::atof(fields[s + "_ack_p99_ms"].c_str()),
              std::atof(fields[s + "_ack_max_ms"].c_str()));
  }
}

TEST_F(ShadowBenchE2eTest, LoadModeWritesEveryKeyAndTheShadowHasThem) {
  auto run = Bench({"--mode", "load", "--keys", "1000", "--batch", "128", "--clients", "3",
                    "--key-prefix", "/sync/"});
  ASSERT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  auto fields = ResultFields(run.out);
  ExpectWellFormed(fields, 12);
  EXPECT_EQ(fields["ok"], "1");
  EXPECT_EQ(Field(fields, "written"), 1000);
  EXPECT_EQ(Field(fields, "txns"), 8);  // 7 of 128 and one of 104
  const int64_t last = Field(fields, "last_revision");
  EXPECT_EQ(last, 1 + 8);  // one revision per txn after the initial revision 1
  // The shadow reaches that revision (bounded: 100 polls, 10 s).
  int64_t shadow_revision = 0;
  for (int i = 0; i < 100 && shadow_revision < last; ++i) {
    auto r = CurrentRevision("127.0.0.1", shadow_port_, SteadyNowNs() + 1000 * kMs);
    if (r.ok()) shadow_revision = *r;
    if (shadow_revision < last) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(shadow_revision, last);
}

TEST_F(ShadowBenchE2eTest, PutsModeReportsThroughput) {
  auto run = Bench({"--mode", "puts", "--events", "200", "--clients", "4", "--value-bytes", "128"});
  ASSERT_FALSE(run.timed_out);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  auto fields = ResultFields(run.out);
  ExpectWellFormed(fields, 12);
  EXPECT_EQ(fields["ok"], "1");
  EXPECT_EQ(Field(fields, "sent"), 200);
  EXPECT_GT(std::atof(fields["achieved_rate"].c_str()), 0.0);
}

TEST(ShadowBenchCliTest, ReportsAPrimaryThatIsNotThere) {
  auto port = ctl::testing::PickFreePort();
  ASSERT_TRUE(port.ok());
  auto run = ctl::testing::RunProcess(
      {SHADOW_BENCH_PATH, "--mode", "puts", "--primary", "127.0.0.1:" + std::to_string(*port),
       "--events", "5", "--timeout-s", "10"},
      "", {}, std::chrono::seconds(30));
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("Connection refused"), std::string::npos) << run.err;
}

TEST(ShadowBenchCliTest, RejectsBadFlagsWithExitCode2) {
  auto run = ctl::testing::RunProcess(
      {SHADOW_BENCH_PATH, "--mode", "load", "--primary", "127.0.0.1:1", "--keys", "many"}, "", {},
      std::chrono::seconds(10));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--keys must be an integer"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace shadekv::bench
