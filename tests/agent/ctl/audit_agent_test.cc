// The real audit plugin inside a real shadekv agent (a child process on
// 127.0.0.1): puts through shadectl become event records with who and from
// where, the log verifies after SIGTERM, and a restarted agent continues
// the chain.
#include <gtest/gtest.h>

#include <signal.h>

#include <thread>

#include "plugins/audit/audit_chain.h"
#include "plugins/audit/audit_line.h"
#include "plugins/audit/audit_record.h"
#include "plugins/audit/audit_verifier.h"
#include "tests/agent/ctl/etcd_fixture.h"
#include "tests/plugins/audit_test_records.h"
#include "tests/store/temp_dir.h"

namespace shadekv::ctl {
namespace {

using namespace shadekv::audit::testing;
using shadekv::ctl::testing::BackgroundProcess;
using shadekv::ctl::testing::PickFreePort;
using shadekv::ctl::testing::ProcessResult;
using shadekv::ctl::testing::RunProcess;
using shadekv::store::testing::TempDir;

class AuditAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<int> client = PickFreePort();
    Result<int> peer = PickFreePort();
    ASSERT_TRUE(client.ok() && peer.ok());
    endpoint_ = "127.0.0.1:" + std::to_string(*client);
    peer_url_ = "tcp://127.0.0.1:" + std::to_string(*peer);
  }

  std::string Log() const { return dir_.Sub("audit.log"); }

  // Starts the agent with the audit plugin and waits (bounded) until a put
  // goes through; returns the agent.
  std::unique_ptr<BackgroundProcess> StartAgent() {
    Result<std::unique_ptr<BackgroundProcess>> agent = BackgroundProcess::Start(
        {SHADEKV_PATH, "--name", "a", "--data-dir", dir_.Sub("data"), "--listen-client-urls",
         "http://" + endpoint_, "--listen-peer-urls", peer_url_, "--initial-advertise-peer-urls",
         peer_url_, "--initial-cluster", "a=" + peer_url_, "--plugin", AUDIT_PLUGIN_PATH,
         "--plugin-config", "audit.path=" + Log()},
        {});
    EXPECT_TRUE(agent.ok()) << agent.status().ToString();
    if (!agent.ok()) return nullptr;
    for (int i = 0; i < 100; ++i) {
      if (Put("/health/probe", "1").exit_code == 0) return std::move(*agent);
      if (!(*agent)->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the agent did not serve a put: " << (*agent)->err();
    return nullptr;
  }

  ProcessResult Put(const std::string& key, const std::string& value) {
    return RunProcess({SHADECTL_PATH, "--endpoints", endpoint_, "put", key, value}, "", {},
                      std::chrono::seconds(10));
  }

  static void Stop(BackgroundProcess& agent) {
    agent.Signal(SIGTERM);
    Result<int> code = agent.Wait(std::chrono::seconds(20));
    ASSERT_TRUE(code.ok()) << "the agent did not stop on SIGTERM";
    EXPECT_EQ(*code, 0) << agent.err();
  }

  std::vector<audit::LoggedRecord> Records() {
    std::vector<audit::LoggedRecord> records;
    for (const std::string& line : Lines(Log())) {
      Result<audit::LoggedRecord> r = audit::ParseLoggedLine(line);
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (r.ok()) records.push_back(*r);
    }
    return records;
  }

  TempDir dir_{"shadekv-audit-agent-"};
  std::string endpoint_;
  std::string peer_url_;
};

TEST_F(AuditAgentTest, PutsBecomeEventRecordsThatVerifyAcrossARestart) {
  std::unique_ptr<BackgroundProcess> agent = StartAgent();
  ASSERT_NE(agent, nullptr);
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Put("/config/k" + std::to_string(i), "secret-" + std::to_string(i)).exit_code, 0);
  }
  Stop(*agent);

  // The agent logs each client request too (kind "request"): the probe's and
  // the puts' requests, interleaved with their events. Events first.
  std::vector<audit::LoggedRecord> all = Records();
  std::vector<audit::LoggedRecord> records;
  size_t put_requests = 0;
  for (const audit::LoggedRecord& r : all) {
    const std::string kind = r.object->getValue<std::string>("kind");
    if (kind == "event") records.push_back(r);
    if (kind == "request" && r.object->getValue<std::string>("operation") == "/v3/kv/put") {
      ++put_requests;
      EXPECT_EQ(r.object->getValue<std::string>("outcome"), "OK");
    }
  }
  EXPECT_EQ(put_requests, 6u);    // the probe and five puts
  ASSERT_EQ(records.size(), 6u);  // their events
  int64_t previous_revision = 0;
  for (size_t i = 0; i < records.size(); ++i) {
    const Poco::JSON::Object::Ptr& o = records[i].object;
    EXPECT_EQ(o->getValue<std::string>("kind"), "event");
    int64_t revision = o->getValue<int64_t>("revision");
    EXPECT_GT(revision, previous_revision);
    previous_revision = revision;
    EXPECT_EQ(o->getValue<std::string>("client").rfind("127.0.0.1:", 0), 0u);
    Poco::JSON::Object::Ptr change = o->getArray("changes")->getObject(0);
    EXPECT_EQ(change->getValue<std::string>("type"), "PUT");
    if (i > 0) {
      const std::string value = "secret-" + std::to_string(i - 1);
      EXPECT_EQ(change->getValue<std::string>("key"),
                audit::Base64Encode("/config/k" + std::to_string(i - 1)));
      EXPECT_EQ(change->getValue<std::string>("value_sha256"), audit::Sha256Hex(value));
    }
  }
  EXPECT_EQ(ReadAll(Log()).find(audit::Base64Encode("secret-1")), std::string::npos);

  agent = StartAgent();  // the same log: the chain goes on
  ASSERT_NE(agent, nullptr);
  ASSERT_EQ(Put("/config/after", "x").exit_code, 0);
  Stop(*agent);
  Result<audit::VerifyReport> report = audit::VerifyAuditFiles({Log()});
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->ok()) << report->problem->ToString();
  const std::vector<audit::LoggedRecord> after = Records();
  size_t events = 0;
  for (const audit::LoggedRecord& r : after)
    events += r.object->getValue<std::string>("kind") == "event";
  EXPECT_EQ(events, 8u);  // + a second probe and one put
  EXPECT_EQ(report->records, after.size());
  const std::string n = std::to_string(after.size());

  ProcessResult verify =
      RunProcess({SHADECTL_PATH, "audit", "verify", Log()}, "", {}, std::chrono::seconds(10));
  EXPECT_EQ(verify.exit_code, 0);
  EXPECT_EQ(verify.out,
            "OK: " + n + " records, last seq " + n + ", last hash " + report->last_hash + "\n");
}

}  // namespace
}  // namespace shadekv::ctl
