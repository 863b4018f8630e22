// The real libshadekv_audit.so loaded through the real PluginHost, writing
// real files: thousands of events and requests across rotations verify, a
// new instance continues the chain, the values policy holds, bad settings
// and bad bodies are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "plugins/audit/audit_chain.h"
#include "plugins/audit/audit_line.h"
#include "plugins/audit/audit_record.h"
#include "plugins/audit/audit_verifier.h"
#include "shadekv/bus/codec.h"
#include "shadekv/plugin_host/plugin_host.h"
#include "tests/plugins/audit_test_records.h"
#include "tests/store/temp_dir.h"

namespace shadekv::audit {
namespace {

// The host takes each event's revision (the agent knows it); here the body
// names it.
void PublishDecoded(plugin_host::PluginHost& host, const std::string& event_body) {
  Result<bus::ChangeEvent> event = bus::DecodeEvent(event_body);
  host.PublishEvent(event.ok() ? event->revision : 0, event_body);
}

using namespace shadekv::audit::testing;
using plugin_host::PluginHost;
using plugin_host::PluginSetting;
using shadekv::store::testing::TempDir;

class AuditPluginTest : public ::testing::Test {
 protected:
  std::string Log() const { return dir_.Sub("audit.log"); }

  Result<std::unique_ptr<PluginHost>> Load(std::vector<PluginSetting> settings) {
    return PluginHost::Load({AUDIT_PLUGIN_PATH}, settings, nullptr);
  }

  std::unique_ptr<PluginHost> LoadOk(std::vector<std::pair<std::string, std::string>> extra = {}) {
    std::vector<PluginSetting> settings = {{"audit", "path", Log()}};
    for (auto& [k, v] : extra) settings.push_back({"audit", k, v});
    Result<std::unique_ptr<PluginHost>> host = Load(settings);
    EXPECT_TRUE(host.ok()) << host.status().ToString();
    return host.ok() ? std::move(*host) : nullptr;
  }

  // Waits (bounded) until the plugin handled `n` messages, OK or not.
  static void WaitHandled(PluginHost& host, uint64_t n) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      plugin_host::PluginStats s = host.Stats().at(0);
      if (s.events_delivered + s.requests_delivered + s.errors + s.dropped >= n) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "the plugin did not handle " << n << " messages in 60 s";
  }

  std::vector<std::string> AllFiles() const {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_.path())) {
      std::string name = e.path().filename().string();
      if (name.rfind("audit.log.", 0) == 0) files.push_back(e.path().string());
    }
    std::sort(files.begin(), files.end());
    files.push_back(Log());
    return files;
  }

  TempDir dir_{"shadekv-audit-plugin-"};
};

