// The plugin host with real plugins loaded by dlopen: every load error's
// message, config and events reaching a plugin in order, and isolation from
// plugins that block, throw or fail.
#include "shadekv/plugin_host/plugin_host.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <thread>

#include "shadekv/bus/codec.h"
#include "shadekv/plugin.h"
#include "tests/store/temp_dir.h"

namespace shadekv::plugin_host {
namespace {

using Clock = std::chrono::steady_clock;
using shadekv::store::testing::TempDir;
using namespace std::chrono_literals;

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Hex(std::string_view bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

// Polls `done` every 5 ms until it holds or `limit` passes.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds limit) {
  auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

// An event payload that varies in length and includes NUL bytes, so the
// test notices truncation or reordering.
std::string Event(int i) {
  std::string bytes = "\x82\xa3rev" + std::to_string(i);
  bytes.push_back('\0');
  bytes += std::string(static_cast<size_t>(i % 7), static_cast<char>(i));
  return bytes;
}

class PluginHostTest : public ::testing::Test {
 protected:
  // The message of the error Load returns; fails the test when Load succeeds.
  std::string LoadError(const std::vector<std::string>& paths,
                        const std::vector<PluginSetting>& settings = {}) {
    Result<std::unique_ptr<PluginHost>> host = PluginHost::Load(paths, settings, nullptr);
    EXPECT_FALSE(host.ok());
    return host.ok() ? "" : host.status().message();
  }

  std::string Recorded() { return dir_.Sub("recorded.txt"); }

  TempDir dir_{"shadekv-plugins-"};
};

TEST_F(PluginHostTest, GoodPluginGetsItsConfigThenEveryEventInOrderThenOneShutdown) {
  Result<std::unique_ptr<PluginHost>> host = PluginHost::Load(
      {RECORDING_PLUGIN_PATH}, {{"recording", "path", Recorded()}, {"recording", "mode", "a=b c"}},
      nullptr);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ((*host)->plugin_count(), 1u);
  constexpr int kEvents = 500;
  for (int i = 1; i <= kEvents; ++i) (*host)->PublishEvent(i, Event(i));
  (*host)->PublishRequest("request-view");
  (*host)->Shutdown();

  std::vector<std::string> lines = ReadLines(Recorded());
  ASSERT_EQ(lines.size(), 1u + kEvents + 1u + 1u);
  EXPECT_EQ(lines[0], "init path=" + Recorded() + " mode=a=b c");
  for (int i = 1; i <= kEvents; ++i) {
    ASSERT_EQ(lines[static_cast<size_t>(i)], "event " + Hex(Event(i))) << "event " << i;
  }
  EXPECT_EQ(lines[kEvents + 1], "request " + Hex("request-view"));
  EXPECT_EQ(lines.back(), "shutdown");

  std::vector<PluginStats> stats = (*host)->Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].name, "recording");
  EXPECT_EQ(stats[0].path, RECORDING_PLUGIN_PATH);
  EXPECT_EQ(stats[0].events_delivered, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(stats[0].requests_delivered, 1u);
  EXPECT_EQ(stats[0].dropped, 0u);
  EXPECT_EQ(stats[0].errors, 0u);
  (*host)->Shutdown();  // idempotent: shutdown ran once
  host->reset();
  EXPECT_EQ(ReadLines(Recorded()).size(), 1u + kEvents + 1u + 1u);
}

TEST_F(PluginHostTest, MissingFileSaysSoAndWhereToLook) {
  std::string path = dir_.Sub("nope.so");
  EXPECT_EQ(LoadError({path}), "--plugin '" + path +
                                   "': no such file; give the path of a built plugin (they are "
                                   "built into build/plugins/)");
}

TEST_F(PluginHostTest, FileThatIsNotASharedObjectIsRefused) {
  std::string path = dir_.Sub("text.so");
  std::ofstream(path) << "not an ELF file\n";
  std::string message = LoadError({path});
  EXPECT_EQ(message.rfind("--plugin '" + path + "': cannot be loaded as a shared object (", 0), 0u)
      << message;
  EXPECT_NE(message.find("); give a plugin built as a MODULE library"), std::string::npos)
      << message;
  EXPECT_EQ(LoadError({dir_.path()}),
            "--plugin '" + dir_.path() + "': not a regular file; give a plugin's .so file");
  EXPECT_EQ(LoadError({""}), "--plugin is empty: give a plugin's .so path");
}

TEST_F(PluginHostTest, MissingEntrySymbolIsNamed) {
  EXPECT_EQ(LoadError({NO_ENTRY_PLUGIN_PATH}),
            std::string("--plugin '") + NO_ENTRY_PLUGIN_PATH +
                "': has no entry symbol 'shadekv_plugin_entry'; is it a shadekv plugin? Export "
                "it with SHADEKV_PLUGIN_EXPORT (see plugins/include/shadekv/plugin.h)");
}

TEST_F(PluginHostTest, AbiMismatchGivesBothVersions) {
  EXPECT_EQ(LoadError({WRONG_ABI_PLUGIN_PATH}),
            std::string("--plugin '") + WRONG_ABI_PLUGIN_PATH +
                "': built for plugin ABI version 42, this shadekv speaks version 2; rebuild the "
                "plugin against this shadekv's plugins/include/shadekv/plugin.h");
}

// A working plugin built against ABI 1 (no struct_size, a shorter
// descriptor) is refused by its version before any other field is read.
TEST_F(PluginHostTest, DescriptorTooShortForItsVersionIsRefused) {
  std::string message = LoadError({SHORT_DESCRIPTOR_PLUGIN_PATH});
  EXPECT_NE(message.find("struct_size is 8, at least"), std::string::npos) << message;
  EXPECT_NE(message.find("sizeof(shadekv_plugin_descriptor)"), std::string::npos) << message;
}

TEST_F(PluginHostTest, VersionOnePluginIsRefusedWithBothVersions) {
  EXPECT_EQ(LoadError({V1_PLUGIN_PATH}),
            std::string("--plugin '") + V1_PLUGIN_PATH +
                "': built for plugin ABI version 1, this shadekv speaks version 2; rebuild the "
                "plugin against this shadekv's plugins/include/shadekv/plugin.h");
}

TEST_F(PluginHostTest, InvalidDescriptorNameIsRefused) {
  EXPECT_EQ(LoadError({BAD_NAME_PLUGIN_PATH}),
            std::string("--plugin '") + BAD_NAME_PLUGIN_PATH +
                "': the descriptor's name 'Bad Name' is not valid; plugin names are 1 to 64 of "
                "[a-z0-9_-]; fix the plugin");
}

TEST_F(PluginHostTest, FailedInitReportsThePluginsOwnMessage) {
  EXPECT_EQ(LoadError({FAILING_INIT_PLUGIN_PATH}),
            std::string("plugin 'failing' (--plugin '") + FAILING_INIT_PLUGIN_PATH +
                "') failed to start: cannot open /nonexistent/audit.log: no such directory");
  EXPECT_EQ(LoadError({RECORDING_PLUGIN_PATH}),
            std::string("plugin 'recording' (--plugin '") + RECORDING_PLUGIN_PATH +
                "') failed to start: recording: config key 'path' is required");
}

TEST_F(PluginHostTest, FailedInitStopsThePluginsAlreadyStarted) {
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({RECORDING_PLUGIN_PATH, FAILING_INIT_PLUGIN_PATH},
                       {{"recording", "path", Recorded()}}, nullptr);
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().code(), StatusCode::kFailedPrecondition);
  std::vector<std::string> lines = ReadLines(Recorded());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], "shutdown");
}

