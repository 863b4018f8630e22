// Tests for the agent's flag handling: defaults, validation messages, the
// config file, and etcd-style member/cluster ids.
#include "agent/daemon/agent_config.h"
#include "agent/server/member_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
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

TEST(AgentConfigTest, PeerCurveFlagsGoTogether) {
  Result<AgentConfig> both =
      BuildAgentConfig({{"peer-curve-key", "keys/a"}, {"peer-curve-authorized", "keys/members"}});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ(both->peer_curve_key, "keys/a");
  EXPECT_EQ(both->peer_curve_authorized, "keys/members");
  EXPECT_TRUE(BuildAgentConfig({})->peer_curve_key.empty());
  for (const char* only : {"peer-curve-key", "peer-curve-authorized"}) {
    Result<AgentConfig> half = BuildAgentConfig({{only, "x"}});
    ASSERT_EQ(half.status().code(), StatusCode::kInvalidArgument) << only;
    EXPECT_NE(half.status().message().find("go together"), std::string::npos);
  }
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
  for (const char* bad : {"0", "-5", "abc", "315360001"}) {
    EXPECT_EQ(message({{"auth-token-ttl", bad}}),
              std::string("--auth-token-ttl '") + bad +
                  "': expected a positive number of seconds, at most 315360000 (10 years)");
  }
  EXPECT_EQ(BuildAgentConfig({})->auth_token_ttl_seconds, 300);
  EXPECT_EQ(BuildAgentConfig({{"auth-token-ttl", "2"}})->auth_token_ttl_seconds, 2);
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

TEST(AgentConfigTest, PluginFlagsRepeatAndKeepTheirOrder) {
  Result<AgentConfig> none = BuildAgentConfig({});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->plugins.empty());
  EXPECT_TRUE(none->plugin_config.empty());

  Result<AgentConfig> c = BuildAgentConfigFromValues({
      {"name", {"first", "edge-1"}},
      {"plugin", {"build/plugins/libshadekv_publisher.so", "/opt/audit.so"}},
      {"plugin-config",
       {"publisher.listen=tcp://127.0.0.1:2390", "audit.dir=/var/a=b.c", "publisher.listen=x"}},
  });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "edge-1");  // single-valued: the last one wins
  EXPECT_EQ(c->plugins,
            (std::vector<std::string>{"build/plugins/libshadekv_publisher.so", "/opt/audit.so"}));
  EXPECT_EQ(c->plugin_config, (std::vector<PluginConfigEntry>{
                                  {"publisher", "listen", "tcp://127.0.0.1:2390"},
                                  {"audit", "dir", "/var/a=b.c"},
                                  {"publisher", "listen", "x"},
                              }));
  // The one-value-per-flag form still accepts a single plugin.
  Result<AgentConfig> one = BuildAgentConfig({{"plugin", "/opt/p.so"}});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->plugins, std::vector<std::string>{"/opt/p.so"});
}

TEST(AgentConfigTest, RejectsBadPluginFlagsWithTheFix) {
  auto message = [](FlagValues flags) {
    Result<AgentConfig> c = BuildAgentConfigFromValues(flags);
    EXPECT_FALSE(c.ok());
    EXPECT_EQ(c.ok() ? StatusCode::kOk : c.status().code(), StatusCode::kInvalidArgument);
    return c.ok() ? std::string() : c.status().message();
  };
  EXPECT_EQ(message({{"plugin", {"/a.so", " "}}}), "--plugin is empty: give a plugin's .so path");
  const std::string expected =
      "': expected NAME.KEY=VALUE with NAME a plugin's name ([a-z0-9_-]), e.g. "
      "publisher.listen=tcp://127.0.0.1:2390";
  for (std::string bad : {"publisher", "publisher.listen", "=x", ".k=v", "publisher.=v",
                          "Publisher.listen=x", "pub lisher.k=v", "listen=tcp://a.b:1"}) {
    EXPECT_EQ(message({{"plugin-config", {bad}}}), "--plugin-config '" + bad + expected) << bad;
  }
  EXPECT_EQ(message({{"plugins", {"/a.so"}}}), "unknown flag --plugins (see shadekv --help)");
}

TEST(AgentConfigTest, PluginFlagsAreListedApartFromSingleValuedOnes) {
  EXPECT_EQ(RepeatableAgentFlagNames(), (std::vector<std::string>{"plugin", "plugin-config"}));
  for (const std::string& name : RepeatableAgentFlagNames()) {
    const std::vector<std::string>& single = AgentFlagNames();
    EXPECT_EQ(std::find(single.begin(), single.end(), name), single.end()) << name;
  }
}

