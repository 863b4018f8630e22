// The per-plugin thread: pops messages, calls the plugin behind a catch-all,
// counts outcomes and logs them at a bounded rate.
#include "plugins/host/plugin_worker.h"

#include <Poco/Logger.h>

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
      queue_(options.queue_capacity) {}

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
  w->thread_ = std::thread([raw = w.get()] { raw->Run(); });
  return w;
}

PluginWorker::~PluginWorker() {
  if (thread_.joinable()) {
    queue_.Close();
    thread_.join();
  }
}

void PluginWorker::Offer(const PluginMessage& message) {
  if (queue_.TryPush(message)) return;
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

void PluginWorker::Deliver(const PluginMessage& message) {
  const shadekv_plugin_descriptor& d = library_->descriptor();
  auto callback = message.kind == PluginMessage::Kind::kEvent ? d.on_event : d.on_request;
  if (callback == nullptr) return;
  const char* kind = message.kind == PluginMessage::Kind::kEvent ? "on_event" : "on_request";
  char error[kErrorCapacity] = {0};
  int32_t rc = SHADEKV_PLUGIN_ERROR;
  try {
    rc = callback(state_, reinterpret_cast<const uint8_t*>(message.bytes->data()),
                  message.bytes->size(), error, sizeof(error));
  } catch (const std::exception& e) {
    NoteError(std::string(kind) + " threw: " + e.what());
    return;
  } catch (...) {
    NoteError(std::string(kind) + " threw an unknown exception");
    return;
  }
  if (rc != SHADEKV_PLUGIN_OK) {
    error[sizeof(error) - 1] = '\0';
    NoteError(std::string(kind) + " returned " + std::to_string(rc) + ": " +
              (error[0] ? error : "(no message)"));
    return;
  }
  if (message.kind == PluginMessage::Kind::kEvent) {
    events_delivered_.fetch_add(1, std::memory_order_relaxed);
  } else {
    requests_delivered_.fetch_add(1, std::memory_order_relaxed);
  }
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
  return s;
}

}  // namespace shadekv::plugin_host