TEST_F(PluginHostTest, DuplicateNameAndConfigForUnknownPluginAreRefusedBeforeAnyInit) {
  EXPECT_EQ(LoadError({RECORDING_PLUGIN_PATH, RECORDING_PLUGIN_PATH},
                      {{"recording", "path", Recorded()}}),
            std::string("--plugin '") + RECORDING_PLUGIN_PATH + "' and --plugin '" +
                RECORDING_PLUGIN_PATH + "' are both named 'recording': load each plugin once");
  EXPECT_EQ(LoadError({RECORDING_PLUGIN_PATH},
                      {{"recording", "path", Recorded()}, {"publisher", "listen", "tcp://x:1"}}),
            "--plugin-config 'publisher.listen=tcp://x:1': no loaded plugin is named "
            "'publisher' (loaded: recording); check the name or add its --plugin");
  EXPECT_EQ(LoadError({}, {{"audit", "dir", "/tmp"}}),
            "--plugin-config 'audit.dir=/tmp': no loaded plugin is named 'audit' (loaded: "
            "none); check the name or add its --plugin");
  // Nothing was initialised: init would have created the file.
  EXPECT_TRUE(ReadLines(Recorded()).empty());
}

TEST_F(PluginHostTest, NoPluginsIsAValidHostThatIgnoresMessages) {
  Result<std::unique_ptr<PluginHost>> host = PluginHost::Load({}, {}, nullptr);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  (*host)->PublishEvent(1, "x");
  EXPECT_TRUE((*host)->Stats().empty());
  std::string metrics;
  (*host)->AppendMetrics(&metrics);
  EXPECT_EQ(metrics, "");
}

