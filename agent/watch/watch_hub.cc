// The watch hub and its streams: the synced/unsynced split of etcd's
// watchableStore, with one lock and bounded per-stream queues.
#include "agent/watch/watch_hub.h"

#include <algorithm>
#include <utility>

#include "agent/watch/watch_filter.h"

namespace shadekv::watch {

struct WatchHub::Watcher {
  WatchStream* stream = nullptr;
  int64_t id = 0;
  uint64_t serial = 0;
  WatchCreate spec;
  bool synced = false;
  // Unsynced: the next revision to read from history. Synced: no event
  // below it is reported (a start revision in the future).
  int64_t next_revision = 0;
};

namespace {

bool IsCompacted(const Status& s) {
  return s.code() == StatusCode::kOutOfRange && s.message().find("compacted") != std::string::npos;
}

size_t BytesOf(const std::vector<store::KeyChange>& events) {
  size_t n = 0;
  for (const store::KeyChange& c : events) {
    n += c.kv.key.size() + c.kv.value.size() + 64;
    if (c.prev_kv) n += c.prev_kv->key.size() + c.prev_kv->value.size() + 64;
  }
  return n;
}

std::chrono::steady_clock::time_point NextProgressTime(std::chrono::milliseconds interval) {
  if (interval.count() <= 0) return std::chrono::steady_clock::time_point::max();
  return std::chrono::steady_clock::now() + interval;
}

}  // namespace

WatchHub::WatchHub(const WatchHistory* history, WatchHubOptions options)
    : history_(history), options_(options), revision_(history->CurrentRevision()) {}

WatchHub::~WatchHub() = default;

void WatchHub::AddSyncedLocked(Watcher* w) {
  w->synced = true;
  if (IsSingleKey(w->spec)) {
    synced_keys_[w->spec.key].insert(w);
  } else {
    synced_ranges_.insert(w);
  }
}

void WatchHub::RemoveSyncedLocked(Watcher* w) {
  w->synced = false;
  if (IsSingleKey(w->spec)) {
    auto it = synced_keys_.find(w->spec.key);
    if (it == synced_keys_.end()) return;
    it->second.erase(w);
    if (it->second.empty()) synced_keys_.erase(it);
  } else {
    synced_ranges_.erase(w);
  }
}

void WatchHub::UnsyncLocked(Watcher* w, int64_t next_revision) {
  RemoveSyncedLocked(w);
  w->next_revision = next_revision;
  ++unsynced_;
  ++w->stream->unsynced_;
  w->stream->cv_.notify_one();
}

void WatchHub::UnsyncAllLocked() {
  for (WatchStream* s : streams_) {
    for (auto& [id, w] : s->watchers_) {
      if (w->synced) UnsyncLocked(w.get(), std::max(w->next_revision, revision_ + 1));
    }
  }
}

void WatchHub::Notify(const store::ChangeEvent& event) {
  std::lock_guard lock(mu_);
  if (event.revision <= revision_) return;  // already seen (nothing to report twice)
  if (event.revision != revision_ + 1) {
    // A hole: let every watcher read what it missed from the store.
    UnsyncAllLocked();
    revision_ = event.revision;
    return;
  }
  revision_ = event.revision;

  // Collect first: delivering may move a watcher out of the sets.
  std::vector<Watcher*> hits;
  for (const store::KeyChange& c : event.changes) {
    auto it = synced_keys_.find(c.kv.key);
    if (it != synced_keys_.end()) hits.insert(hits.end(), it->second.begin(), it->second.end());
  }
  hits.insert(hits.end(), synced_ranges_.begin(), synced_ranges_.end());
  // Creation order, as etcd answers (and a watcher once per revision).
  std::sort(hits.begin(), hits.end(),
            [](const Watcher* a, const Watcher* b) { return a->serial < b->serial; });
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());

  for (Watcher* w : hits) {
    if (event.revision < w->next_revision) continue;
    std::vector<store::KeyChange> events = SelectChanges(w->spec, event.changes);
    if (events.empty()) continue;
    WatchStream* s = w->stream;
    // A non-empty queue that would overflow means the reader is slow: the
    // watcher leaves the fast path and re-reads this revision from history.
    const size_t bytes = BytesOf(events);
    if (!s->queue_.empty() && (s->queued_events_ + events.size() > options_.max_queued_events ||
                               s->queued_bytes_ + bytes > options_.max_queued_bytes)) {
      UnsyncLocked(w, event.revision);
      continue;
    }
    WatchResponse r;
    r.watch_id = w->id;
    r.revision = event.revision;
    r.fragment = w->spec.fragment;
    r.events = std::move(events);
    s->PushLocked(std::move(r));
  }
}

void WatchHub::OnRevisionJump(int64_t revision) {
  std::lock_guard lock(mu_);
  UnsyncAllLocked();
  revision_ = std::max(revision_, revision);
}

std::unique_ptr<WatchStream> WatchHub::OpenStream() {
  std::unique_ptr<WatchStream> s(new WatchStream(this));
  std::lock_guard lock(mu_);
  streams_.insert(s.get());
  return s;
}

