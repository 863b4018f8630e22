// CURVE on real processes (issue 8): a 3-member cluster with peer keys
// elects and commits; a 4th process with an unauthorized key cannot get a
// frame into Raft (the members count the refused handshakes) while the
// cluster keeps working; the publisher plugin with CURVE serves a
// subscriber with an authorized key and nothing to a wrong-key or plaintext
// shadekv-sub; bad key files stop the agent with a clear error.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "shadekv/bus/curve_keys.h"
#include "tests/agent/cluster/cluster_fixture.h"

extern char** environ;

namespace shadekv::cluster_testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool WaitUntil(const std::function<bool()>& done, milliseconds deadline) {
  auto until = std::chrono::steady_clock::now() + deadline;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(50));
  }
  return done();
}

// A child process with stdout and stderr in `log`; SIGKILLed by PID when
// destroyed.
class Child {
 public:
  Child(std::vector<std::string> args, const std::string& log) {
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool started() const { return pid_ > 0; }
  bool Running() {
    if (pid_ <= 0) return false;
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return false;
    }
    return true;
  }

 private:
  pid_t pid_ = -1;
};

class CurveClusterTest : public ClusterFixture {
 protected:
  // Writes DIR/keys/NAME.key and .pub; when `authorize`, also a copy of the
  // public key into DIR/authorized/NAME.pub.
  std::string MakeKey(const std::string& name, bool authorize) {
    std::filesystem::create_directories(root_ + "/keys");
    std::filesystem::create_directories(root_ + "/authorized");
    std::string prefix = root_ + "/keys/" + name;
    Result<bus::CurveKeyPair> pair = bus::GenerateCurveKeyPair();
    EXPECT_TRUE(pair.ok());
    EXPECT_TRUE(bus::WriteCurveKeyPair(prefix, *pair).ok());
    if (authorize) {
      std::ofstream(root_ + "/authorized/" + name + ".pub")
          << bus::FormatPublicKeyFile(pair->public_key);
    }
    return prefix;
  }

  std::vector<std::string> PeerFlags(const std::string& name) {
    return {"--peer-curve-key", root_ + "/keys/" + name, "--peer-curve-authorized",
            root_ + "/authorized"};
  }

  // The value of a counter in member i's /metrics, -1 when unreadable.
  double Metric(int i, const std::string& name) {
    Result<HttpReply> reply =
        HttpCall(agents_[i].client_port, "GET", "/metrics", "", milliseconds(5000));
    if (!reply.ok()) return -1;
    std::istringstream lines(reply->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
    }
    return -1;
  }
};

TEST_F(CurveClusterTest, ThreeMembersWithCurveKeysElectAndCommit) {
  for (const char* name : {"a", "b", "c"}) MakeKey(name, true);
  StartClusterWithFlags(3, [&](int i) { return PeerFlags(agents_[i].name); });
  int leader = WaitForLeader({0, 1, 2}, milliseconds(30000));
  ASSERT_GE(leader, 0);
  for (int i = 0; i < 3; ++i) {
    Result<int64_t> rev = Put(i, "/curve/k" + std::to_string(i), "v" + std::to_string(i));
    ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  }
  WaitForConvergence({0, 1, 2}, milliseconds(20000));
  for (int i = 0; i < 3; ++i) {
    Result<std::map<std::string, KeyValue>> all = GetPrefix(i, "/curve/", /*serializable=*/true);
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 3u) << "member " << i;
  }
  EXPECT_NE(LogOf(0).find("peer links use CURVE"), std::string::npos);
  EXPECT_EQ(Metric(0, "shadekv_network_peer_curve_refused_total"), 0);
}