TEST_F(PluginHostTest, BlockingPluginNeitherSlowsTheProducerNorOtherPlugins) {
  HostOptions options;
  options.queue_capacity = 50000;
  options.drain_timeout = std::chrono::milliseconds(100);
  options.stuck_grace = std::chrono::milliseconds(2000);
  std::string blocking_log = dir_.Sub("blocking.txt");
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({BLOCKING_PLUGIN_PATH, RECORDING_PLUGIN_PATH},
                       {{"blocking", "sleep_ms", "50"},
                        {"blocking", "path", blocking_log},
                        {"recording", "path", Recorded()}},
                       nullptr, options);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  constexpr int kEvents = 20000;
  auto start = Clock::now();
  for (int i = 1; i <= kEvents; ++i) (*host)->PublishEvent(i, Event(i));
  // 20,000 events at 50 ms each would take 1,000 s if the producer waited.
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(5));

  ASSERT_TRUE(WaitFor([&] { return (*host)->Stats()[1].events_delivered == kEvents; },
                      std::chrono::seconds(60)));
  auto stop_start = Clock::now();
  (*host)->Shutdown();
  // Bounded: the drain time, plus the one 50 ms event in progress, plus slack.
  EXPECT_LT(Clock::now() - stop_start, std::chrono::seconds(2));

  std::vector<PluginStats> stats = (*host)->Stats();
  EXPECT_EQ(stats[0].name, "blocking");
  EXPECT_LT(stats[0].events_delivered, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(stats[0].events_delivered + stats[0].dropped, static_cast<uint64_t>(kEvents));
  EXPECT_EQ(stats[0].queue_depth, 0u);
  EXPECT_EQ(
      ReadLines(blocking_log),
      std::vector<std::string>{"shutdown events=" + std::to_string(stats[0].events_delivered)});
  std::vector<std::string> recorded = ReadLines(Recorded());
  ASSERT_EQ(recorded.size(), kEvents + 2u);
  for (int i = 1; i <= kEvents; ++i) {
    ASSERT_EQ(recorded[static_cast<size_t>(i)], "event " + Hex(Event(i)));
  }
}