int64_t WatchHub::Revision() const {
  std::lock_guard lock(mu_);
  return revision_;
}

WatchHubStats WatchHub::Stats() const {
  std::lock_guard lock(mu_);
  WatchHubStats s;
  s.streams = static_cast<int64_t>(streams_.size());
  s.watchers = watchers_;
  s.unsynced_watchers = unsynced_;
  s.events_sent = events_sent_.load();
  return s;
}

// ---- WatchStream ----

WatchStream::WatchStream(WatchHub* hub)
    : hub_(hub), next_progress_(NextProgressTime(hub->options_.progress_notify_interval)) {}

WatchStream::~WatchStream() {
  std::lock_guard lock(hub_->mu_);
  for (auto& [id, w] : watchers_) {
    if (w->synced) {
      hub_->RemoveSyncedLocked(w.get());
    } else {
      --hub_->unsynced_;
    }
    --hub_->watchers_;
  }
  hub_->streams_.erase(this);
}

void WatchStream::PushLocked(WatchResponse r) {
  queued_events_ += r.events.size();
  queued_bytes_ += BytesOf(r.events);
  queue_.push_back(std::move(r));
  cv_.notify_one();
}

void WatchStream::DropWatcherLocked(int64_t watch_id) {
  auto it = watchers_.find(watch_id);
  if (it == watchers_.end()) return;
  WatchHub::Watcher* w = it->second.get();
  if (w->synced) {
    hub_->RemoveSyncedLocked(w);
  } else {
    --unsynced_;
    --hub_->unsynced_;
  }
  --hub_->watchers_;
  // Its undelivered events go too; its "created" still goes out first.
  std::erase_if(queue_, [&](const WatchResponse& r) {
    if (r.watch_id != watch_id || r.created) return false;
    queued_events_ -= r.events.size();
    queued_bytes_ -= BytesOf(r.events);
    return true;
  });
  watchers_.erase(it);
}

void WatchStream::Refuse(std::string reason) {
  std::lock_guard lock(hub_->mu_);
  WatchResponse r;
  r.revision = hub_->revision_;
  r.created = true;
  r.canceled = true;
  r.watch_id = kNoWatchId;
  r.cancel_reason = std::move(reason);
  PushLocked(std::move(r));
}

int64_t WatchStream::Create(const WatchCreate& create) {
  std::lock_guard lock(hub_->mu_);
  WatchResponse r;
  r.revision = hub_->revision_;
  r.created = true;
  // etcd's order of checks: the range, then the id.
  if (IsEmptyWatchRange(create) ||
      (create.watch_id != 0 && watchers_.count(create.watch_id) != 0)) {
    r.watch_id = kNoWatchId;
    r.canceled = true;
    r.cancel_reason = IsEmptyWatchRange(create) ? kEmptyWatchRange : kDuplicateWatchId;
    PushLocked(std::move(r));
    return kNoWatchId;
  }
  int64_t id = create.watch_id;
  if (id == 0) {
    while (watchers_.count(next_auto_id_) != 0) ++next_auto_id_;
    id = next_auto_id_++;
  }
  auto w = std::make_unique<WatchHub::Watcher>();
  w->stream = this;
  w->id = id;
  w->serial = ++hub_->serial_;
  w->spec = create;
  ++hub_->watchers_;
  r.watch_id = id;
  PushLocked(std::move(r));
  const int64_t start = create.start_revision;
  if (start <= 0 || start > hub_->revision_) {
    w->next_revision = std::max(start, hub_->revision_ + 1);
    hub_->AddSyncedLocked(w.get());
  } else {
    w->next_revision = start;
    ++unsynced_;
    ++hub_->unsynced_;
  }
  watchers_[id] = std::move(w);
  return id;
}

void WatchStream::Cancel(int64_t watch_id) {
  std::lock_guard lock(hub_->mu_);
  if (watchers_.count(watch_id) == 0) return;
  DropWatcherLocked(watch_id);
  WatchResponse r;
  r.watch_id = watch_id;
  r.revision = hub_->revision_;
  r.canceled = true;
  PushLocked(std::move(r));
}

void WatchStream::RequestProgress() {
  std::lock_guard lock(hub_->mu_);
  progress_requested_ = true;
  cv_.notify_one();
}

void WatchStream::Close() {
  std::lock_guard lock(hub_->mu_);
  closed_ = true;
  cv_.notify_all();
}

bool WatchStream::closed() const {
  std::lock_guard lock(hub_->mu_);
  return closed_;
}

bool WatchStream::TakeQueueLocked(std::vector<WatchResponse>& out) {
  if (queue_.empty()) return false;
  int64_t events = 0;
  for (WatchResponse& r : queue_) {
    events += static_cast<int64_t>(r.events.size());
    out.push_back(std::move(r));
  }
  queue_.clear();
  queued_events_ = 0;
  queued_bytes_ = 0;
  hub_->events_sent_.fetch_add(events);
  return true;
}

