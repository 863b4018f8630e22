// Loading order and the fan-out of messages to the plugins' workers. All
// checks that need no plugin code to run happen before any init, so a bad
// command line fails before any plugin starts doing things.
#include "shadekv/plugin_host/plugin_host.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>

#include "plugins/host/loaded_library.h"
#include "plugins/host/plugin_worker.h"

namespace shadekv::plugin_host {
namespace {

// Abandoned workers live here forever: their stuck thread still runs inside
// them. Kept reachable on purpose so leak checkers do not flag them.
void Bury(PluginWorker* worker) {
  static std::mutex mu;
  static auto* graveyard = new std::vector<PluginWorker*>();
  std::lock_guard<std::mutex> lock(mu);
  graveyard->push_back(worker);
}

}  // namespace

Result<std::unique_ptr<PluginHost>> PluginHost::Load(const std::vector<std::string>& paths,
                                                     const std::vector<PluginSetting>& settings,
                                                     HostServices* services,
                                                     const HostOptions& options) {
  if (options.queue_capacity == 0) {
    return Status::InvalidArgument("plugin queue capacity must be at least 1");
  }
  if (options.initial_position < 0) {
    return Status::InvalidArgument("initial plugin position " +
                                   std::to_string(options.initial_position) +
                                   " is negative; revisions start at 0");
  }
  std::vector<std::unique_ptr<LoadedLibrary>> libraries;
  std::map<std::string, std::string> path_by_name;
  for (const std::string& path : paths) {
    SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<LoadedLibrary> library, LoadedLibrary::Open(path));
    auto [it, inserted] = path_by_name.emplace(library->name(), path);
    if (!inserted) {
      return Status::InvalidArgument("--plugin '" + it->second + "' and --plugin '" + path +
                                     "' are both named '" + it->first + "': load each plugin once");
    }
    libraries.push_back(std::move(library));
  }
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> config_by_name;
  for (const PluginSetting& s : settings) {
    if (path_by_name.count(s.plugin) == 0) {
      std::string loaded;
      for (const auto& [name, path] : path_by_name) loaded += (loaded.empty() ? "" : ", ") + name;
      return Status::InvalidArgument("--plugin-config '" + s.plugin + "." + s.key + "=" + s.value +
                                     "': no loaded plugin is named '" + s.plugin +
                                     "' (loaded: " + (loaded.empty() ? "none" : loaded) +
                                     "); check the name or add its --plugin");
    }
    config_by_name[s.plugin].emplace_back(s.key, s.value);
  }

  std::vector<std::unique_ptr<PluginWorker>> workers;
  for (std::unique_ptr<LoadedLibrary>& library : libraries) {
    std::string name = library->name();
    Result<std::unique_ptr<PluginWorker>> worker =
        PluginWorker::Start(std::move(library), config_by_name[name], services, options);
    if (!worker.ok()) {
      // Stop the ones already running so nothing is left behind.
      PluginHost partial(std::move(workers), options);
      partial.Shutdown();
      return worker.status();
    }
    workers.push_back(std::move(*worker));
  }
  return std::unique_ptr<PluginHost>(new PluginHost(std::move(workers), options));
}

PluginHost::PluginHost(std::vector<std::unique_ptr<PluginWorker>> workers, HostOptions options)
    : workers_(std::move(workers)), options_(options) {}

PluginHost::~PluginHost() {
  Shutdown();
  for (auto& worker : workers_) {
    for (PluginWorker* stuck : abandoned_) {
      if (worker.get() == stuck) Bury(worker.release());
    }
  }
}

void PluginHost::PublishEvent(int64_t revision, std::string_view bytes) {
  if (shut_down_ || workers_.empty()) return;
  PluginMessage message{PluginMessage::Kind::kEvent, revision,
                        std::make_shared<const std::string>(bytes)};
  for (auto& worker : workers_) worker->Offer(message);
}

