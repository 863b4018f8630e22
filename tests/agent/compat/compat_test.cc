// The etcd compatibility suite: each test starts a fresh single-member etcd
// 3.4 and a fresh shadekv, sends one request sequence (testdata/<name>.txt) to
// both, and expects identical normalized replies (see compat_runner.h).
//
// Intended differences, kept out of the exact comparison:
//  - maintenance/hash: the hash covers each server's own storage layout, so
//    only the reply's shape (keys, order, JSON types) is compared.
//  - maintenance/status: dbSize, raftIndex and the IDs differ by nature and
//    are normalized to "$name:type"; the field set and order must match.
//  - maintenance/hash on an empty store: shadekv hashes only the keyspace,
//    which gives 0 there, and proto3 JSON omits a zero; etcd also hashes its
//    bucket names, so its hash is never 0. Checked on shadekv only.
//  - Requests that crash etcd 3.4 (a range sort_target outside the enum) are
//    sent to shadekv only, which must answer a clear 400.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/api/json_value.h"
#include "tests/agent/compat/compat_runner.h"
#include "tests/agent/ctl/etcd_fixture.h"

namespace shadekv::compat {
namespace {

using ctl::testing::EtcdProcess;

constexpr auto kEtcdStartDeadline = std::chrono::seconds(30);
// The sanitized shadekv starts and answers much more slowly than etcd.
constexpr auto kShadekvStartDeadline = std::chrono::seconds(90);
constexpr int kRequestTimeoutMs = 30000;

class CompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Start both at once: start-up dominates the suite's run time.
    auto shadekv = std::async(std::launch::async, [] {
      return EtcdProcess::StartShadekv(SHADEKV_BIN, "compat-shadekv", kShadekvStartDeadline);
    });
    Result<std::unique_ptr<EtcdProcess>> etcd =
        EtcdProcess::Start("compat-etcd", kEtcdStartDeadline);
    Result<std::unique_ptr<EtcdProcess>> ours = shadekv.get();
    ASSERT_TRUE(etcd.ok()) << etcd.status().message();
    ASSERT_TRUE(ours.ok()) << ours.status().message();
    etcd_ = std::move(*etcd);
    shadekv_ = std::move(*ours);
    Result<int64_t> etcd_base = CurrentRevision(etcd_->client_port());
    Result<int64_t> shadekv_base = CurrentRevision(shadekv_->client_port());
    ASSERT_TRUE(etcd_base.ok()) << etcd_base.status().message();
    ASSERT_TRUE(shadekv_base.ok()) << shadekv_base.status().message();
    etcd_base_ = *etcd_base;
    shadekv_base_ = *shadekv_base;
  }

  // Destroying the processes SIGKILLs them by PID, also after a failure.
  void TearDown() override {
    etcd_.reset();
    shadekv_.reset();
  }

  // Runs testdata/<name>.txt against both servers; reports every differing
  // step (with both replies, raw and normalized) and returns the number of
  // steps compared.
  int RunSequence(const std::string& name) {
    const std::string path = std::string(COMPAT_TESTDATA_DIR) + "/" + name + ".txt";
    std::ifstream file(path);
    EXPECT_TRUE(file.good()) << "cannot read " << path;
    std::stringstream text;
    text << file.rdbuf();
    Result<std::vector<Step>> steps = ParseSequence(text.str());
    EXPECT_TRUE(steps.ok()) << path << ": " << steps.status().message();
    if (!steps.ok()) return 0;
    EXPECT_FALSE(steps->empty()) << path << " has no steps";
    int compared = 0;
    // Each server's tokens by user, from its own authenticate replies.
    std::map<std::string, std::string> etcd_tokens, shadekv_tokens;
    auto token_for = [](const Step& step, const std::map<std::string, std::string>& tokens) {
      if (!step.literal_token.empty()) return step.literal_token;
      auto it = tokens.find(step.as_user);
      return it == tokens.end() ? std::string() : it->second;
    };
    auto remember = [](const Step& step, const HttpReply& reply,
                       std::map<std::string, std::string>& tokens) {
      if (reply.status != 200 || step.path.find("/auth/authenticate") == std::string::npos) return;
      Result<api::JsonValue> request = api::ParseWholeJson(step.body);
      Result<api::JsonValue> json = api::ParseWholeJson(reply.body);
      const api::JsonValue* name = request.ok() ? request->Find("name") : nullptr;
      const api::JsonValue* token = json.ok() ? json->Find("token") : nullptr;
      if (name != nullptr && token != nullptr) tokens[name->text] = token->text;
    };
    for (const Step& step : *steps) {
      const std::string what = name + ".txt:" + std::to_string(step.line) + ": " + step.method +
                               " " + step.path + " " + step.body;
      if (!step.as_user.empty() && token_for(step, shadekv_tokens).empty()) {
        ADD_FAILURE() << what << ": no token for " << step.as_user << " yet";
      }
      Result<HttpReply> ours =
          SendRequest(shadekv_->client_port(), step.method, step.path, step.body, kRequestTimeoutMs,
                      token_for(step, shadekv_tokens));
      EXPECT_TRUE(ours.ok()) << what << "\nshadekv: " << ours.status().message();
      if (!ours.ok()) continue;
      remember(step, *ours, shadekv_tokens);
      const bool shape = step.mode == StepMode::kShape;
      std::string ours_norm = Normalize(*ours, shadekv_base_, shape);
      if (step.mode == StepMode::kShadekvOnly) {
        EXPECT_EQ(step.expected, ours_norm) << what << "\nshadekv raw: " << ours->body;
        ++compared;
        continue;
      }
      Result<HttpReply> theirs =
          SendRequest(etcd_->client_port(), step.method, step.path, step.body, kRequestTimeoutMs,
                      token_for(step, etcd_tokens));
      EXPECT_TRUE(theirs.ok()) << what << "\netcd: " << theirs.status().message();
      if (!theirs.ok()) continue;
      remember(step, *theirs, etcd_tokens);
      std::string theirs_norm = Normalize(*theirs, etcd_base_, shape);
      EXPECT_EQ(theirs_norm, ours_norm)
          << what << "\n  etcd raw:    " << theirs->status << " " << theirs->content_type << " "
          << theirs->body << "\n  shadekv raw: " << ours->status << " " << ours->content_type << " "
          << ours->body;
      ++compared;
    }
    return compared;
  }

