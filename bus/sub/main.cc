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
#include <thread>

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

// Prints or forwards each event, then records it in the state file. The
// line is flushed before the state is saved: a kill between the two repeats
// that one event after a restart (at-least-once), it never skips one.
class SubConsumer : public SubscriberConsumer {
 public:
  SubConsumer(const SubOptions& options, plugin_host::PluginHost* plugins)
      : options_(options), plugins_(plugins) {}

  Status InstallSnapshot(int64_t revision, std::string_view data) override {
    if (plugins_ == nullptr) {
      std::cout << SnapshotJsonLine(revision, data.size()) << std::endl;
    } else {
      std::cerr << "shadekv-sub: skipped a snapshot at revision " << revision
                << " (plugins receive events only)" << std::endl;
    }
    return Save(revision);
  }

  Status ApplyEvent(int64_t revision, std::string_view body) override {
    if (plugins_ != nullptr) {
      WaitForRoom();
      plugins_->PublishEvent(body);
    } else {
      Result<ChangeEvent> event = DecodeEvent(body);
      // The driver decoded it already; failing now would be a codec bug.
      if (!event.ok()) return event.status();
      std::string line = EventJsonLine(*event, options_.prefix);
      if (!line.empty()) std::cout << line << std::endl;
    }
    return Save(revision);
  }

 private:
  Status Save(int64_t revision) {
    if (options_.state_file.empty()) return Status::Ok();
    return SaveAppliedRevision(options_.state_file, revision);
  }

  // The plugin host drops events when a plugin's queue is full; here we
  // can afford to wait instead (the bus catches up later if we fall behind).
  void WaitForRoom() {
    for (int i = 0; i < 10000 && !g_stop; ++i) {
      bool full = false;
      for (const plugin_host::PluginStats& s : plugins_->Stats()) {
        full = full || s.queue_depth + 1 >= s.queue_capacity;
      }
      if (!full) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  const SubOptions& options_;
  plugin_host::PluginHost* plugins_;
};

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
  int64_t applied = options->from_revision.value_or(1) - 1;
  if (!options->state_file.empty()) {
    Result<int64_t> saved = LoadAppliedRevision(options->state_file);
    if (!saved.ok()) {
      std::cerr << "shadekv-sub: " << saved.status().message() << "\n";
      return 1;
    }
    if (*saved > 0) applied = *saved;
  }

  NoStoreServices services;
  std::unique_ptr<plugin_host::PluginHost> plugins;
  if (!options->plugins.empty()) {
    auto loaded =
        plugin_host::PluginHost::Load(options->plugins, options->plugin_settings, &services);
    if (!loaded.ok()) {
      std::cerr << "shadekv-sub: " << loaded.status().message() << "\n";
      return 1;
    }
    plugins = std::move(*loaded);
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  SubConsumer consumer(*options, plugins.get());
  SubscriberOptions sub_options;
  sub_options.publishers = options->bus;
  sub_options.applied_revision = applied;
  auto subscriber = Subscriber::Create(sub_options, &consumer);
  if (!subscriber.ok()) {
    std::cerr << "shadekv-sub: " << subscriber.status().message() << "\n";
    return 2;
  }
  Status result = (*subscriber)->Run(g_stop);
  if (plugins) plugins->Shutdown();
  if (!result.ok()) {
    std::cerr << "shadekv-sub: " << result.message() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace shadekv::bus

int main(int argc, char** argv) { return shadekv::bus::Main(argc, argv); }
