// The per-plugin thread: pops messages, calls the plugin behind a catch-all,
// counts outcomes and logs them at a bounded rate.
#include "plugins/host/plugin_worker.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <exception>

namespace shadekv::plugin_host {
namespace {

constexpr size_t kErrorCapacity = 1024;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t ToNs(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

PluginWorker::PluginWorker(std::unique_ptr<LoadedLibrary> library, HostServices* services,
                           const HostOptions& options)
    : library_(std::move(library)),
      name_(library_->name()),
      path_(library_->path()),
      options_(options),
      host_table_(name_, services),
      position_(options.initial_position),
      start_revision_(options.initial_position),
      queue_(options.queue_capacity),
      processed_revision_(options.initial_position) {}

Result<std::unique_ptr<PluginWorker>> PluginWorker::Start(
    std::unique_ptr<LoadedLibrary> library,
    const std::vector<std::pair<std::string, std::string>>& config, HostServices* services,
    const HostOptions& options) {
  std::unique_ptr<PluginWorker> w(new PluginWorker(std::move(library), services, options));
  std::vector<shadekv_plugin_kv> entries;
  entries.reserve(config.size());
  for (const auto& [key, value] : config) entries.push_back({key.c_str(), value.c_str()});

  const std::string who =
      "plugin '" + w->name_ + "' (--plugin '" + w->library_->path() + "') failed to start: ";
  char error[kErrorCapacity] = {0};
  int32_t rc = SHADEKV_PLUGIN_ERROR;
  try {
    rc = w->library_->descriptor().init(entries.data(), entries.size(), w->host_table_.table(),
                                        &w->state_, error, sizeof(error));
  } catch (const std::exception& e) {
    return Status::FailedPrecondition(who + "init threw: " + e.what());
  } catch (...) {
    return Status::FailedPrecondition(who + "init threw an unknown exception");
  }
  if (rc != SHADEKV_PLUGIN_OK) {
    error[sizeof(error) - 1] = '\0';
    std::string message =
        error[0] ? error : "init returned " + std::to_string(rc) + " without a message";
    return Status::FailedPrecondition(who + message);
  }
  if (w->library_->descriptor().applied_revision != nullptr) {
    Status reported = w->AskPosition();
    if (!reported.ok()) {
      try {
        w->library_->descriptor().shutdown(w->state_);
      } catch (...) {
      }
      return Status::FailedPrecondition(who + reported.message());
    }
  }
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

PluginWorker::~PluginWorker() {
  if (thread_.joinable()) {
    queue_.Close();
    thread_.join();
  }
}

Status PluginWorker::AskPosition() {
  int64_t revision = -1;
  int32_t rc = SHADEKV_PLUGIN_ERROR;
  try {
    rc = library_->descriptor().applied_revision(state_, &revision);
  } catch (...) {
    return Status::FailedPrecondition("applied_revision threw");
  }
  if (rc != SHADEKV_PLUGIN_OK) {
    return Status::FailedPrecondition("applied_revision returned " + std::to_string(rc));
  }
  if (revision < 0) {
    return Status::FailedPrecondition("applied_revision reported revision " +
                                      std::to_string(revision) + ", which is negative");
  }
  reports_position_ = true;
  start_revision_ = position_ = revision;
  processed_revision_.store(revision);
  return Status::Ok();
}

void PluginWorker::Offer(const PluginMessage& message) {
  if (!options_.block_when_full) {
    if (queue_.TryPush(message)) return;
  } else {
    // Wait in slices so a stop flag set by a signal handler is seen.
    PluginMessage copy = message;
    for (;;) {
      auto slice = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
      auto r = queue_.PushUntil(copy, slice);
      if (r == BoundedQueue<PluginMessage>::PushResult::kPushed) return;
      if (r == BoundedQueue<PluginMessage>::PushResult::kClosed) break;
      if (options_.stop_waiting != nullptr && options_.stop_waiting->load()) break;
    }
  }
  dropped_.fetch_add(1, std::memory_order_relaxed);
  MaybeLogDrops();
}

void PluginWorker::MaybeLogDrops() {
  int64_t now = NowNs();
  int64_t last = last_drop_log_ns_.load(std::memory_order_relaxed);
  int64_t interval = std::chrono::nanoseconds(options_.log_interval).count();
  if (now - last < interval) return;
  // One producer wins the interval; the others stay silent.
  if (!last_drop_log_ns_.compare_exchange_strong(last, now)) return;
  uint64_t total = dropped_.load();
  uint64_t since = total - drops_logged_.exchange(total);
  try {
    Poco::Logger::get("shadekv.plugin")
        .warning("plugin '" + name_ + "' is falling behind: dropped " + std::to_string(since) +
                 " message(s) since the last warning (" + std::to_string(total) +
                 " in all); its queue holds " + std::to_string(queue_.capacity()) + " messages");
  } catch (...) {
  }
}

void PluginWorker::NoteError(const std::string& what) {
  uint64_t total = errors_.fetch_add(1) + 1;
  int64_t now = NowNs();
  if (now - last_error_log_ns_ < std::chrono::nanoseconds(options_.log_interval).count()) return;
  last_error_log_ns_ = now;
  uint64_t since = total - errors_logged_;
  errors_logged_ = total;
  try {
    Poco::Logger::get("shadekv.plugin")
        .error("plugin '" + name_ + "': " + what + " (" + std::to_string(since) +
               " error(s) since the last report, " + std::to_string(total) + " in all)");
  } catch (...) {
  }
}

void PluginWorker::NoteProcessed(int64_t revision) {
  position_ = std::max(position_, revision);
  processed_revision_.store(position_);
}

bool PluginWorker::Call(const PluginMessage& message) {
  const shadekv_plugin_descriptor& d = library_->descriptor();
  const auto* data = reinterpret_cast<const uint8_t*>(message.bytes->data());
  const size_t len = message.bytes->size();
  const char* kind = message.kind == PluginMessage::Kind::kEvent     ? "on_event"
                     : message.kind == PluginMessage::Kind::kRequest ? "on_request"
                                                                     : "on_snapshot";
  char error[kErrorCapacity] = {0};
  int32_t rc = SHADEKV_PLUGIN_ERROR;
  try {
    switch (message.kind) {
      case PluginMessage::Kind::kEvent:
        rc = d.on_event(state_, data, len, error, sizeof(error));
        break;
      case PluginMessage::Kind::kRequest:
        rc = d.on_request(state_, data, len, error, sizeof(error));
        break;
      case PluginMessage::Kind::kSnapshot:
        rc = d.on_snapshot(state_, message.revision, data, len, error, sizeof(error));
        break;
    }
  } catch (const std::exception& e) {
    NoteError(std::string(kind) + " threw: " + e.what());
    return false;
  } catch (...) {
    NoteError(std::string(kind) + " threw an unknown exception");
    return false;
  }
  if (rc != SHADEKV_PLUGIN_OK) {
    error[sizeof(error) - 1] = '\0';
    NoteError(std::string(kind) + " returned " + std::to_string(rc) + ": " +
              (error[0] ? error : "(no message)"));
    return false;
  }
  return true;
}

void PluginWorker::Deliver(const PluginMessage& message) {
  const shadekv_plugin_descriptor& d = library_->descriptor();
  if (message.kind == PluginMessage::Kind::kRequest) {
    if (d.on_request != nullptr && Call(message)) {
      requests_delivered_.fetch_add(1, std::memory_order_relaxed);
    }
    return;
  }
  // Events and snapshots carry revisions: the plugin has what is at or
  // below its position already (it said so, or we handed it over).
  if (message.revision <= position_) {
    skipped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (message.kind == PluginMessage::Kind::kEvent) {
    if (Call(message)) events_delivered_.fetch_add(1, std::memory_order_relaxed);
    NoteProcessed(message.revision);
    return;
  }
  if (d.on_snapshot == nullptr) {
    snapshots_unsupported_.fetch_add(1, std::memory_order_relaxed);
    if (!snapshot_warning_logged_) {
      snapshot_warning_logged_ = true;
      try {
        Poco::Logger::get("shadekv.plugin")
            .warning("plugin '" + name_ + "' has no on_snapshot: it missed the store snapshot at " +
                     "revision " + std::to_string(message.revision) +
                     " (and will miss any later one; logged once) and gets the events after it");
      } catch (...) {
      }
    }
    // It cannot take the snapshot, so it is done with it: the events after
    // it are what it can still get.
    processed_revision_.store(std::max(processed_revision_.load(), message.revision));
    return;
  }
  if (Call(message)) snapshots_delivered_.fetch_add(1, std::memory_order_relaxed);
  NoteProcessed(message.revision);
}

void PluginWorker::Run() {
  for (;;) {
    int64_t deadline_ns = drain_deadline_ns_.load();
    auto deadline =
        deadline_ns == INT64_MAX
            ? std::chrono::steady_clock::now() + std::chrono::hours(1)
            : std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns));
    std::optional<PluginMessage> message = queue_.PopUntil(deadline);
    bool stopping = drain_deadline_ns_.load() != INT64_MAX;
    if (!message) {
      if (stopping) break;  // drained, or out of drain time
      continue;
    }
    if (stopping && NowNs() >= drain_deadline_ns_.load()) {
      dropped_.fetch_add(1);
      break;
    }
    Deliver(*message);
  }
  dropped_.fetch_add(queue_.Clear());
  try {
    library_->descriptor().shutdown(state_);
  } catch (...) {
    NoteError("shutdown threw");
  }
  {
    std::lock_guard<std::mutex> lock(exit_mu_);
    exited_ = true;
  }
  exited_cv_.notify_all();
}

void PluginWorker::BeginStop(std::chrono::steady_clock::time_point drain_deadline) {
  drain_deadline_ns_.store(ToNs(drain_deadline));
  queue_.Close();
}

bool PluginWorker::FinishStop(std::chrono::steady_clock::time_point until) {
  if (!thread_.joinable()) return true;
  bool exited;
  {
    std::unique_lock<std::mutex> lock(exit_mu_);
    exited = exited_cv_.wait_until(lock, until, [&] { return exited_; });
  }
  if (exited) {
    thread_.join();
    library_.reset();
    return true;
  }
  try {
    Poco::Logger::get("shadekv.plugin")
        .error("plugin '" + name_ +
               "' is still busy in a callback after the shutdown deadline; abandoning its "
               "thread and leaving its library loaded");
  } catch (...) {
  }
  thread_.detach();
  library_->Leak();
  return false;
}

PluginStats PluginWorker::Stats() const {
  PluginStats s;
  s.name = name_;
  s.path = path_;
  s.events_delivered = events_delivered_.load();
  s.requests_delivered = requests_delivered_.load();
  s.dropped = dropped_.load();
  s.errors = errors_.load();
  s.queue_depth = queue_.size();
  s.queue_capacity = queue_.capacity();
  s.skipped = skipped_.load();
  s.snapshots_delivered = snapshots_delivered_.load();
  s.snapshots_unsupported = snapshots_unsupported_.load();
  s.reports_position = reports_position_;
  s.start_revision = start_revision_;
  s.processed_revision = processed_revision_.load();
  return s;
}

}  // namespace shadekv::plugin_host