TEST_F(AuditPluginTest, ThousandsOfEventsAndRequestsAcrossRotationsVerify) {
  constexpr int kEvents = 3000;
  constexpr int kRequests = 1500;
  std::unique_ptr<PluginHost> host =
      LoadOk({{"max_bytes", "131072"}, {"fsync", "interval"}, {"fsync_interval_ms", "50"}});
  ASSERT_NE(host, nullptr);
  for (int i = 1; i <= kEvents; ++i) {
    PublishDecoded(*host, bus::EncodeEvent(TestEvent(i + 1, "value-" + std::to_string(i))));
    if (i % 2 == 0) host->PublishRequest(bus::EncodeRequestRecord(TestRequest(i)));
  }
  WaitHandled(*host, kEvents + kRequests);
  plugin_host::PluginStats stats = host->Stats().at(0);
  EXPECT_EQ(stats.events_delivered, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(stats.requests_delivered, static_cast<uint64_t>(kRequests));
  EXPECT_EQ(stats.errors, 0u);
  EXPECT_EQ(stats.dropped, 0u);
  host->Shutdown();

  std::vector<std::string> files = AllFiles();
  EXPECT_GE(files.size(), 5u);  // ~1.2 MB of records in 128 KiB files
  Result<VerifyReport> report = VerifyAuditFiles(files);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_TRUE(report->ok()) << report->problem->ToString();
  EXPECT_EQ(report->records, static_cast<uint64_t>(kEvents + kRequests));
  EXPECT_EQ(report->last_seq, static_cast<uint64_t>(kEvents + kRequests));

  // The first record is revision 2's event, with who, when and from where.
  Result<LoggedRecord> first = ParseLoggedLine(Lines(files[0]).at(0));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->object->getValue<std::string>("kind"), "event");
  EXPECT_EQ(first->object->getValue<int64_t>("revision"), 2);
  EXPECT_EQ(first->object->getValue<std::string>("time"), "2026-01-01T00:00:00.002Z");
  EXPECT_EQ(first->object->getValue<std::string>("user"), "alice");
  EXPECT_EQ(first->object->getValue<std::string>("client"), "127.0.0.1:5555");
  EXPECT_EQ(first->object->getValue<std::string>("member_id"), "000000000000002a");
  EXPECT_EQ(first->object->getValue<std::string>("request_id"), "20");
  // The third is a denied request, with its operation and outcome.
  Result<LoggedRecord> request = ParseLoggedLine(Lines(files[0]).at(2));
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->object->getValue<std::string>("kind"), "request");
  EXPECT_EQ(request->object->getValue<std::string>("operation"), "/v3/kv/deleterange");
  EXPECT_EQ(request->object->getValue<std::string>("outcome"), "DENIED");
  EXPECT_EQ(request->object->getValue<int>("code"), 7);
  EXPECT_EQ(request->object->getValue<std::string>("user"), "mallory");
  EXPECT_EQ(request->object->getValue<std::string>("key"), Base64Encode("/secret/"));
  EXPECT_EQ(request->object->getValue<std::string>("range_end"), Base64Encode("/secret0"));
}

TEST_F(AuditPluginTest, ANewInstanceOnTheSamePathContinuesTheChain) {
  for (int run = 0; run < 3; ++run) {
    std::unique_ptr<PluginHost> host = LoadOk();
    ASSERT_NE(host, nullptr);
    for (int i = 0; i < 10; ++i) {
      PublishDecoded(*host, bus::EncodeEvent(TestEvent(run * 10 + i + 2, "v")));
    }
    WaitHandled(*host, 10);
    host->Shutdown();
  }
  std::vector<std::string> lines = Lines(Log());
  ASSERT_EQ(lines.size(), 30u);
  Result<LoggedRecord> tenth = ParseLoggedLine(lines[9]);
  Result<LoggedRecord> eleventh = ParseLoggedLine(lines[10]);
  ASSERT_TRUE(tenth.ok() && eleventh.ok());
  EXPECT_EQ(eleventh->seq, 11u);
  EXPECT_EQ(eleventh->prev, tenth->hash);
  Result<VerifyReport> report = VerifyAuditFiles({Log()});
  ASSERT_TRUE(report.ok());
  ASSERT_TRUE(report->ok()) << report->problem->ToString();
  EXPECT_EQ(report->records, 30u);
}