  std::unique_ptr<EtcdProcess> etcd_;
  std::unique_ptr<EtcdProcess> shadekv_;
  int64_t etcd_base_ = 0;
  int64_t shadekv_base_ = 0;
};

// shadekv's raftIndex from maintenance/status, or -1.
int64_t RaftIndex(int port) {
  Result<HttpReply> reply =
      SendRequest(port, "POST", "/v3/maintenance/status", "{}", kRequestTimeoutMs);
  if (!reply.ok()) return -1;
  Result<api::JsonValue> json = api::ParseWholeJson(reply->body);
  const api::JsonValue* index = json.ok() ? json->Find("raftIndex") : nullptr;
  return index != nullptr ? std::stoll(index->text) : -1;
}

TEST_F(CompatTest, BothServersStartAtRevisionOne) {
  EXPECT_EQ(1, etcd_base_);
  EXPECT_EQ(1, shadekv_base_);
}

// etcd's gRPC layer rejects these before proposing; so must shadekv's API.
TEST_F(CompatTest, RejectedRequestsDoNotConsumeRaftIndex) {
  const int port = shadekv_->client_port();
  const int64_t before = RaftIndex(port);
  ASSERT_GT(before, 0);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"/v3/kv/put", "{\"value\":\"eA==\"}"},
      {"/v3/kv/put", "{\"key\":\"eA==\",\"ignore_value\":true,\"value\":\"eA==\"}"},
      {"/v3/kv/deleterange", "{}"},
      {"/v3/kv/txn", "{\"compare\":[{\"target\":\"VERSION\"}]}"},
      {"/v3/kv/txn",
       "{\"success\":[{\"request_put\":{\"key\":\"eA==\"}},"
       "{\"request_put\":{\"key\":\"eA==\"}}]}"},
  };
  for (const auto& [path, body] : bad) {
    Result<HttpReply> reply = SendRequest(port, "POST", path, body, kRequestTimeoutMs);
    ASSERT_TRUE(reply.ok()) << reply.status().message();
    EXPECT_EQ(400, reply->status) << path << " " << body << ": " << reply->body;
  }
  EXPECT_EQ(before, RaftIndex(port));
}

TEST_F(CompatTest, PutAndRange) { EXPECT_GT(RunSequence("put_range"), 0); }

TEST_F(CompatTest, DeleteRange) { EXPECT_GT(RunSequence("delete_range"), 0); }

TEST_F(CompatTest, Txn) { EXPECT_GT(RunSequence("txn"), 0); }

TEST_F(CompatTest, Compaction) { EXPECT_GT(RunSequence("compaction"), 0); }

TEST_F(CompatTest, RequestErrors) { EXPECT_GT(RunSequence("errors"), 0); }

TEST_F(CompatTest, VersionAndHealth) { EXPECT_GT(RunSequence("version_health"), 0); }

TEST_F(CompatTest, Maintenance) { EXPECT_GT(RunSequence("maintenance"), 0); }

TEST_F(CompatTest, Alarms) { EXPECT_GT(RunSequence("alarm"), 0); }

TEST_F(CompatTest, Leases) { EXPECT_GT(RunSequence("lease"), 0); }

TEST_F(CompatTest, Auth) { EXPECT_GT(RunSequence("auth"), 0); }

}  // namespace
}  // namespace shadekv::compat