TEST_F(CurveClusterTest, MemberWithUnauthorizedKeyCannotJoinAndClusterKeepsWorking) {
  for (const char* name : {"a", "b", "c"}) MakeKey(name, true);
  StartClusterWithFlags(3, [&](int i) { return PeerFlags(agents_[i].name); });
  ASSERT_GE(WaitForLeader({0, 1, 2}, milliseconds(30000)), 0);

  // d knows every member's public key (it has their .pub files), but its own
  // key is not in the members' authorized set. It bootstraps a 4-member
  // configuration of its own and campaigns: its vote requests must never
  // reach the members' Raft.
  MakeKey("d", false);
  int d = PrepareJoiner("d");
  std::filesystem::create_directories(root_ + "/d-authorized");
  for (const char* name : {"a", "b", "c"}) {
    std::filesystem::copy_file(root_ + "/authorized/" + name + ".pub",
                               root_ + "/d-authorized/" + name + ".pub");
  }
  std::filesystem::copy_file(root_ + "/keys/d.pub", root_ + "/d-authorized/d.pub");
  agents_[d].extra_flags = {"--peer-curve-key", root_ + "/keys/d", "--peer-curve-authorized",
                            root_ + "/d-authorized"};
  agents_[d].cluster_state = "new";
  Start(d);

  auto refused_somewhere = [&] {
    double total = 0;
    for (int i = 0; i < 3; ++i)
      total += std::max(0.0, Metric(i, "shadekv_network_peer_curve_refused_total"));
    return total > 0;
  };
  EXPECT_TRUE(WaitUntil(refused_somewhere, milliseconds(20000)));
  // The cluster still commits, and d never became part of it.
  for (int n = 0; n < 5; ++n) {
    Result<int64_t> rev = Put(n % 3, "/after/k" + std::to_string(n), "v");
    ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  }
  WaitForConvergence({0, 1, 2}, milliseconds(20000));
  Result<std::vector<MemberInfo>> members = MemberList(0);
  ASSERT_TRUE(members.ok());
  EXPECT_EQ(members->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    Result<StatusInfo> status = GetStatus(i);
    ASSERT_TRUE(status.ok());
    EXPECT_NE(status->leader, MemberIdOf(d));
  }
  // d never serves clients: it never joined.
  EXPECT_FALSE(HttpCall(agents_[d].client_port, "GET", "/health", "", milliseconds(1000)).ok());
  EXPECT_NE(LogOf(0).find("refused a CURVE client with unauthorized key") +
                LogOf(1).find("refused a CURVE client with unauthorized key") +
                LogOf(2).find("refused a CURVE client with unauthorized key"),
            3 * std::string::npos);
}

TEST_F(CurveClusterTest, BadKeyFilesStopTheAgentWithAClearError) {
  std::string prefix = MakeKey("a", true);
  std::string data = root_ + "/bad.data";
  std::vector<std::string> base = {ShadekvBinary(),
                                   "--name",
                                   "a",
                                   "--data-dir",
                                   data,
                                   "--listen-client-urls",
                                   "http://127.0.0.1:" + std::to_string(PickFreePort()),
                                   "--listen-peer-urls",
                                   "tcp://127.0.0.1:" + std::to_string(PickFreePort())};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv, root_, milliseconds(15000));
  };
  ASSERT_EQ(::chmod((prefix + ".key").c_str(), 0644), 0);
  CommandResult open_key = run(PeerFlags("a"));
  EXPECT_NE(open_key.exit_code, 0);
  EXPECT_NE(open_key.err.find("chmod 600"), std::string::npos) << open_key.err;

  ASSERT_EQ(::chmod((prefix + ".key").c_str(), 0600), 0);
  { std::ofstream(prefix + ".key", std::ios::trunc) << "not a key\n"; }
  CommandResult corrupt = run(PeerFlags("a"));
  EXPECT_NE(corrupt.exit_code, 0);
  EXPECT_NE(corrupt.err.find("not a shadekv CURVE secret key file"), std::string::npos)
      << corrupt.err;

  CommandResult half = run({"--peer-curve-key", prefix});
  EXPECT_NE(half.exit_code, 0);
  EXPECT_NE(half.err.find("go together"), std::string::npos) << half.err;
  // None of them created the data directory: nothing changed.
  EXPECT_FALSE(std::filesystem::exists(data));
}

