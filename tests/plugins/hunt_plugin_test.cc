// The real hunt plugin (build/plugins/libshadekv_hunt.so) through the real
// PluginHost: events from a real store and crafted request records go in;
// alerts land in the alerts file as JSON lines and arrive on a real SUB
// socket on 127.0.0.1 as ALERT bodies. Garbage input is an error and
// changes nothing; bad settings refuse start-up with a clear message. The
// same .so also runs inside a real shadekv-sub process.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fstream>
#include <zmq.hpp>

#include "shadekv/bus/codec.h"
#include "shadekv/plugin_host/plugin_host.h"
#include "shadekv/store/mvcc_store.h"
#include "tests/bus/bus_test_util.h"
#include "tests/bus/store_host_services.h"
#include "tests/store/temp_dir.h"

extern char** environ;

namespace shadekv::hunt {
namespace {

// The host takes each event's revision (the agent knows it); here the body
// names it.
void PublishDecoded(plugin_host::PluginHost& host, const std::string& event_body) {
  Result<bus::ChangeEvent> event = bus::DecodeEvent(event_body);
  host.PublishEvent(event.ok() ? event->revision : 0, event_body);
}

using namespace std::chrono_literals;
using bus::testing::FreeEndpoint;
using bus::testing::WaitFor;
using plugin_host::PluginHost;
using plugin_host::PluginSetting;
using store::testing::TempDir;

constexpr int64_t kMonday9am = 1'794'787'200'000 + 9 * 3'600'000;

constexpr char kRules[] = R"({"rules":[
  {"name":"secrets","type":"sensitive_prefix","severity":"high","prefixes":["/secrets/"]},
  {"name":"mass","type":"mass_delete","severity":"critical","max_keys":3,"window_seconds":60},
  {"name":"guess","type":"denied_burst","severity":"high","max_denied":1,"window_seconds":60,
   "group_by":["user"]}
]})";

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Poco::JSON::Object::Ptr ParseLine(const std::string& line) {
  Poco::JSON::Parser parser;
  return parser.parse(line).extract<Poco::JSON::Object::Ptr>();
}

class HuntPluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(rules_, kRules);
    auto s = store::MvccStore::Open(dir_.Sub("store"));
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(*s);
  }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::trunc) << text;
  }

  Result<std::unique_ptr<PluginHost>> Load(std::vector<PluginSetting> extra = {},
                                           bool defaults = true) {
    std::vector<PluginSetting> settings;
    if (defaults) settings = {{"hunt", "rules", rules_}, {"hunt", "alerts", alerts_}};
    settings.insert(settings.end(), extra.begin(), extra.end());
    return PluginHost::Load({HUNT_PLUGIN_PATH}, settings, nullptr);
  }

  std::string LoadError(std::vector<PluginSetting> settings, bool defaults = true) {
    auto host = Load(std::move(settings), defaults);
    EXPECT_FALSE(host.ok());
    return host.ok() ? "" : host.status().message();
  }

  // Applies `request` to the real store and returns the EVENT body an agent
  // would publish for it, made by `user`.
  std::string Apply(store::WriteRequest request, const std::string& user = "mallory") {
    auto r = store_->Apply(request, ++raft_index_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return "";
    bus::EventOrigin origin;
    origin.leader_time_ms = kMonday9am + r->event.revision;
    origin.member_id = 7;
    origin.request_id = raft_index_;
    origin.user = user;
    origin.client_address = "127.0.0.1:40000";
    return bus::EncodeEvent(bus::MakeChangeEvent(r->event, origin));
  }
  std::string Put(const std::string& key, const std::string& value) {
    store::WriteRequest w;
    w.op = store::PutRequest{key, value};
    return Apply(w);
  }
  std::string DeleteRange(const std::string& key, const std::string& end) {
    store::WriteRequest w;
    w.op = store::DeleteRangeRequest{key, end};
    return Apply(w);
  }
  static std::string DeniedRecord(int64_t time_ms) {
    bus::RequestRecord r;
    r.time_ms = time_ms;
    r.member_id = 7;
    r.user = "mallory";
    r.client_address = "127.0.0.1:40001";
    r.operation = "/v3/kv/put";
    r.key = "/secrets/root";
    r.outcome = bus::RequestOutcome::kDenied;
    r.code = 7;
    r.message = "etcdserver: permission denied";
    return bus::EncodeRequestRecord(r);
  }

  bool WaitLines(size_t n) {
    return WaitFor([&] { return ReadLines(alerts_).size() >= n; }, 10s);
  }

  TempDir dir_{"shadekv-hunt-"};
  std::string rules_ = dir_.Sub("rules.json");
  std::string alerts_ = dir_.Sub("alerts.jsonl");
  std::unique_ptr<store::MvccStore> store_;
  uint64_t raft_index_ = 0;
};

