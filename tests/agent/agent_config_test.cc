// Tests for the agent's flag handling: defaults, validation messages, the
// config file, and etcd-style member/cluster ids.
#include "agent/daemon/agent_config.h"
#include "agent/server/member_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace shadekv::agent {
namespace {

TEST(AgentConfigTest, NoFlagsGiveASingleLocalMemberLikeEtcd) {
  Result<AgentConfig> c = BuildAgentConfig({});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "default");
  EXPECT_EQ(c->data_dir, "default.shadekv");
  EXPECT_EQ(c->listen_client_urls, std::vector<std::string>{"http://127.0.0.1:2379"});
  EXPECT_EQ(c->advertise_client_urls, c->listen_client_urls);
  EXPECT_EQ(c->listen_peer_urls, std::vector<std::string>{"tcp://127.0.0.1:2380"});
  ASSERT_EQ(c->initial_cluster.size(), 1u);
  EXPECT_EQ(c->initial_cluster[0].name, "default");
  EXPECT_EQ(c->initial_cluster[0].peer_urls, c->listen_peer_urls);
  EXPECT_TRUE(c->initial_cluster_new);
  EXPECT_EQ(c->heartbeat_interval.count(), 100);
  EXPECT_EQ(c->election_timeout.count(), 1000);
  EXPECT_EQ(c->snapshot_count, 100000u);
  EXPECT_EQ(c->max_request_bytes, 1536 * 1024);
  EXPECT_EQ(c->quota_backend_bytes, 2LL << 30);
}

TEST(AgentConfigTest, ThreeMemberClusterFlags) {
  Result<AgentConfig> c = BuildAgentConfig({
      {"name", "b"},
      {"data-dir", "/tmp/b"},
      {"listen-client-urls", "http://127.0.0.1:22379"},
      {"listen-peer-urls", "tcp://127.0.0.1:22380"},
      {"initial-advertise-peer-urls", "tcp://127.0.0.1:22380"},
      {"initial-cluster",
       "a=tcp://127.0.0.1:12380,b=tcp://127.0.0.1:22380,c=tcp://127.0.0.1:32380"},
      {"initial-cluster-state", "new"},
      {"heartbeat-interval", "50"},
      {"election-timeout", "500"},
  });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(c->initial_cluster.size(), 3u);
  EXPECT_EQ(c->initial_cluster[2].name, "c");
  EXPECT_EQ(c->initial_cluster[2].peer_urls[0], "tcp://127.0.0.1:32380");
  EXPECT_EQ(c->heartbeat_interval.count(), 50);
}

TEST(AgentConfigTest, RejectsBadValuesNamingFlagAndFix) {
  auto message = [](std::map<std::string, std::string> flags) {
    Result<AgentConfig> c = BuildAgentConfig(flags);
    EXPECT_FALSE(c.ok());
    EXPECT_EQ(c.ok() ? StatusCode::kOk : c.status().code(), StatusCode::kInvalidArgument);
    return c.ok() ? std::string() : c.status().message();
  };
  EXPECT_EQ(message({{"heartbeat-interval", "abc"}}),
            "--heartbeat-interval 'abc': expected a whole number of milliseconds");
  EXPECT_EQ(message({{"election-timeout", "300"}}),
            "--election-timeout (300 ms) must be at least 5 times --heartbeat-interval (100 ms)");
  EXPECT_EQ(message({{"initial-cluster-state", "old"}}),
            "--initial-cluster-state 'old': expected new or existing");
  EXPECT_EQ(message({{"listen-client-urls", "127.0.0.1:2379"}}),
            "--listen-client-urls '127.0.0.1:2379': expected a URL like http://127.0.0.1:2379");
  EXPECT_EQ(message({{"listen-peer-urls", "http://127.0.0.1:2380"}}),
            "--listen-peer-urls 'http://127.0.0.1:2380': expected a URL like tcp://127.0.0.1:2380");
  EXPECT_EQ(message({{"bogus", "1"}}), "unknown flag --bogus (see shadekv --help)");
  EXPECT_EQ(message({{"name", "x"}, {"initial-cluster", "a=tcp://127.0.0.1:1"}}),
            "--initial-cluster does not list this member's --name 'x': add x=<its peer URL>");
  EXPECT_EQ(message({{"initial-cluster", "default=tcp://127.0.0.1:9999"}}),
            "--initial-cluster gives member 'default' other peer URLs than "
            "--initial-advertise-peer-urls: they must be the same");
  EXPECT_EQ(message({{"initial-cluster", "a"}}),
            "--initial-cluster 'a': 'a' is not name=URL (example: "
            "a=tcp://10.0.0.1:2380,b=tcp://10.0.0.2:2380)");
  EXPECT_EQ(message({{"snapshot-count", "0"}}),
            "--snapshot-count '0': expected a positive number of entries");
  EXPECT_EQ(message({{"experimental-watch-progress-notify-interval", "10"}}),
            "--experimental-watch-progress-notify-interval '10': expected a positive duration "
            "like 10m or 200ms");
  EXPECT_EQ(message({{"experimental-watch-progress-notify-interval", "0s"}}),
            "--experimental-watch-progress-notify-interval '0s': expected a positive duration "
            "like 10m or 200ms");
  EXPECT_EQ(message({{"log-level", "loud"}}),
            "--log-level 'loud': expected debug, info, warn or error");
}