TEST_F(PluginHostTest, FullQueueDropsAndCountsForThatPluginOnly) {
  HostOptions options;
  options.queue_capacity = 8;
  options.drain_timeout = std::chrono::milliseconds(0);
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({BLOCKING_PLUGIN_PATH}, {{"blocking", "sleep_ms", "200"}}, nullptr, options);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  constexpr int kEvents = 1000;
  for (int i = 1; i <= kEvents; ++i) (*host)->PublishEvent(i, Event(i));
  PluginStats during = (*host)->Stats()[0];
  EXPECT_LE(during.queue_depth, 8u);
  EXPECT_EQ(during.queue_capacity, 8u);
  // At most the queue plus the one event in the plugin's hands got through.
  EXPECT_GE(during.dropped, static_cast<uint64_t>(kEvents - 9));
  std::string metrics;
  (*host)->AppendMetrics(&metrics);
  EXPECT_NE(metrics.find("# TYPE shadekv_plugin_dropped_total counter\n"
                         "shadekv_plugin_dropped_total{plugin=\"blocking\"} " +
                         std::to_string(during.dropped) + "\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("shadekv_plugin_queue_capacity{plugin=\"blocking\"} 8\n"),
            std::string::npos);
  (*host)->Shutdown();
  PluginStats after = (*host)->Stats()[0];
  EXPECT_EQ(after.events_delivered + after.dropped, static_cast<uint64_t>(kEvents));
}

TEST_F(PluginHostTest, StuckPluginIsAbandonedAtShutdownWithoutDeadlock) {
  HostOptions options;
  options.drain_timeout = std::chrono::milliseconds(50);
  options.stuck_grace = std::chrono::milliseconds(100);
  std::string log = dir_.Sub("stuck.txt");
  Result<std::unique_ptr<PluginHost>> host = PluginHost::Load(
      {BLOCKING_PLUGIN_PATH}, {{"blocking", "sleep_ms", "1500"}, {"blocking", "path", log}},
      nullptr, options);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  (*host)->PublishEvent(1, "e1");
  (*host)->PublishEvent(2, "e2");
  ASSERT_TRUE(WaitFor([&] { return (*host)->Stats()[0].queue_depth == 1; },
                      std::chrono::seconds(5)));  // e1 is inside the plugin now
  auto start = Clock::now();
  host->reset();
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1000));
  // The abandoned thread finishes its call later, drops the rest and still
  // shuts the plugin down exactly once; its library stayed loaded for it.
  EXPECT_TRUE(WaitFor([&] { return !ReadLines(log).empty(); }, std::chrono::seconds(10)));
  EXPECT_EQ(ReadLines(log), std::vector<std::string>{"shutdown events=1"});
}

TEST_F(PluginHostTest, ThrowingPluginIsContainedAndCounted) {
  std::string log = dir_.Sub("throwing.txt");
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({THROWING_PLUGIN_PATH}, {{"throwing", "path", log}}, nullptr);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  for (int i = 1; i <= 10; ++i) (*host)->PublishEvent(i, Event(i));
  for (int i = 0; i < 3; ++i) (*host)->PublishRequest("req");
  (*host)->Shutdown();
  PluginStats s = (*host)->Stats()[0];
  EXPECT_EQ(s.events_delivered, 5u);  // the even-numbered ones
  EXPECT_EQ(s.requests_delivered, 0u);
  EXPECT_EQ(s.errors, 5u + 3u);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(ReadLines(log), std::vector<std::string>{"shutdown events=10"});
}

TEST_F(PluginHostTest, ErroringPluginIsCountedAndKeepsGettingEvents) {
  std::string log = dir_.Sub("erroring.txt");
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({ERRORING_PLUGIN_PATH}, {{"erroring", "path", log}}, nullptr);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  for (int i = 1; i <= 25; ++i) (*host)->PublishEvent(i, Event(i));
  (*host)->Shutdown();
  PluginStats s = (*host)->Stats()[0];
  EXPECT_EQ(s.events_delivered, 0u);
  EXPECT_EQ(s.errors, 25u);
  EXPECT_EQ(ReadLines(log), std::vector<std::string>{"shutdown events=25"});
}