TEST_F(HuntPluginTest, AlertsLandInTheFileAndOnTheBusAsAlertBodies) {
  std::string endpoint = FreeEndpoint();
  auto host = Load({{"hunt", "publish", endpoint}});
  ASSERT_TRUE(host.ok()) << host.status().ToString();

  zmq::context_t context(1);
  zmq::socket_t sub(context, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::rcvtimeo, 100);
  sub.set(zmq::sockopt::subscribe, bus::kAlertTopic);
  sub.connect(endpoint);
  auto receive = [&](bus::Alert* alert) {
    zmq::message_t topic, body;
    if (!sub.recv(topic, zmq::recv_flags::none)) return false;
    EXPECT_EQ(topic.to_string(), "A");
    EXPECT_TRUE(sub.get(zmq::sockopt::rcvmore));
    EXPECT_TRUE(sub.recv(body, zmq::recv_flags::none));
    auto decoded = bus::DecodeAlert(body.to_string_view());
    EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
    if (decoded.ok()) *alert = *decoded;
    return decoded.ok();
  };

  // PUB drops until the subscription has travelled: raise "secrets" alerts
  // until one arrives, so the SUB is known to be joined.
  bus::Alert alert;
  bool joined = false;
  std::string last_put;
  for (int i = 0; i < 50 && !joined; ++i) {
    last_put = Put("/secrets/db" + std::to_string(i), "hunter2");
    PublishDecoded(**host, last_put);
    joined = receive(&alert);
  }
  ASSERT_TRUE(joined);
  EXPECT_EQ(alert.rule, "secrets");
  EXPECT_EQ(alert.rule_type, "sensitive_prefix");
  EXPECT_EQ(alert.severity, "high");
  ASSERT_EQ(alert.events.size(), 1u);
  // Drain the warm-up alerts that may still be in flight.
  while (alert.events[0] != last_put && receive(&alert)) {
  }
  ASSERT_EQ(alert.events[0], last_put);
  size_t warmup_lines = ReadLines(alerts_).size();

  // One DeleteRange removing 5 keys (limit 3): a mass delete.
  for (int i = 0; i < 5; ++i) PublishDecoded(**host, Put("/other/" + std::to_string(i), "1"));
  std::string mass = DeleteRange("/other/", "/other0");
  PublishDecoded(**host, mass);
  // Two denied requests by one user within the window: a burst.
  std::string denied1 = DeniedRecord(kMonday9am);
  std::string denied2 = DeniedRecord(kMonday9am + 1000);
  (*host)->PublishRequest(denied1);
  (*host)->PublishRequest(denied2);

  // Each receive waits 100 ms; the plugin's thread may be slower than that.
  auto receive_within = [&](bus::Alert* a) {
    for (int i = 0; i < 100; ++i) {
      if (receive(a)) return true;
    }
    return false;
  };
  bus::Alert mass_alert, burst_alert;
  ASSERT_TRUE(receive_within(&mass_alert));
  EXPECT_EQ(mass_alert.rule, "mass");
  ASSERT_TRUE(receive_within(&burst_alert));
  EXPECT_EQ(mass_alert.events, std::vector<std::string>{mass});
  EXPECT_EQ(burst_alert.rule, "guess");
  EXPECT_EQ(burst_alert.requests, (std::vector<std::string>{denied1, denied2}));
  EXPECT_EQ(burst_alert.time_ms, kMonday9am + 1000);

  ASSERT_TRUE(WaitLines(warmup_lines + 2));
  (*host)->Shutdown();
  std::vector<std::string> lines = ReadLines(alerts_);
  ASSERT_EQ(lines.size(), warmup_lines + 2);
  for (const std::string& line : lines) {
    auto object = ParseLine(line);  // every line is valid JSON
    EXPECT_TRUE(object->has("time") && object->has("summary") && object->has("revisions"));
  }
  auto mass_line = ParseLine(lines[warmup_lines]);
  EXPECT_EQ(mass_line->getValue<std::string>("rule"), "mass");
  EXPECT_EQ(mass_line->getValue<std::string>("type"), "mass_delete");
  EXPECT_EQ(mass_line->getValue<std::string>("severity"), "critical");
  EXPECT_EQ(mass_line->getValue<std::string>("summary"), mass_alert.summary);
  auto event = mass_line->getArray("events")->getObject(0);
  EXPECT_EQ(event->getValue<std::string>("user"), "mallory");
  EXPECT_EQ(event->getArray("changes")->size(), 5u);
  EXPECT_EQ(mass_line->getArray("revisions")->size(), 1u);
  auto burst_line = ParseLine(lines[warmup_lines + 1]);
  EXPECT_EQ(burst_line->getValue<std::string>("rule"), "guess");
  EXPECT_EQ(burst_line->getValue<std::string>("time"), "2026-11-16T09:00:01.000Z");
  ASSERT_EQ(burst_line->getArray("requests")->size(), 2u);
  EXPECT_EQ(burst_line->getArray("requests")->getObject(1)->getValue<std::string>("outcome"),
            "DENIED");

  auto stats = (*host)->Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].errors, 0u);
  EXPECT_EQ(stats[0].requests_delivered, 2u);
}