// The bus: a single member with the publisher plugin serving CURVE, and
// three shadekv-sub processes printing events as JSON lines.
TEST_F(CurveClusterTest, OnlyAnAuthorizedSubscriberReadsTheBus) {
  MakeKey("publisher", false);
  std::string good = MakeKey("good-sub", true);  // authorized/ is the publisher's allow list
  std::string bad = MakeKey("bad-sub", false);
  int pub_port = PickFreePort();
  int catchup_port = PickFreePort();
  std::string bus = "tcp://127.0.0.1:" + std::to_string(pub_port);
  StartClusterWithFlags(1, [&](int) {
    return std::vector<std::string>{
        "--plugin",        PUBLISHER_PLUGIN_PATH,
        "--plugin-config", "publisher.listen=" + bus,
        "--plugin-config", "publisher.catchup=tcp://127.0.0.1:" + std::to_string(catchup_port),
        "--plugin-config", "publisher.heartbeat_ms=200",
        "--plugin-config", "publisher.curve_key=" + root_ + "/keys/publisher",
        "--plugin-config", "publisher.curve_authorized=" + root_ + "/authorized"};
  });
  ASSERT_GE(WaitForLeader({0}, milliseconds(30000)), 0);
  ASSERT_TRUE(Put(0, "/bus/before", "1").ok());

  std::string server_key = root_ + "/keys/publisher.pub";
  auto sub = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {SHADEKV_SUB_PATH, "--bus", bus};
    args.insert(args.end(), extra.begin(), extra.end());
    return std::make_unique<Child>(args, root_ + "/" + name + ".out");
  };
  auto good_sub = sub("good", {"--bus-curve-key", good, "--bus-curve-server-key", server_key});
  auto bad_sub = sub("bad", {"--bus-curve-key", bad, "--bus-curve-server-key", server_key});
  auto plain_sub = sub("plain", {});
  ASSERT_TRUE(good_sub->started() && bad_sub->started() && plain_sub->started());

  // A new subscriber starts from a snapshot (over the catch-up socket, which
  // is secured the same way), then follows live events.
  const std::string after = Base64("/bus/after");
  EXPECT_TRUE(WaitUntil(
      [&] { return ReadFile(root_ + "/good.out").find("\"snapshot\"") != std::string::npos; },
      milliseconds(20000)))
      << ReadFile(root_ + "/good.out");
  ASSERT_TRUE(Put(0, "/bus/after", "2").ok());
  EXPECT_TRUE(
      WaitUntil([&] { return ReadFile(root_ + "/good.out").find(after) != std::string::npos; },
                milliseconds(20000)))
      << ReadFile(root_ + "/good.out");
  // The others had all that time, and some more, and got nothing at all.
  std::this_thread::sleep_for(milliseconds(1000));
  for (const char* name : {"bad", "plain"}) {
    std::string out = ReadFile(root_ + "/" + name + ".out");
    EXPECT_EQ(out.find("\"snapshot\""), std::string::npos) << name << ": " << out;
    EXPECT_EQ(out.find("\"key\""), std::string::npos) << name << ": " << out;
  }
  EXPECT_TRUE(bad_sub->Running());
  EXPECT_TRUE(good_sub->Running());
  EXPECT_NE(LogOf(0).find("refused a CURVE client with unauthorized key"), std::string::npos);
}

// shadekv-shadow follows a CURVE bus with its keys (live SUB, heartbeat
// SUB and catch-up DEALER all need them) and serves what it mirrored.
TEST_F(CurveClusterTest, ShadowWithKeysMirrorsACurveBus) {
  MakeKey("publisher", false);
  std::string shadow_key = MakeKey("shadow", true);
  int pub_port = PickFreePort();
  std::string bus = "tcp://127.0.0.1:" + std::to_string(pub_port);
  StartClusterWithFlags(1, [&](int) {
    return std::vector<std::string>{
        "--plugin",        PUBLISHER_PLUGIN_PATH,
        "--plugin-config", "publisher.listen=" + bus,
        "--plugin-config", "publisher.catchup=tcp://127.0.0.1:" + std::to_string(PickFreePort()),
        "--plugin-config", "publisher.heartbeat_ms=200",
        "--plugin-config", "publisher.curve_key=" + root_ + "/keys/publisher",
        "--plugin-config", "publisher.curve_authorized=" + root_ + "/authorized"};
  });
  ASSERT_GE(WaitForLeader({0}, milliseconds(30000)), 0);
  ASSERT_TRUE(Put(0, "/shadowed", "yes").ok());
  int shadow_port = PickFreePort();
  Child shadow(
      {SHADEKV_SHADOW_PATH, "--bus", bus, "--data-dir", root_ + "/shadow.data",
       "--listen-client-urls", "http://127.0.0.1:" + std::to_string(shadow_port), "--bus-curve-key",
       shadow_key, "--bus-curve-server-key", root_ + "/keys/publisher.pub"},
      root_ + "/shadow.log");
  ASSERT_TRUE(shadow.started());
  const std::string body = "{\"key\":\"" + Base64("/shadowed") + "\"}";
  auto mirrored = [&] {
    Result<HttpReply> reply =
        HttpCall(shadow_port, "POST", "/v3/kv/range", body, milliseconds(2000));
    return reply.ok() && reply->status == 200 &&
           reply->body.find(Base64("yes")) != std::string::npos;
  };
  EXPECT_TRUE(WaitUntil(mirrored, milliseconds(20000))) << ReadFile(root_ + "/shadow.log");
  EXPECT_TRUE(shadow.Running());
}

}  // namespace
}  // namespace shadekv::cluster_testing