// History served from memory: the store-backed implementation comes with the
// agent wiring; this one exercises the C table's translation both ways.
class MemoryHistory : public HostServices {
 public:
  std::map<int64_t, std::string> events = {{3, "e3"}, {4, "e4"}, {5, "e5"}};
  int64_t compact = 3;

  Result<int64_t> ReadHistory(int64_t from, uint32_t max_events, const EventSink& sink) override {
    if (from < compact) {
      return Status::OutOfRange("revision " + std::to_string(from) + " has been compacted");
    }
    int64_t next = from;
    for (auto it = events.lower_bound(from); it != events.end() && max_events > 0;
         ++it, --max_events) {
      if (!sink(it->first, it->second)) return Status::Cancelled("stopped");
      next = it->first + 1;
    }
    return next;
  }
  Result<int64_t> ExportSnapshot(const ChunkSink& sink) override {
    if (!sink(5, "chunk-a") || !sink(5, "chunk-b")) return Status::Cancelled("stopped");
    return int64_t{5};
  }
  Result<Revisions> CurrentRevisions() override { return Revisions{5, compact}; }
};

TEST_F(PluginHostTest, HostServicesReachThePluginThroughTheCTable) {
  MemoryHistory history;
  Result<std::unique_ptr<PluginHost>> host = PluginHost::Load(
      {RECORDING_PLUGIN_PATH},
      {{"recording", "path", Recorded()}, {"recording", "probe_host", "1"}}, &history);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  host->reset();
  std::vector<std::string> lines = ReadLines(Recorded());
  std::vector<std::string> expected = {
      "init path=" + Recorded() + " probe_host=1",
      "host struct_size=" + std::to_string(sizeof(shadekv_plugin_host)) + " abi=2",
      "revisions rc=0 current=5 compact=3",
      "history 3 bytes " + Hex("e3"),
      "history 4 bytes " + Hex("e4"),
      "read_history rc=0 next=5 error=",
      "read_history_compacted rc=2 error=revision 1 has been compacted",
      "snapshot 5 chunk " + Hex("chunk-a"),
      "snapshot 5 chunk " + Hex("chunk-b"),
      "export_snapshot rc=0 revision=5",
      "shutdown",
  };
  EXPECT_EQ(lines, expected);
}

TEST_F(PluginHostTest, WithoutHostServicesThePluginSeesNullHistoryFunctions) {
  Result<std::unique_ptr<PluginHost>> host = PluginHost::Load(
      {RECORDING_PLUGIN_PATH},
      {{"recording", "path", Recorded()}, {"recording", "probe_host", "1"}}, nullptr);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  host->reset();
  std::vector<std::string> lines = ReadLines(Recorded());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[2], "host has no history");
}

// A real EVENT body at `revision` (the ledger plugin decodes it).
std::string BusEvent(int64_t revision) {
  bus::ChangeEvent e;
  e.revision = revision;
  store::KeyChange put;
  put.kv = {"/k", "v" + std::to_string(revision), 2, revision, revision - 1, 0};
  e.changes = {put};
  return bus::EncodeEvent(e);
}

std::vector<std::string> LedgerAfter(const std::string& path, size_t skip_lines = 0) {
  std::vector<std::string> lines = ReadLines(path);
  lines.erase(lines.begin(), lines.begin() + std::min(skip_lines, lines.size()));
  return lines;
}