TEST_F(HuntPluginTest, GarbageIsAnErrorAndChangesNothing) {
  auto host = Load();
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  // Revisions 2..9 go by first: the garbage below is published as revisions
  // 1..6 (the host hands each plugin rising revisions only).
  for (int i = 0; i < 8; ++i) Put("/warmup/" + std::to_string(i), "x");
  std::string event = Put("/secrets/a", "x");
  std::vector<std::string> garbage = {"",
                                      "\xc1",
                                      "not msgpack at all",
                                      event.substr(0, event.size() - 1),
                                      event + "x",
                                      DeniedRecord(kMonday9am)};  // a REQUEST is not an EVENT
  int64_t garbage_revision = 0;
  for (const std::string& g : garbage) (*host)->PublishEvent(++garbage_revision, g);
  (*host)->PublishRequest(event);  // an EVENT is not a REQUEST
  (*host)->PublishRequest("\x9f");
  PublishDecoded(**host, event);
  (*host)->Shutdown();
  auto stats = (*host)->Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].errors, garbage.size() + 2);
  EXPECT_EQ(stats[0].events_delivered, 1u);
  std::vector<std::string> lines = ReadLines(alerts_);
  ASSERT_EQ(lines.size(), 1u);  // only the good event raised an alert
  EXPECT_EQ(ParseLine(lines[0])->getValue<std::string>("rule"), "secrets");
}

TEST_F(HuntPluginTest, AppendsToAnExistingAlertsFile) {
  Write(alerts_, "{\"earlier\":true}\n");
  {
    auto host = Load();
    ASSERT_TRUE(host.ok()) << host.status().ToString();
    PublishDecoded(**host, Put("/secrets/a", "x"));
  }
  std::vector<std::string> lines = ReadLines(alerts_);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "{\"earlier\":true}");
}

TEST_F(HuntPluginTest, AlertsFileWriteFailureIsAnErrorNotACrash) {
  // /dev/full opens, and every write to it fails with ENOSPC.
  auto host = Load({{"hunt", "alerts", "/dev/full"}});
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  PublishDecoded(**host, Put("/public/a", "x"));   // no alert: nothing to write
  PublishDecoded(**host, Put("/secrets/a", "x"));  // alert: the write fails
  PublishDecoded(**host, Put("/secrets/b", "x"));
  (*host)->Shutdown();
  auto stats = (*host)->Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].events_delivered, 1u);
  EXPECT_EQ(stats[0].errors, 2u);
}