TEST_F(AuditPluginTest, ValuesPolicyHashFullAndNone) {
  const std::string secret = "s3cr3t-password";
  struct Case {
    std::string policy;
    bool size, sha, value;
  };
  for (const Case& c : {Case{"hash", true, true, false}, Case{"full", true, false, true},
                        Case{"none", false, false, false}}) {
    std::filesystem::remove(Log());
    std::unique_ptr<PluginHost> host = LoadOk({{"values", c.policy}});
    ASSERT_NE(host, nullptr);
    PublishDecoded(*host, bus::EncodeEvent(TestEvent(3, secret)));
    WaitHandled(*host, 1);
    host->Shutdown();
    Result<LoggedRecord> r = ParseLoggedLine(Lines(Log()).at(0));
    ASSERT_TRUE(r.ok()) << c.policy;
    Poco::JSON::Object::Ptr change = r->object->getArray("changes")->getObject(0);
    EXPECT_EQ(change->getValue<std::string>("type"), "PUT");
    EXPECT_EQ(change->getValue<std::string>("key"), Base64Encode("/config/key3"));
    EXPECT_EQ(change->has("value_size"), c.size) << c.policy;
    if (c.size) {
      EXPECT_EQ(change->getValue<size_t>("value_size"), secret.size());
    }
    EXPECT_EQ(change->has("value_sha256"), c.sha) << c.policy;
    if (c.sha) {
      EXPECT_EQ(change->getValue<std::string>("value_sha256"), Sha256Hex(secret));
    }
    EXPECT_EQ(change->has("value"), c.value) << c.policy;
    if (c.value) {
      EXPECT_EQ(change->getValue<std::string>("value"), Base64Encode(secret));
    }
    const bool leaked = ReadAll(Log()).find(Base64Encode(secret)) != std::string::npos;
    EXPECT_EQ(leaked, c.policy == "full") << c.policy;
  }
}

TEST_F(AuditPluginTest, DeletesAreLoggedWithoutValues) {
  std::unique_ptr<PluginHost> host = LoadOk({{"values", "full"}});
  ASSERT_NE(host, nullptr);
  PublishDecoded(*host, bus::EncodeEvent(TestEvent(5, "v")));  // a put and a delete
  WaitHandled(*host, 1);
  host->Shutdown();
  Result<LoggedRecord> r = ParseLoggedLine(Lines(Log()).at(0));
  ASSERT_TRUE(r.ok());
  Poco::JSON::Array::Ptr changes = r->object->getArray("changes");
  ASSERT_EQ(changes->size(), 2u);
  Poco::JSON::Object::Ptr del = changes->getObject(1);
  EXPECT_EQ(del->getValue<std::string>("type"), "DELETE");
  EXPECT_EQ(del->getValue<std::string>("key"), Base64Encode("/config/old5"));
  EXPECT_FALSE(del->has("value"));
  EXPECT_FALSE(del->has("value_size"));
}

TEST_F(AuditPluginTest, InitRefusesMissingPathUnwritablePathAndATornLog) {
  Result<std::unique_ptr<PluginHost>> host = Load({{"audit", "values", "hash"}});
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.status().message().find("audit.path is required"), std::string::npos)
      << host.status().message();

  const std::string unwritable = dir_.Sub("missing-dir/audit.log");
  host = Load({{"audit", "path", unwritable}});
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.status().message().find("cannot open audit log " + unwritable), std::string::npos)
      << host.status().message();

  WriteAll(Log(), "{\"seq\":1,\"prev\":\"00");
  host = Load({{"audit", "path", Log()}});
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.status().message().find("audit log " + Log() + " line 1 is torn"),
            std::string::npos)
      << host.status().message();
  EXPECT_EQ(ReadAll(Log()), "{\"seq\":1,\"prev\":\"00");
}

TEST_F(AuditPluginTest, BadBodiesAreCountedErrorsAndLogNothing) {
  std::unique_ptr<PluginHost> host = LoadOk();
  ASSERT_NE(host, nullptr);
  host->PublishEvent(1, "not msgpack at all");
  host->PublishEvent(2, bus::EncodeRequestRecord(TestRequest(1)));  // a REQUEST as an event
  host->PublishRequest(bus::EncodeEvent(TestEvent(3, "v")));        // an EVENT as a request
  WaitHandled(*host, 3);
  EXPECT_EQ(host->Stats().at(0).errors, 3u);
  host->PublishEvent(3, bus::EncodeEvent(TestEvent(3, "v")));
  WaitHandled(*host, 4);
  host->Shutdown();
  EXPECT_EQ(Lines(Log()).size(), 1u);  // only the good one
}

}  // namespace
}  // namespace shadekv::audit