bool WatchStream::CatchUpLocked(std::unique_lock<std::mutex>& lock,
                                std::vector<WatchResponse>& out) {
  const WatchHubOptions& options = hub_->options_;
  std::vector<std::pair<int64_t, uint64_t>> todo;
  for (auto& [id, w] : watchers_) {
    if (!w->synced) todo.emplace_back(id, w->serial);
  }
  // Finds the watcher again after the lock was released: it may be gone,
  // or its id reused by a new watcher.
  auto find = [&](int64_t id, uint64_t serial) -> WatchHub::Watcher* {
    auto it = watchers_.find(id);
    if (it == watchers_.end() || it->second->serial != serial || it->second->synced) return nullptr;
    return it->second.get();
  };
  bool progressed = false;
  size_t events_out = 0;
  size_t bytes_out = 0;
  for (auto [id, serial] : todo) {
    WatchHub::Watcher* w = find(id, serial);
    if (w == nullptr) continue;
    const int64_t from = w->next_revision;
    lock.unlock();
    // Store reads happen without the hub's lock, so Notify never waits on them.
    const int64_t current = hub_->history_->CurrentRevision();
    Result<std::vector<store::ChangeEvent>> changes =
        from <= current
            ? hub_->history_->Changes(from - 1, current, options.catch_up_batch_revisions)
            : Result<std::vector<store::ChangeEvent>>(std::vector<store::ChangeEvent>{});
    const int64_t compacted = hub_->history_->CompactRevision();
    lock.lock();
    if (closed_) return progressed;
    w = find(id, serial);
    if (w == nullptr) continue;
    if (!changes.ok()) {
      WatchResponse r;
      r.watch_id = id;
      r.canceled = true;
      if (IsCompacted(changes.status())) {
        r.compact_revision = compacted;  // etcd leaves the header revision out here
      } else {
        r.revision = hub_->revision_;
        r.cancel_reason = changes.status().message();
      }
      DropWatcherLocked(id);
      out.push_back(std::move(r));
      progressed = true;
      continue;
    }
    std::vector<store::KeyChange> events;
    for (const store::ChangeEvent& e : *changes) {
      std::vector<store::KeyChange> selected = SelectChanges(w->spec, e.changes);
      std::move(selected.begin(), selected.end(), std::back_inserter(events));
    }
    int64_t next = from;
    if (from <= current) {
      next = changes->size() < options.catch_up_batch_revisions ? current + 1
                                                                : changes->back().revision + 1;
    }
    if (!events.empty()) {
      events_out += events.size();
      bytes_out += BytesOf(events);
      hub_->events_sent_.fetch_add(static_cast<int64_t>(events.size()));
      WatchResponse r;
      r.watch_id = id;
      r.revision = current;
      r.fragment = w->spec.fragment;
      r.events = std::move(events);
      out.push_back(std::move(r));
    }
    if (next > from) progressed = true;
    w->next_revision = next;
    // Everything the hub has announced is read: back to the fast path. Any
    // revision between the hub's and `next` is skipped by Notify.
    if (next > hub_->revision_) {
      hub_->AddSyncedLocked(w);
      --unsynced_;
      --hub_->unsynced_;
      progressed = true;
    }
    // Bound what one call returns (one batch per watcher can still exceed it).
    if (events_out >= options.max_queued_events || bytes_out >= options.max_queued_bytes) break;
  }
  return progressed;
}

void WatchStream::ProgressNotifyLocked(std::vector<WatchResponse>& out) {
  for (auto& [id, w] : watchers_) {
    if (!w->synced || !w->spec.progress_notify) continue;
    WatchResponse r;
    r.watch_id = id;
    r.revision = hub_->revision_;
    out.push_back(std::move(r));
  }
}

std::vector<WatchResponse> WatchStream::Next(std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  std::unique_lock lock(hub_->mu_);
  const Clock::time_point deadline = Clock::now() + timeout;
  std::vector<WatchResponse> out;
  while (!closed_) {
    if (TakeQueueLocked(out)) return out;
    if (unsynced_ > 0) {
      bool progressed = CatchUpLocked(lock, out);
      if (!out.empty() || closed_) return closed_ ? std::vector<WatchResponse>{} : out;
      if (progressed) continue;
    }
    // Everything of this stream up to the hub's revision has been handed out.
    if (progress_requested_ && unsynced_ == 0) {
      progress_requested_ = false;
      WatchResponse r;
      r.watch_id = kNoWatchId;
      r.revision = hub_->revision_;
      out.push_back(std::move(r));
      return out;
    }
    Clock::time_point now = Clock::now();
    if (now >= next_progress_) {
      next_progress_ = NextProgressTime(hub_->options_.progress_notify_interval);
      ProgressNotifyLocked(out);
      if (!out.empty()) return out;
    }
    if (now >= deadline) return out;
    Clock::time_point wake = std::min(deadline, next_progress_);
    // A catch-up that could not move (the store not yet at the hub's
    // revision) is retried soon rather than waiting for a wake-up.
    if (unsynced_ > 0) wake = std::min(wake, now + std::chrono::milliseconds(5));
    cv_.wait_until(lock, wake);
  }
  return {};
}

}  // namespace shadekv::watch