TEST_F(HuntPluginTest, BadSettingsRefuseStartUpWithAClearMessage) {
  EXPECT_NE(LoadError({{"hunt", "alerts", alerts_}}, false)
                .find("hunt: hunt.rules is required: --plugin-config hunt.rules=PATH"),
            std::string::npos);
  EXPECT_NE(LoadError({{"hunt", "rules", rules_}}, false).find("hunt: hunt.alerts is required"),
            std::string::npos);
  EXPECT_NE(LoadError({{"hunt", "colour", "red"}}).find("hunt: unknown setting hunt.colour"),
            std::string::npos);
  EXPECT_NE(LoadError({{"hunt", "send_hwm", "0"}})
                .find("hunt: hunt.send_hwm \"0\" is not a positive integer"),
            std::string::npos);
  std::string missing = dir_.Sub("nope.json");
  EXPECT_NE(LoadError({{"hunt", "rules", missing}})
                .find("hunt: cannot read rules file \"" + missing + "\": No such file"),
            std::string::npos);
  Write(rules_, R"({"rules":[{"name":"x","type":"port_scan","severity":"low"}]})");
  std::string bad = LoadError({});
  EXPECT_NE(bad.find("hunt: rules file \"" + rules_ +
                     "\": rules[0] (\"x\"): type: unknown rule type \"port_scan\""),
            std::string::npos)
      << bad;
  Write(rules_, kRules);
  std::string unwritable = dir_.Sub("no/such/dir/alerts.jsonl");
  EXPECT_NE(LoadError({{"hunt", "alerts", unwritable}})
                .find("hunt: cannot open alerts file \"" + unwritable + "\" for appending"),
            std::string::npos);
  EXPECT_NE(LoadError({{"hunt", "publish", "tcp://127.0.0.1"}})
                .find("hunt: cannot bind hunt.publish \"tcp://127.0.0.1\""),
            std::string::npos);
}

TEST_F(HuntPluginTest, PublishAddressInUseIsRefused) {
  zmq::context_t context(1);
  zmq::socket_t taken(context, zmq::socket_type::pub);
  taken.set(zmq::sockopt::linger, 0);
  taken.bind("tcp://127.0.0.1:*");
  std::string endpoint = taken.get(zmq::sockopt::last_endpoint);
  std::string message = LoadError({{"hunt", "publish", endpoint}});
  EXPECT_NE(message.find("hunt: cannot bind hunt.publish \"" + endpoint +
                         "\": Address already in use (check the address, or whether another "
                         "process uses the port)"),
            std::string::npos)
      << message;
}

// shadekv-sub as a child process, following the real publisher plugin, with
// the hunt plugin loaded by --plugin: the same .so, unchanged.
class SubProcess {
 public:
  SubProcess(const std::vector<std::string>& args, const std::string& log) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    std::vector<std::string> all = {SHADEKV_SUB_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, SHADEKV_SUB_PATH, &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
  }
  ~SubProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      (void)WaitFor([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 5s);
    }
  }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

TEST_F(HuntPluginTest, RunsUnchangedInsideShadekvSub) {
  Write(rules_, R"({"rules":[{"name":"root-writes","type":"user_not_allowed",
                              "severity":"medium","allowed_users":["deploy"]}]})");
  auto services = bus::testing::StoreHostServices::Open(dir_.Sub("primary"));
  ASSERT_TRUE(services.ok()) << services.status().ToString();
  auto pub = bus::testing::LoadPublisher(services->get());
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  std::string log = dir_.Sub("sub.log");
  SubProcess sub(
      {"--bus", pub->pub, "--from-rev", "2", "--plugin", HUNT_PLUGIN_PATH, "--plugin-config",
       "hunt.rules=" + rules_, "--plugin-config", "hunt.alerts=" + alerts_},
      log);
  ASSERT_GT(sub.pid(), 0);
  for (int i = 0; i < 5; ++i) {
    auto body = (*services)->Put("/config/k" + std::to_string(i), "v");  // made by "root"
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    PublishDecoded(*pub->host, *body);
  }
  // Live or by catch-up, every one of the five revisions is hunted.
  ASSERT_TRUE(WaitLines(5)) << "shadekv-sub log:\n"
                            << [&] {
                                 std::string all;
                                 for (const std::string& l : ReadLines(log)) all += l + "\n";
                                 return all;
                               }();
  std::vector<std::string> lines = ReadLines(alerts_);
  ASSERT_EQ(lines.size(), 5u);
  for (size_t i = 0; i < lines.size(); ++i) {
    auto line = ParseLine(lines[i]);
    EXPECT_EQ(line->getValue<std::string>("rule"), "root-writes");
    EXPECT_EQ(line->getArray("revisions")->getElement<std::string>(0), std::to_string(i + 2));
  }
}

}  // namespace
}  // namespace shadekv::hunt
