// The hunt plugin inside real shadekv processes (a 3-member cluster on
// 127.0.0.1): writes made through the etcd gateway raise alerts in every
// member's alerts file, and since rule time is the leader's time carried by
// the events, every member writes the same alerts.
#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <fstream>
#include <thread>

#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::cluster_testing {
namespace {

constexpr char kRules[] = R"({"rules":[
  {"name":"secrets","type":"sensitive_prefix","severity":"high","prefixes":["/secrets/"]},
  {"name":"mass","type":"mass_delete","severity":"critical","max_keys":3,"window_seconds":600},
  {"name":"cleartext","type":"value_pattern","severity":"critical","pattern":"password="}
]})";

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

class HuntAgentTest : public ClusterFixture {
 protected:
  std::string Alerts(int i) const { return root_ + "/alerts-" + std::to_string(i) + ".jsonl"; }

  bool WaitLines(int i, size_t n) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (ReadLines(Alerts(i)).size() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return ReadLines(Alerts(i)).size() >= n;
  }
};

TEST_F(HuntAgentTest, EveryMemberRaisesTheSameAlertsForGatewayWrites) {
  std::string rules = root_ + "/rules.json";
  std::ofstream(rules) << kRules;
  StartClusterWithFlags(3, [&](int i) {
    return std::vector<std::string>{"--plugin",        HUNT_PLUGIN_PATH,
                                    "--plugin-config", "hunt.rules=" + rules,
                                    "--plugin-config", "hunt.alerts=" + Alerts(i)};
  });
  int leader = WaitForLeader({0, 1, 2}, milliseconds(20000));
  int follower = (leader + 1) % 3;

  ASSERT_TRUE(Put(follower, "/app/mode", "fast").ok());  // benign
  ASSERT_TRUE(Put(leader, "/secrets/db", "s3cr3t").ok());
  ASSERT_TRUE(Put(follower, "/app/dsn", "user=a password=b").ok());
  for (int k = 0; k < 4; ++k) ASSERT_TRUE(Put(leader, "/tmp/" + std::to_string(k), "x").ok());
  auto reply =
      Call(follower, "/v3/kv/deleterange",
           "{\"key\":\"" + Base64("/tmp/") + "\",\"range_end\":\"" + Base64("/tmp0") + "\"}");
  ASSERT_TRUE(reply.ok()) << reply.status().ToString();
  ASSERT_EQ(reply->status, 200) << reply->body;
  WaitForConvergence({0, 1, 2}, milliseconds(20000));

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(WaitLines(i, 3)) << "member " << i;
  // Give a wrong extra alert the chance to show up before comparing.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<std::string> lines = ReadLines(Alerts(0));
  ASSERT_EQ(lines.size(), 3u);
  std::vector<std::string> rules_fired;
  Poco::JSON::Parser parser;
  for (const std::string& line : lines) {
    auto object = parser.parse(line).extract<Poco::JSON::Object::Ptr>();
    rules_fired.push_back(object->getValue<std::string>("rule"));
    parser.reset();
  }
  EXPECT_EQ(rules_fired, (std::vector<std::string>{"secrets", "cleartext", "mass"}));
  EXPECT_EQ(ReadLines(Alerts(1)), lines);
  EXPECT_EQ(ReadLines(Alerts(2)), lines);
}

}  // namespace
}  // namespace shadekv::cluster_testing
