// shadekv-sub: follows the change-event bus (bus/PROTOCOL.md) and prints
// each event as a JSON line, or hosts plugins that get the events exactly as
// they would inside an agent. Exits 0 on SIGINT/SIGTERM, 1 on a runtime
// error, 2 on bad arguments.
#include <Poco/ConsoleChannel.h>
#include <Poco/Logger.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "bus/sub/event_json.h"
#include "bus/sub/state_file.h"
#include "bus/sub/sub_options.h"
#include "bus/subscriber/subscriber.h"
#include "shadekv/bus/codec.h"
#include "shadekv/plugin_host/plugin_host.h"

namespace shadekv::bus {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void OnSignal(int) { g_stop = true; }

// A subscriber has no store: plugins asking for history or snapshots are
// told so (plugin.h: UNAVAILABLE).
class NoStoreServices : public plugin_host::HostServices {
 public:
  Result<int64_t> ReadHistory(int64_t, uint32_t, const EventSink&) override {
    return Status::Unavailable("shadekv-sub has no store history");
  }
  Result<int64_t> ExportSnapshot(const ChunkSink&) override {
    return Status::Unavailable("shadekv-sub has no store snapshot");
  }
  Result<Revisions> CurrentRevisions() override {
    return Status::Unavailable("shadekv-sub has no store");
  }
};

// Prints each event, or hands events and snapshots to the plugins, and keeps
// the state file.
//
// Printing: the line is flushed before the state is saved, so a kill
// between the two repeats that one line after a restart (at-least-once),
// never skips one.
//
// Plugins: the host runs in blocking mode (waiting is right here: the bus
// catches up), and the state file holds the revision every plugin has
// PROCESSED (its callback returned), not merely queued. Plugins that report
// their own position (applied_revision) are skipped past what they have, so
// they see each revision exactly once; the others may see again what they
// processed after the last save (at-least-once).
class SubConsumer : public SubscriberConsumer {
 public:
  SubConsumer(const SubOptions& options, plugin_host::PluginHost* plugins, int64_t saved)
      : options_(options), plugins_(plugins), saved_(saved) {}

  Status InstallSnapshot(int64_t revision, std::string_view data) override {
    if (plugins_ != nullptr) {
      plugins_->PublishSnapshot(revision, data);
      return SaveProgress();
    }
    std::cout << SnapshotJsonLine(revision, data.size()) << std::endl;
    return Save(revision);
  }

  Status ApplyEvent(int64_t revision, std::string_view body) override {
    if (plugins_ != nullptr) {
      plugins_->PublishEvent(revision, body);
      return SaveProgress();
    }
    Result<ChangeEvent> event = DecodeEvent(body);
    // The driver decoded it already; failing now would be a codec bug.
    if (!event.ok()) return event.status();
    std::string line = EventJsonLine(*event, options_.prefix);
    if (!line.empty()) std::cout << line << std::endl;
    return Save(revision);
  }

  // With plugins: saves what every plugin has processed, when it moved.
  // Called after each hand-over, while idle, and after the host's shutdown.
  Status SaveProgress() {
    if (plugins_ == nullptr) return Status::Ok();
    int64_t processed = plugins_->ProcessedRevision();
    if (processed <= saved_) return Status::Ok();
    return Save(processed);
  }

 private:
  Status Save(int64_t revision) {
    if (options_.state_file.empty()) return Status::Ok();
    SHADEKV_RETURN_IF_ERROR(SaveAppliedRevision(options_.state_file, revision));
    saved_ = revision;
    return Status::Ok();
  }