TEST(AgentConfigTest, WatchProgressNotifyIntervalTakesGoDurations) {
  EXPECT_EQ(BuildAgentConfig({})->watch_progress_notify_interval, std::chrono::minutes(10));
  for (auto [text, ms] : std::vector<std::pair<std::string, int64_t>>{
           {"200ms", 200}, {"10m", 600000}, {"1m30s", 90000}, {"1.5s", 1500}, {"2h", 7200000}}) {
    Result<AgentConfig> c =
        BuildAgentConfig({{"experimental-watch-progress-notify-interval", text}});
    ASSERT_TRUE(c.ok()) << text;
    EXPECT_EQ(c->watch_progress_notify_interval.count(), ms) << text;
  }
}

TEST(AgentConfigTest, InitialClusterRejectsSharedUrls) {
  Result<std::vector<InitialMember>> m =
      ParseInitialCluster("a=tcp://127.0.0.1:1,b=tcp://127.0.0.1:1");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "--initial-cluster 'a=tcp://127.0.0.1:1,b=tcp://127.0.0.1:1': URL tcp://127.0.0.1:1 "
            "is given for two members");
}

TEST(AgentConfigTest, ConfigFileUsesFlagNamesAndRejectsUnknownKeys) {
  char path[] = "/tmp/shadekv-config-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "# a member\nname: edge-1\ndata-dir = '/var/lib/edge-1'\n\nheartbeat-interval: 50\n";
  }
  Result<std::map<std::string, std::string>> values = ReadConfigFile(path);
  ASSERT_TRUE(values.ok()) << values.status().ToString();
  EXPECT_EQ(values->at("name"), "edge-1");
  EXPECT_EQ(values->at("data-dir"), "/var/lib/edge-1");
  EXPECT_EQ(values->at("heartbeat-interval"), "50");
  {
    std::ofstream out(path);
    out << "name: x\nlisten-clients: http://127.0.0.1:1\n";
  }
  values = ReadConfigFile(path);
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.status().message(), std::string(path) + ":2: unknown key 'listen-clients'");
  std::remove(path);
  values = ReadConfigFile(path);
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.status().message(), "--config-file '" + std::string(path) + "': cannot be read");
}

TEST(AgentConfigTest, IdsAreDeterministicAndOrderIndependent) {
  uint64_t a = ComputeMemberId({"tcp://127.0.0.1:1", "tcp://127.0.0.1:2"}, "tok");
  EXPECT_EQ(a, ComputeMemberId({"tcp://127.0.0.1:2", "tcp://127.0.0.1:1"}, "tok"));
  EXPECT_NE(a, ComputeMemberId({"tcp://127.0.0.1:1", "tcp://127.0.0.1:2"}, "other-token"));
  EXPECT_NE(a, 0u);
  EXPECT_EQ(ComputeClusterId("tok"), ComputeClusterId("tok"));
  EXPECT_NE(ComputeClusterId("tok"), ComputeClusterId("tok2"));
}

}  // namespace
}  // namespace shadekv::agent