TEST_F(PluginHostTest, PluginWithAPositionGetsOnlyLaterEventsAndDuplicatesAreSkipped) {
  std::string ledger = dir_.Sub("ledger.txt");
  std::ofstream(ledger) << "E 4\nE 5\n";  // what it applied in an earlier life
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({LEDGER_PLUGIN_PATH, RECORDING_PLUGIN_PATH},
                       {{"ledger", "path", ledger}, {"recording", "path", Recorded()}}, nullptr);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  std::vector<PluginStats> before = (*host)->Stats();
  EXPECT_TRUE(before[0].reports_position);
  EXPECT_EQ(before[0].start_revision, 5);
  EXPECT_EQ(before[0].processed_revision, 5);
  EXPECT_FALSE(before[1].reports_position);
  EXPECT_EQ(before[1].processed_revision, 0);
  EXPECT_EQ((*host)->ProcessedRevision(), 0);
  for (int64_t r = 1; r <= 10; ++r) (*host)->PublishEvent(r, BusEvent(r));
  (*host)->PublishEvent(7, BusEvent(7));  // a repeat: nobody gets it twice
  ASSERT_TRUE(WaitFor([&] { return (*host)->ProcessedRevision() == 10; }, 5s));
  std::vector<PluginStats> after = (*host)->Stats();
  (*host)->Shutdown();
  EXPECT_EQ(LedgerAfter(ledger, 2), (std::vector<std::string>{"E 6", "E 7", "E 8", "E 9", "E 10"}));
  EXPECT_EQ(after[0].skipped, 6u);  // 1..5 and the repeated 7
  EXPECT_EQ(after[0].events_delivered, 5u);
  EXPECT_EQ(after[0].processed_revision, 10);
  EXPECT_EQ(after[1].events_delivered, 10u);  // no position: all ten, once
  EXPECT_EQ(after[1].skipped, 1u);
}

TEST_F(PluginHostTest, FailingAppliedRevisionRefusesStartUpNamingThePlugin) {
  std::string message = LoadError({LEDGER_PLUGIN_PATH}, {{"ledger", "path", dir_.Sub("l.txt")},
                                                         {"ledger", "fail_position", "1"}});
  EXPECT_NE(message.find("plugin 'ledger'"), std::string::npos) << message;
  EXPECT_NE(message.find("applied_revision returned 1"), std::string::npos) << message;
}

TEST_F(PluginHostTest, InitialPositionAppliesToPluginsThatReportNone) {
  HostOptions options;
  options.initial_position = 3;
  Result<std::unique_ptr<PluginHost>> host = PluginHost::Load(
      {RECORDING_PLUGIN_PATH}, {{"recording", "path", Recorded()}}, nullptr, options);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  EXPECT_EQ((*host)->ProcessedRevision(), 3);
  for (int i = 1; i <= 5; ++i) (*host)->PublishEvent(i, Event(i));
  (*host)->Shutdown();
  std::vector<std::string> lines = ReadLines(Recorded());
  ASSERT_EQ(lines.size(), 4u);  // init, events 4 and 5, shutdown
  EXPECT_EQ(lines[1], "event " + Hex(Event(4)));
  EXPECT_EQ(lines[2], "event " + Hex(Event(5)));
}