  const SubOptions& options_;
  plugin_host::PluginHost* plugins_;
  int64_t saved_;  // what the state file holds
};

// One line on stderr at exit: how this run went (operators compare it with
// the primary; the bus end-to-end test reads it).
void ReportStats(const SubscriberStats& stats) {
  const SequencerCounters& c = stats.sequencer;
  std::cerr << "shadekv-sub: stopped at revision " << stats.applied_revision << " (latest seen "
            << stats.latest_revision_seen << "): delivered " << c.delivered
            << ", duplicates dropped " << c.duplicates << ", buffer overflows "
            << c.buffer_overflows << ", catch-ups " << c.catchups_started << " started "
            << c.catchups_completed << " completed " << c.catchups_failed << " failed, snapshots "
            << c.snapshots_installed << ", failovers " << c.failovers << ", malformed "
            << stats.malformed << std::endl;
}

int Main(int argc, char** argv) {
  Poco::Logger::root().setChannel(new Poco::ConsoleChannel(std::cerr));
  Result<SubOptions> options = ParseSubOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!options.ok()) {
    std::cerr << "shadekv-sub: " << options.status().message() << "\n" << kSubUsage;
    return 2;
  }
  if (options->help) {
    std::cout << kSubUsage;
    return 0;
  }
  // Keys first: a bad key file stops us before anything is loaded or read.
  std::optional<SubscriberCurve> curve;
  if (!options->curve_key.empty()) {
    Result<SubscriberCurve> loaded =
        LoadSubscriberCurve(options->curve_key, options->curve_server_keys);
    if (!loaded.ok()) {
      std::cerr << "shadekv-sub: " << loaded.status().message() << "\n";
      return 2;
    }
    curve = std::move(loaded).value();
  }
  int64_t applied = options->from_revision.value_or(1) - 1;
  if (!options->state_file.empty()) {
    Result<int64_t> saved = LoadAppliedRevision(options->state_file);
    if (!saved.ok()) {
      std::cerr << "shadekv-sub: " << saved.status().message() << "\n";
      return 1;
    }
    if (*saved > 0) applied = *saved;
  }

  const int64_t saved = applied;

  // Handlers before the plugins load, so a signal while a publish waits for
  // room is seen (stop_waiting) and not fatal.
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  NoStoreServices services;
  std::unique_ptr<plugin_host::PluginHost> plugins;
  if (!options->plugins.empty()) {
    plugin_host::HostOptions host_options;
    host_options.block_when_full = true;
    host_options.stop_waiting = &g_stop;
    host_options.initial_position = applied;
    auto loaded = plugin_host::PluginHost::Load(options->plugins, options->plugin_settings,
                                                &services, host_options);
    if (!loaded.ok()) {
      std::cerr << "shadekv-sub: " << loaded.status().message() << "\n";
      return 1;
    }
    plugins = std::move(*loaded);
    // The stream starts after the lowest position: plugins that report one
    // (applied_revision) stand where they say, the others where the state
    // file or --from-rev says. The host skips, per plugin, what it has.
    applied = plugins->ProcessedRevision();
  }

  SubConsumer consumer(*options, plugins.get(), saved);
  SubscriberOptions sub_options;
  sub_options.publishers = options->bus;
  sub_options.applied_revision = applied;
  sub_options.curve = curve;
  auto subscriber = Subscriber::Create(sub_options, &consumer);
  if (!subscriber.ok()) {
    std::cerr << "shadekv-sub: " << subscriber.status().message() << "\n";
    return 2;
  }
  // Run, by hand: between polls the state file catches up with what the
  // plugins have processed meanwhile, so an idle kill loses nothing.
  Status result;
  while (result.ok() && !g_stop.load()) {
    result = (*subscriber)->PollOnce(std::chrono::milliseconds(50));
    if (result.ok()) result = consumer.SaveProgress();
  }
  if (plugins) {
    plugins->Shutdown();
    Status saved_last = consumer.SaveProgress();
    if (result.ok()) result = saved_last;
  }
  ReportStats((*subscriber)->Stats());
  if (!result.ok()) {
    std::cerr << "shadekv-sub: " << result.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace shadekv::bus

int main(int argc, char** argv) { return shadekv::bus::Main(argc, argv); }
