// WatchHub: fans each new store revision out to the watchers that match it,
// and WatchStream: one client's watch stream (etcd's WatchStream), holding
// its watchers and the responses waiting to be written.
//
// A watcher is either
//  - synced: it has seen every revision up to the hub's revision, so new
//    events go straight into its stream's bounded queue (Notify), or
//  - unsynced: it only remembers the next revision it needs, and the
//    stream's writer reads that part of the store's history in bounded
//    batches (WatchStream::Next) until it has caught up, then rejoins the
//    synced set under the hub's lock, with no gap and no duplicate.
// A watcher starting at an old revision begins unsynced; one whose stream
// queue is full when an event arrives (a slow reader) becomes unsynced
// instead of blocking the caller. If compaction overtakes an unsynced
// watcher it is canceled with compact_revision, as etcd does.
//
// Guarantees per watcher: events in revision order, no gap, no duplicate;
// a "created" response comes before any event, nothing follows "canceled".
// A progress response with revision R (progress_notify, or a progress
// request with watch id -1) is sent only when every event <= R has been
// handed to the writer for every watcher it speaks for.
//
// Threads: Notify and OnRevisionJump run on the Raft apply thread and never
// wait on a stream or the store; they hold the hub's lock for work
// proportional to the watchers the revision matches (plus the range
// watchers, which are checked one by one). A stream's Create/Cancel/
// RequestProgress/Close may be called from any thread; Next from one writer
// thread at a time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "agent/watch/watch_history.h"
#include "agent/watch/watch_types.h"
#include "shadekv/store/kv_types.h"

namespace shadekv::watch {

struct WatchHubOptions {
  // Events a stream may hold waiting for its writer. A watcher whose event
  // would overflow a non-empty queue becomes unsynced.
  size_t max_queued_events = 4096;
  // The same bound in bytes (keys, values and prev values of the events).
  size_t max_queued_bytes = 1 << 20;
  // Revisions read from history per catch-up step (etcd: 1000 per response).
  size_t catch_up_batch_revisions = 1000;
  // Progress notifications for progress_notify watchers (etcd 3.4: 10 min).
  std::chrono::milliseconds progress_notify_interval{10 * 60 * 1000};
};

struct WatchHubStats {
  int64_t streams = 0;
  int64_t watchers = 0;
  int64_t unsynced_watchers = 0;
  int64_t events_sent = 0;  // events handed to stream writers
};

class WatchStream;

class WatchHub {
 public:
  // `history` must outlive the hub. The hub starts at its current revision.
  WatchHub(const WatchHistory* history, WatchHubOptions options);
  ~WatchHub();  // every stream must be gone
  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // The store has made `event` (revision = hub revision + 1). A revision
  // that skips ahead is treated like OnRevisionJump. Never blocks.
  void Notify(const store::ChangeEvent& event);

  // The store was replaced (a snapshot was installed) and now stands at
  // `revision`: every synced watcher becomes unsynced and catches up from
  // the new store's history, or is canceled with compact_revision when that
  // history no longer reaches back far enough.
  void OnRevisionJump(int64_t revision);

  std::unique_ptr<WatchStream> OpenStream();

  int64_t Revision() const;
  WatchHubStats Stats() const;

 private:
  friend class WatchStream;
  struct Watcher;

  // All below guarded by mu_.
  void AddSyncedLocked(Watcher* w);
  void RemoveSyncedLocked(Watcher* w);
  void UnsyncLocked(Watcher* w, int64_t next_revision);
  void UnsyncAllLocked();

  const WatchHistory* history_;
  const WatchHubOptions options_;

  mutable std::mutex mu_;
  int64_t revision_;  // the last revision notified
  std::set<WatchStream*> streams_;
  std::unordered_map<std::string, std::unordered_set<Watcher*>> synced_keys_;
  std::unordered_set<Watcher*> synced_ranges_;
  int64_t watchers_ = 0;
  int64_t unsynced_ = 0;
  uint64_t serial_ = 0;  // tells a watcher from a later one reusing its id
  std::atomic<int64_t> events_sent_{0};
};

class WatchStream {
 public:
  ~WatchStream();  // cancels every watcher; Next must not be running
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // Queues the "created" response (watch id, hub revision) or, for a
  // duplicate id or an empty range, created+canceled with watch id -1 and
  // etcd's reason. Returns the watch id or kNoWatchId.
  int64_t Create(const WatchCreate& create);
  // Queues created+canceled with watch id -1 and `reason`, in order with the
  // stream's other responses: a create the API refused (etcd's answer to a
  // watch without permission).
  void Refuse(std::string reason);
  // Cancels a watcher of this stream: drops its queued events and queues
  // "canceled". An unknown id is ignored (etcd).
  void Cancel(int64_t watch_id);
  // Queues a response with watch id -1 and revision R once every watcher of
  // the stream has been sent every event <= R.
  void RequestProgress();
  // Ends the stream: Next returns at once from now on.
  void Close();

  // The writer's call: waits up to `timeout` for responses to write and
  // returns them in order (empty on timeout or after Close). Catch-up reads
  // of the store's history happen here, outside the hub's lock.
  std::vector<WatchResponse> Next(std::chrono::milliseconds timeout);

  bool closed() const;

 private:
  friend class WatchHub;
  explicit WatchStream(WatchHub* hub);

  // Callers hold hub_->mu_.
  void PushLocked(WatchResponse r);
  void DropWatcherLocked(int64_t watch_id);
  bool TakeQueueLocked(std::vector<WatchResponse>& out);
  bool CatchUpLocked(std::unique_lock<std::mutex>& lock, std::vector<WatchResponse>& out);
  void ProgressNotifyLocked(std::vector<WatchResponse>& out);

  WatchHub* const hub_;

  // Guarded by hub_->mu_.
  std::condition_variable cv_;
  std::deque<WatchResponse> queue_;
  size_t queued_events_ = 0;
  size_t queued_bytes_ = 0;
  std::map<int64_t, std::unique_ptr<WatchHub::Watcher>> watchers_;
  int64_t next_auto_id_ = 0;
  int64_t unsynced_ = 0;
  bool progress_requested_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point next_progress_;
};

}  // namespace shadekv::watch
