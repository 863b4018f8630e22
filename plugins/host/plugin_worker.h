// One loaded plugin at run time: its library, its host table, its state, its
// bounded queue and the one thread that calls into it. Everything a plugin
// can do wrong (block, throw, fail, be slow) is contained here and shows up
// only in this worker's counters and log lines.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "plugins/host/bounded_queue.h"
#include "plugins/host/host_table.h"
#include "plugins/host/loaded_library.h"
#include "shadekv/plugin_host/plugin_host.h"

namespace shadekv::plugin_host {

// A message for a plugin; the bytes are shared by every plugin's queue.
struct PluginMessage {
  enum class Kind { kEvent, kRequest, kSnapshot };
  Kind kind = Kind::kEvent;
  int64_t revision = 0;  // events and snapshots
  std::shared_ptr<const std::string> bytes;
};

class PluginWorker {
 public:
  // Calls the plugin's init on this thread with `config` (its own KEY=VALUE
  // entries), then its applied_revision if it has one, then starts its
  // thread. Errors: kFailedPrecondition with the plugin's own message when
  // init or applied_revision fails or throws (then shutdown has been called).
  static Result<std::unique_ptr<PluginWorker>> Start(
      std::unique_ptr<LoadedLibrary> library,
      const std::vector<std::pair<std::string, std::string>>& config, HostServices* services,
      const HostOptions& options);

  // Joins the thread if Stop did not (it must have exited) and unloads.
  ~PluginWorker();
  PluginWorker(const PluginWorker&) = delete;
  PluginWorker& operator=(const PluginWorker&) = delete;

  // Queues `message` unless full (then drops and counts it). Never blocks
  // unless HostOptions::block_when_full; any thread.
  void Offer(const PluginMessage& message);

  bool wants_requests() const { return library_->descriptor().on_request != nullptr; }
  const std::string& name() const { return name_; }

  PluginStats Stats() const;

  // Closes the queue: the thread delivers what is queued until
  // `drain_deadline`, drops the rest, calls the plugin's shutdown and exits.
  void BeginStop(std::chrono::steady_clock::time_point drain_deadline);

  // Waits for the thread to exit until `until`. True: it exited, was joined
  // and the library was unloaded. False: it is stuck in the plugin; it has
  // been detached and the library will never be unloaded, and the caller
  // must leak this object (the thread still uses it).
  bool FinishStop(std::chrono::steady_clock::time_point until);

 private:
  PluginWorker(std::unique_ptr<LoadedLibrary> library, HostServices* services,
               const HostOptions& options);

  void Run();
  void Deliver(const PluginMessage& message);
  // Calls on_event / on_request / on_snapshot behind a catch-all; true on OK.
  bool Call(const PluginMessage& message);
  void NoteProcessed(int64_t revision);
  // Asks applied_revision (Start only) and sets the position from it.
  Status AskPosition();
  void NoteError(const std::string& what);
  void MaybeLogDrops();

  // Fixed after construction. library_ is declared first so it is unloaded
  // last, after everything that points into it.
  std::unique_ptr<LoadedLibrary> library_;
  const std::string name_;
  const std::string path_;
  const HostOptions options_;
  HostTable host_table_;
  void* state_ = nullptr;  // from init; used only by the worker thread afterwards
  // Events and snapshots at or below this are skipped. Written by Start,
  // then only by the worker thread.
  int64_t position_ = 0;
  bool reports_position_ = false;
  int64_t start_revision_ = 0;
  bool snapshot_warning_logged_ = false;  // worker thread only

  BoundedQueue<PluginMessage> queue_;
  std::thread thread_;
  std::atomic<int64_t> drain_deadline_ns_{INT64_MAX};  // steady_clock, set by BeginStop

  std::mutex exit_mu_;
  std::condition_variable exited_cv_;
  bool exited_ = false;  // guarded by exit_mu_

  std::atomic<uint64_t> events_delivered_{0};
  std::atomic<uint64_t> requests_delivered_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> skipped_{0};
  std::atomic<uint64_t> snapshots_delivered_{0};
  std::atomic<uint64_t> snapshots_unsupported_{0};
  std::atomic<int64_t> processed_revision_{0};

  // Rate limiting of the two warnings; drops are noted on producer threads.
  std::atomic<int64_t> last_drop_log_ns_{INT64_MIN / 2};
  std::atomic<uint64_t> drops_logged_{0};
  int64_t last_error_log_ns_ = INT64_MIN / 2;  // worker thread only
  uint64_t errors_logged_ = 0;                 // worker thread only
};

}  // namespace shadekv::plugin_host