TEST_F(PluginHostTest, SnapshotComesInOrderWithEventsAndOnlyToPluginsThatTakeIt) {
  std::string ledger = dir_.Sub("ledger.txt");
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({LEDGER_PLUGIN_PATH, RECORDING_PLUGIN_PATH},
                       {{"ledger", "path", ledger}, {"recording", "path", Recorded()}}, nullptr);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  for (int64_t r = 1; r <= 3; ++r) (*host)->PublishEvent(r, BusEvent(r));
  (*host)->PublishSnapshot(10, std::string(1000, 's'));
  for (int64_t r = 4; r <= 12; ++r) (*host)->PublishEvent(r, BusEvent(r));
  (*host)->PublishSnapshot(11, "older than the position: skipped");
  ASSERT_TRUE(WaitFor([&] { return (*host)->ProcessedRevision() == 12; }, 5s));
  std::vector<PluginStats> stats = (*host)->Stats();
  (*host)->Shutdown();
  EXPECT_EQ(LedgerAfter(ledger),
            (std::vector<std::string>{"E 1", "E 2", "E 3", "S 10 1000", "E 11", "E 12"}));
  EXPECT_EQ(stats[0].snapshots_delivered, 1u);
  EXPECT_EQ(stats[0].skipped, 8u);  // events 4..10 and the snapshot at 11
  // The recording plugin has no on_snapshot: told nothing, counted, and it
  // keeps getting events, all twelve of them.
  EXPECT_EQ(stats[1].snapshots_unsupported, 1u);
  EXPECT_EQ(stats[1].events_delivered, 12u);
  std::string metrics;
  // AppendMetrics after Shutdown still reports the final counters.
  (*host)->AppendMetrics(&metrics);
  EXPECT_NE(metrics.find("shadekv_plugin_snapshots_unsupported_total{plugin=\"recording\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("shadekv_plugin_processed_revision{plugin=\"ledger\"} 12"),
            std::string::npos)
      << metrics;
}

TEST_F(PluginHostTest, AFailedEventStillCountsAsProcessed) {
  std::string ledger = dir_.Sub("ledger.txt");
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({LEDGER_PLUGIN_PATH},
                       {{"ledger", "path", ledger}, {"ledger", "fail_revision", "2"}}, nullptr);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  for (int64_t r = 1; r <= 3; ++r) (*host)->PublishEvent(r, BusEvent(r));
  ASSERT_TRUE(WaitFor([&] { return (*host)->ProcessedRevision() == 3; }, 5s));
  PluginStats s = (*host)->Stats()[0];
  (*host)->Shutdown();
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(s.events_delivered, 2u);
  EXPECT_EQ(LedgerAfter(ledger), (std::vector<std::string>{"E 1", "E 3"}));
}

TEST_F(PluginHostTest, BlockingModeWaitsForRoomInsteadOfDropping) {
  HostOptions options;
  options.queue_capacity = 2;
  options.block_when_full = true;
  Result<std::unique_ptr<PluginHost>> host =
      PluginHost::Load({BLOCKING_PLUGIN_PATH}, {{"blocking", "sleep_ms", "20"}}, nullptr, options);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  constexpr int kEvents = 20;
  for (int i = 1; i <= kEvents; ++i) (*host)->PublishEvent(i, Event(i));
  // Publishing returned only when the last one was queued: nothing dropped.
  PluginStats during = (*host)->Stats()[0];
  EXPECT_EQ(during.dropped, 0u);
  EXPECT_GE(during.events_delivered, static_cast<uint64_t>(kEvents) - 3);
  ASSERT_TRUE(WaitFor([&] { return (*host)->ProcessedRevision() == kEvents; }, 5s));
  (*host)->Shutdown();
  EXPECT_EQ((*host)->Stats()[0].events_delivered, static_cast<uint64_t>(kEvents));
  EXPECT_EQ((*host)->Stats()[0].dropped, 0u);
}

TEST_F(PluginHostTest, BlockedPublishGivesUpWhenTheStopFlagIsSet) {
  std::atomic<bool> stop{false};
  HostOptions options;
  options.queue_capacity = 1;
  options.block_when_full = true;
  options.stop_waiting = &stop;
  options.drain_timeout = 100ms;
  options.stuck_grace = 5000ms;
  Result<std::unique_ptr<PluginHost>> host = PluginHost::Load(
      {BLOCKING_PLUGIN_PATH}, {{"blocking", "sleep_ms", "1500"}}, nullptr, options);
  ASSERT_TRUE(host.ok()) << host.status().ToString();
  std::atomic<int> published{0};
  std::thread publisher([&] {
    for (int i = 1; i <= 5; ++i) {
      (*host)->PublishEvent(i, Event(i));
      published = i;
    }
  });
  // One event in the callback, one queued; the third waits for room.
  ASSERT_TRUE(WaitFor([&] { return published.load() >= 2; }, 5s));
  EXPECT_LT(published.load(), 5);
  stop = true;
  publisher.join();  // gave up instead of waiting the plugin out
  EXPECT_GE((*host)->Stats()[0].dropped, 1u);
  (*host)->Shutdown();
}

}  // namespace
}  // namespace shadekv::plugin_host