TEST(AgentConfigTest, CommandLineReplacesSingleValuesAndAddsToRepeatableOnes) {
  FlagValues merged = MergeFlagValues(
      {{"name", {"from-file"}}, {"plugin", {"/file.so"}}, {"log-level", {"debug"}}},
      {{"name", {"from-cli"}}, {"plugin", {"/cli.so"}}, {"plugin-config", {"x.k=v"}}});
  EXPECT_EQ(merged["name"], std::vector<std::string>{"from-cli"});
  EXPECT_EQ(merged["log-level"], std::vector<std::string>{"debug"});
  EXPECT_EQ(merged["plugin"], (std::vector<std::string>{"/file.so", "/cli.so"}));
  EXPECT_EQ(merged["plugin-config"], std::vector<std::string>{"x.k=v"});
}

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int fd = mkstemp(path_);
    ASSERT_GE(fd, 0);
    close(fd);
  }
  void TearDown() override { std::remove(path_); }
  void Write(const std::string& text) { std::ofstream(path_) << text; }
  std::string Error(const std::string& text) {
    Write(text);
    Result<FlagValues> v = ReadConfigFileValues(path_);
    EXPECT_FALSE(v.ok());
    return v.ok() ? "" : v.status().message();
  }
  std::string path() const { return path_; }

  char path_[64] = "/tmp/shadekv-config-XXXXXX";
};

TEST_F(ConfigFileTest, PluginLinesAndSectionsBecomePluginFlags) {
  Write(
      "name: edge-1\n"
      "plugin: /opt/first.so\n"
      "plugin-config: first.mode=fast\n"
      "\n"
      "[plugin publisher]\n"
      "path: build/plugins/libshadekv_publisher.so\n"
      "listen: tcp://127.0.0.1:2390\n"
      "# a comment inside a section\n"
      "catchup = 'tcp://127.0.0.1:2391'\n"
      "[ plugin audit ]\n"
      "path: /opt/audit.so\n");
  Result<FlagValues> v = ReadConfigFileValues(path());
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  Result<AgentConfig> c = BuildAgentConfigFromValues(*v);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->name, "edge-1");
  EXPECT_EQ(c->plugins,
            (std::vector<std::string>{"/opt/first.so", "build/plugins/libshadekv_publisher.so",
                                      "/opt/audit.so"}));
  EXPECT_EQ(c->plugin_config, (std::vector<PluginConfigEntry>{
                                  {"first", "mode", "fast"},
                                  {"publisher", "listen", "tcp://127.0.0.1:2390"},
                                  {"publisher", "catchup", "tcp://127.0.0.1:2391"},
                              }));
}

TEST_F(ConfigFileTest, BadSectionsNameTheLineAndTheFix) {
  const std::string p = path();
  EXPECT_EQ(Error("[publisher]\npath: /a.so\n"),
            p + ":1: '[publisher]' is not a section; expected [plugin NAME] with NAME a plugin's "
                "name ([a-z0-9_-])");
  EXPECT_EQ(Error("[plugin Pub]\n"), p + ":1: '[plugin Pub]' is not a section; expected [plugin "
                                         "NAME] with NAME a plugin's name ([a-z0-9_-])");
  EXPECT_EQ(Error("name: a\n[plugin publisher]\nlisten: tcp://127.0.0.1:1\n"),
            p + ":2: section [plugin publisher] has no 'path: FILE' line naming the plugin's .so");
  EXPECT_EQ(Error("[plugin a]\nlisten: x\n[plugin b]\npath: /b.so\n"),
            p + ":1: section [plugin a] has no 'path: FILE' line naming the plugin's .so");
  EXPECT_EQ(Error("[plugin a]\npath: /a.so\npath: /b.so\n"),
            p + ":3: section [plugin a] gives 'path' twice; a section loads one plugin");
  EXPECT_EQ(Error("[plugin a]\npath: /a.so\n: v\n"), p + ":3: ': v' has no key");
  EXPECT_EQ(Error("[plugin a]\npath /a.so\n"), p + ":2: 'path /a.so' is not 'key: value'");
}

TEST_F(ConfigFileTest, OneValuePerKeyReaderRefusesPluginsRatherThanLosingThem) {
  Write("plugin: /a.so\n");
  Result<std::map<std::string, std::string>> v = ReadConfigFile(path());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), path() + ":1: unknown key 'plugin'");
  Write("[plugin a]\npath: /a.so\n");
  v = ReadConfigFile(path());
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().message(), path() + ":1: '[plugin a]' is not 'key: value'");
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
