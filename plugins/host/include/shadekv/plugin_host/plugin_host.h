// The plugin host: loads plugins (plugins/include/shadekv/plugin.h) with
// dlopen, gives each its own bounded queue and thread, and feeds them change
// events and request records without ever making the caller wait for them.
//
// Contract:
//  - Load either returns a host with every plugin initialised, or an error
//    that names the file and what to do (and leaves nothing loaded).
//  - PublishEvent/PublishRequest/PublishSnapshot never block on a plugin by
//    default: each plugin's queue is bounded, and when it is full the
//    message is dropped for that plugin and counted. A plugin that is slow,
//    blocks, throws or returns errors affects only its own counters. Each
//    plugin sees its messages in the order they were published. With
//    HostOptions::block_when_full (shadekv-sub) they wait for room instead.
//  - Positions (ABI 2): a plugin that implements applied_revision reports
//    where it stands right after init; every plugin is then handed only
//    events and snapshots above its position, which advances with each one
//    handed over. Lower or repeated revisions are skipped silently
//    (counted). Snapshots go to plugins with on_snapshot; the others are
//    told nothing (logged once, counted) and keep getting events.
//  - Shutdown (also run by the destructor) lets each plugin drain its queue
//    for at most HostOptions::drain_timeout, drops the rest (counted), calls
//    the plugin's shutdown once on its own thread, and dlcloses it. A plugin
//    still stuck in a callback after drain_timeout + stuck_grace is
//    abandoned: its thread is detached and its library is never unloaded
//    (unloading code that is running would crash the process).
//
// Threads: Publish*, Stats and AppendMetrics may be called from any thread
// concurrently; Shutdown from one thread, after the last Publish*.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/plugin_host/host_services.h"

namespace shadekv::plugin_host {

// `--plugin-config NAME.KEY=VALUE`, already split.
struct PluginSetting {
  std::string plugin;
  std::string key;
  std::string value;
};

struct HostOptions {
  size_t queue_capacity = 10000;  // messages per plugin before dropping
  std::chrono::milliseconds drain_timeout{2000};
  std::chrono::milliseconds stuck_grace{500};
  // At most one warning per plugin per interval for drops and for errors; the
  // number suppressed in between is reported with the next one.
  std::chrono::milliseconds log_interval{5000};
  // Publish* wait for room in a full queue instead of dropping, until room,
  // Shutdown, or `*stop_waiting` turns true (then the message is dropped for
  // that plugin and counted). For a process that can afford to wait (the
  // bus subscriber), never for the agent, whose Raft must not stall.
  bool block_when_full = false;
  // Read, never written; may be set from a signal handler. Must outlive the host.
  const std::atomic<bool>* stop_waiting = nullptr;
  // The position of plugins that do not implement applied_revision: what
  // the embedding process knows they have (shadekv-sub: its state file).
  int64_t initial_position = 0;
};

// Counters of one plugin, for /metrics and tests.
struct PluginStats {
  std::string name;
  std::string path;
  uint64_t events_delivered = 0;    // on_event calls that returned OK
  uint64_t requests_delivered = 0;  // on_request calls that returned OK
  uint64_t dropped = 0;             // messages dropped: queue full or at shutdown
  uint64_t errors = 0;              // callbacks that returned non-zero or threw
  uint64_t queue_depth = 0;         // messages waiting now
  uint64_t queue_capacity = 0;
  uint64_t skipped = 0;                // events/snapshots at or below the plugin's position
  uint64_t snapshots_delivered = 0;    // on_snapshot calls that returned OK
  uint64_t snapshots_unsupported = 0;  // snapshots a plugin without on_snapshot did not get
  // ABI 2 positions. reports_position: the plugin implements applied_revision,
  // and start_revision is what it reported after init (0 otherwise).
  bool reports_position = false;
  int64_t start_revision = 0;
  // The last revision this plugin is done with: its on_event or on_snapshot
  // returned (OK or not), it was skipped as already applied, or a snapshot
  // it cannot take passed by. Starts at start_revision.
  int64_t processed_revision = 0;
};

class PluginWorker;

class PluginHost {
 public:
  // Loads `paths` in order, hands each plugin its `settings` (by descriptor
  // name) and `services` (may be null: the plugins then get NULL history
  // functions; must outlive the host), and starts one thread per plugin.
  // Errors (kInvalidArgument, or kFailedPrecondition for a failed init) say
  // which file and what to do: missing file, not a shared object, missing
  // entry symbol, ABI mismatch (both versions), bad descriptor, duplicate
  // name, setting for an unknown plugin, init failure with the plugin's
  // own message.
  static Result<std::unique_ptr<PluginHost>> Load(const std::vector<std::string>& paths,
                                                  const std::vector<PluginSetting>& settings,
                                                  HostServices* services,
                                                  const HostOptions& options = {});

  ~PluginHost();
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // One committed change event at `revision` (>= 1; MessagePack bytes, as on
  // the bus), to every plugin whose position is below `revision`. Copies the
  // bytes once; never waits for a plugin unless block_when_full.
  void PublishEvent(int64_t revision, std::string_view bytes);
  // A store snapshot (the store's ExportSnapshot format, whole) taken at
  // `revision`, in order with the events, to every plugin whose position is
  // below it; plugins without on_snapshot skip it (counted, logged once).
  void PublishSnapshot(int64_t revision, std::string_view bytes);
  // One request record, to every plugin that implements on_request.
  void PublishRequest(std::string_view bytes);

  std::vector<PluginStats> Stats() const;
  // The lowest processed_revision over all plugins (0 with none): every
  // plugin is done with everything up to it.
  int64_t ProcessedRevision() const;
  // Appends the counters in Prometheus text format (shadekv_plugin_*{plugin=".."}).
  void AppendMetrics(std::string* out) const;

  // See the contract above. Idempotent.
  void Shutdown();

  size_t plugin_count() const { return workers_.size(); }

 private:
  PluginHost(std::vector<std::unique_ptr<PluginWorker>> workers, HostOptions options);

  std::vector<std::unique_ptr<PluginWorker>> workers_;
  const HostOptions options_;
  bool shut_down_ = false;
  // Workers whose thread is stuck in plugin code past the deadline: never
  // destroyed, because that thread still runs inside them.
  std::vector<PluginWorker*> abandoned_;
};

}  // namespace shadekv::plugin_host