void PluginHost::PublishSnapshot(int64_t revision, std::string_view bytes) {
  if (shut_down_ || workers_.empty()) return;
  PluginMessage message{PluginMessage::Kind::kSnapshot, revision,
                        std::make_shared<const std::string>(bytes)};
  for (auto& worker : workers_) worker->Offer(message);
}

void PluginHost::PublishRequest(std::string_view bytes) {
  if (shut_down_ || workers_.empty()) return;
  PluginMessage message{PluginMessage::Kind::kRequest, 0,
                        std::make_shared<const std::string>(bytes)};
  for (auto& worker : workers_) {
    if (worker->wants_requests()) worker->Offer(message);
  }
}

std::vector<PluginStats> PluginHost::Stats() const {
  std::vector<PluginStats> out;
  for (const auto& worker : workers_) out.push_back(worker->Stats());
  return out;
}

int64_t PluginHost::ProcessedRevision() const {
  int64_t lowest = 0;
  bool first = true;
  for (const auto& worker : workers_) {
    int64_t r = worker->Stats().processed_revision;
    lowest = first ? r : std::min(lowest, r);
    first = false;
  }
  return lowest;
}

void PluginHost::AppendMetrics(std::string* out) const {
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    uint64_t PluginStats::*field;
  };
  static const Family kFamilies[] = {
      {"shadekv_plugin_events_delivered_total", "counter",
       "Change events a plugin accepted (on_event returned OK).", &PluginStats::events_delivered},
      {"shadekv_plugin_requests_delivered_total", "counter",
       "Request records a plugin accepted (on_request returned OK).",
       &PluginStats::requests_delivered},
      {"shadekv_plugin_dropped_total", "counter",
       "Messages dropped for a plugin because its queue was full or it was shutting down.",
       &PluginStats::dropped},
      {"shadekv_plugin_errors_total", "counter",
       "Plugin callbacks that returned an error or threw.", &PluginStats::errors},
      {"shadekv_plugin_queue_depth", "gauge", "Messages waiting in a plugin's queue.",
       &PluginStats::queue_depth},
      {"shadekv_plugin_queue_capacity", "gauge", "Size of a plugin's queue.",
       &PluginStats::queue_capacity},
      {"shadekv_plugin_skipped_total", "counter",
       "Events and snapshots not handed to a plugin because it had applied them already.",
       &PluginStats::skipped},
      {"shadekv_plugin_snapshots_delivered_total", "counter",
       "Snapshots a plugin accepted (on_snapshot returned OK).", &PluginStats::snapshots_delivered},
      {"shadekv_plugin_snapshots_unsupported_total", "counter",
       "Snapshots a plugin without on_snapshot did not receive.",
       &PluginStats::snapshots_unsupported},
  };
  if (workers_.empty()) return;
  std::vector<PluginStats> stats = Stats();
  for (const Family& f : kFamilies) {
    *out += std::string("# HELP ") + f.name + " " + f.help + "\n";
    *out += std::string("# TYPE ") + f.name + " " + f.type + "\n";
    for (const PluginStats& s : stats) {
      // Plugin names are [a-z0-9_-]+, so they need no escaping as label values.
      *out +=
          std::string(f.name) + "{plugin=\"" + s.name + "\"} " + std::to_string(s.*f.field) + "\n";
    }
  }
  *out +=
      "# HELP shadekv_plugin_processed_revision The last revision a plugin is done with.\n"
      "# TYPE shadekv_plugin_processed_revision gauge\n";
  for (const PluginStats& s : stats) {
    *out += "shadekv_plugin_processed_revision{plugin=\"" + s.name + "\"} " +
            std::to_string(s.processed_revision) + "\n";
  }
}

void PluginHost::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  auto drain_deadline = std::chrono::steady_clock::now() + options_.drain_timeout;
  // Every plugin drains in parallel, so the bound holds for the whole host.
  for (auto& worker : workers_) worker->BeginStop(drain_deadline);
  for (auto& worker : workers_) {
    if (!worker->FinishStop(drain_deadline + options_.stuck_grace)) {
      abandoned_.push_back(worker.get());
    }
  }
}

}  // namespace shadekv::plugin_host
