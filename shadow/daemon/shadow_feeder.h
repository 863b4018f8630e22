// ShadowFeeder: the shadow's writer thread. Runs the bus subscriber driver
// into the MirrorStore, tells the watch hub about every applied revision and
// snapshot install, carries out --retention, and shows initial-sync progress.
// It owns no socket towards the primary other than the subscriber's SUB and
// DEALER (bus/PROTOCOL.md); nothing is ever sent that could change it.
//
// Threads: Start/Stop from the owner; the SubscriberConsumer calls on the
// feeder's own thread; Stats() from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/watch/watch_hub.h"
#include "bus/subscriber/subscriber.h"
#include "shadekv/mirror/mirror_consumer.h"
#include "shadekv/mirror/mirror_store.h"
#include "shadow/daemon/retention.h"
#include "shadow/daemon/shadow_options.h"

namespace shadekv::shadow {

struct ShadowFeederOptions {
  std::vector<std::string> publishers;
  std::optional<bus::SubscriberCurve> curve;  // unset: plaintext bus
  RetentionPolicy retention;
  // Where progress goes during the initial sync: a rewritten line on a
  // terminal, else a log line every `progress_interval`.
  bool progress_on_tty = false;
  std::chrono::milliseconds progress_interval{5000};
};

struct FeederStats {
  bus::SubscriberStats subscriber;  // the current driver's
  bool running = false;             // false after a consumer error, until the restart
  std::string last_error;           // the last consumer error ("" when none)
  uint64_t driver_restarts = 0;
  uint64_t snapshots_installed = 0;  // by this process
  uint64_t snapshot_bytes = 0;       // of the last snapshot installed
  uint64_t event_bytes = 0;          // event bodies applied by this process
  uint64_t events_applied = 0;
  int64_t newest_leader_time_ms = 0;  // of the newest applied event; 0 after a snapshot
  int64_t compact_revision = 0;       // the mirror's own retention so far
};

class ShadowFeeder : public bus::SubscriberConsumer {
 public:
  // `mirror` and `hub` must outlive the feeder.
  ShadowFeeder(mirror::MirrorStore* mirror, watch::WatchHub* hub, ShadowFeederOptions options);
  ~ShadowFeeder() override;  // Stop()

  // Creates the driver from the mirror's persisted revision and starts the
  // writer thread. kInvalidArgument when the driver refuses the endpoints.
  Status Start();
  void Stop();

  FeederStats Stats() const;

  // bus::SubscriberConsumer (writer thread).
  Status InstallSnapshot(int64_t revision, std::string_view data) override;
  Status ApplyEvent(int64_t revision, std::string_view body) override;

 private:
  Result<std::unique_ptr<bus::Subscriber>> NewDriver();
  // Before the thread starts: the leader time of the newest revision held
  // (for lag_ms after a restart) and, for a duration retention, of every
  // revision held that arrived as an event, so a restart keeps counting.
  void LoadLeaderTimes();
  void Loop();
  void MaybeCompact();
  void MaybeShowProgress();

  // Fixed after construction.
  mirror::MirrorStore* const mirror_;
  watch::WatchHub* const hub_;
  const ShadowFeederOptions options_;
  mirror::MirrorConsumer consumer_;

  // Writer thread only.
  LeaderTimes leader_times_;
  std::chrono::steady_clock::time_point next_retention_check_{};
  std::chrono::steady_clock::time_point next_progress_{};
  std::chrono::steady_clock::time_point started_{};
  bool compaction_pending_ = false;
  bool synced_once_ = false;
  bool resuming_ = false;  // the mirror held revisions at Start

  std::atomic<bool> stop_{false};
  std::thread thread_;

  mutable std::mutex mu_;
  std::unique_ptr<bus::Subscriber> driver_;  // guarded by mu_ (replaced after errors)
  FeederStats stats_;                        // guarded by mu_ (subscriber part filled on read)
};

// One progress line until the shadow is first in sync: applied/latest
// revisions, percent and bytes so far, e.g. "initial sync: revision
// 1200/5000 (24%), 3.1 MiB received, 2.0 s"; "catching up: ..." when
// `resuming` (the mirror held revisions at start). Pure.
std::string FormatSyncProgress(int64_t applied, int64_t latest, uint64_t bytes,
                               std::chrono::milliseconds elapsed, bool resuming = false);

}  // namespace shadekv::shadow
