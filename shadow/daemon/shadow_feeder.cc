// The shadow's writer thread: subscriber driver -> MirrorStore -> watch hub.
#include "shadow/daemon/shadow_feeder.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <cstdio>

#include "shadekv/bus/codec.h"

namespace shadekv::shadow {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.shadow"); }

int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Versions physically deleted per writer-loop turn while a compaction is
// pending: small, so applying events never waits long behind it.
constexpr size_t kCompactStepVersions = 2000;

}  // namespace

std::string FormatSyncProgress(int64_t applied, int64_t latest, uint64_t bytes,
                               std::chrono::milliseconds elapsed, bool resuming) {
  char line[200];
  int percent = latest > 0 ? static_cast<int>(applied * 100 / latest) : 0;
  std::snprintf(line, sizeof(line), "%s: revision %lld/%lld (%d%%), %.1f MiB received, %.1f s",
                resuming ? "catching up" : "initial sync", static_cast<long long>(applied),
                static_cast<long long>(latest), percent,
                static_cast<double>(bytes) / (1024.0 * 1024.0),
                static_cast<double>(elapsed.count()) / 1000.0);
  return line;
}

ShadowFeeder::ShadowFeeder(mirror::MirrorStore* mirror, watch::WatchHub* hub,
                           ShadowFeederOptions options)
    : mirror_(mirror), hub_(hub), options_(std::move(options)), consumer_(mirror) {
  stats_.compact_revision = mirror_->Store()->CompactRevision();
}

ShadowFeeder::~ShadowFeeder() { Stop(); }

Result<std::unique_ptr<bus::Subscriber>> ShadowFeeder::NewDriver() {
  bus::SubscriberOptions options;
  options.publishers = options_.publishers;
  options.curve = options_.curve;
  options.applied_revision = mirror_->AppliedRevision();
  return bus::Subscriber::Create(options, this);
}

void ShadowFeeder::LoadLeaderTimes() {
  // Revisions applied as events carry their EVENT body as annotation; those
  // that came inside a snapshot carry the primary's envelope instead and
  // are skipped (their time is unknown here).
  auto store = mirror_->Store();
  const int64_t current = store->CurrentRevision();
  const bool all = options_.retention.kind == RetentionPolicy::Kind::kDuration;
  int64_t from = all ? std::max<int64_t>(store->CompactRevision() - 1, 0) : current - 1;
  int64_t newest = 0;
  while (from < current) {
    Result<std::vector<store::ChangeEvent>> batch = store->Changes(from, current, 1000);
    if (!batch.ok() || batch->empty()) break;
    for (const store::ChangeEvent& e : *batch) {
      Result<bus::ChangeEvent> event = bus::DecodeEvent(e.annotation);
      if (event.ok()) {
        leader_times_.Add(e.revision, event->leader_time_ms);
        newest = event->leader_time_ms;
      }
      from = e.revision;
    }
  }
  if (!all) leader_times_.Clear();
  std::lock_guard lock(mu_);
  stats_.newest_leader_time_ms = newest;
}

Status ShadowFeeder::Start() {
  resuming_ = mirror_->AppliedRevision() > 0;
  LoadLeaderTimes();
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<bus::Subscriber> driver, NewDriver());
  {
    std::lock_guard lock(mu_);
    driver_ = std::move(driver);
    stats_.running = true;
  }
  started_ = std::chrono::steady_clock::now();
  next_progress_ = started_ + std::chrono::milliseconds(500);
  Log().information("mirror at revision " + std::to_string(mirror_->AppliedRevision()) +
                    "; subscribing to " + std::to_string(options_.publishers.size()) +
                    " publisher(s)");
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void ShadowFeeder::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

FeederStats ShadowFeeder::Stats() const {
  std::lock_guard lock(mu_);
  FeederStats out = stats_;
  if (driver_ != nullptr) out.subscriber = driver_->Stats();
  return out;
}

Status ShadowFeeder::InstallSnapshot(int64_t revision, std::string_view data) {
  Log().information("installing the primary's snapshot at revision " + std::to_string(revision) +
                    " (" + std::to_string(data.size()) + " bytes)");
  SHADEKV_RETURN_IF_ERROR(consumer_.InstallSnapshot(revision, data));
  // The history before the snapshot is the primary's now; our notes on it go.
  leader_times_.Clear();
  compaction_pending_ = false;
  hub_->OnRevisionJump(mirror_->Store()->CurrentRevision());
  std::lock_guard lock(mu_);
  ++stats_.snapshots_installed;
  stats_.snapshot_bytes = data.size();
  stats_.newest_leader_time_ms = 0;
  stats_.compact_revision = mirror_->Store()->CompactRevision();
  return Status::Ok();
}

Status ShadowFeeder::ApplyEvent(int64_t revision, std::string_view body) {
  // Decoded here as well as in the mirror: the hub wants the changes and
  // retention the leader time; the codec is strict, so both agree.
  Result<bus::ChangeEvent> event = bus::DecodeEvent(body);
  SHADEKV_RETURN_IF_ERROR(consumer_.ApplyEvent(revision, body));
  if (event.ok()) {
    store::ChangeEvent applied;
    applied.revision = event->revision;
    applied.changes = std::move(event->changes);
    applied.annotation = std::string(body);
    hub_->Notify(applied);
    leader_times_.Add(revision, event->leader_time_ms);
  }
  std::lock_guard lock(mu_);
  ++stats_.events_applied;
  stats_.event_bytes += body.size();
  if (event.ok()) stats_.newest_leader_time_ms = event->leader_time_ms;
  return Status::Ok();
}

void ShadowFeeder::MaybeCompact() {
  auto now = std::chrono::steady_clock::now();
  if (compaction_pending_) {
    Result<bool> done = mirror_->CompactStep(kCompactStepVersions);
    if (!done.ok()) {
      Log().warning("retention: compaction step failed: " + done.status().message());
      compaction_pending_ = false;
    } else {
      compaction_pending_ = !*done;
    }
  }
  if (now < next_retention_check_) return;
  next_retention_check_ = now + std::chrono::seconds(1);
  auto store = mirror_->Store();
  int64_t target = RetentionTarget(options_.retention, mirror_->AppliedRevision(),
                                   store->CompactRevision(), leader_times_, WallNowMs());
  if (target == 0) return;
  Status compacted = mirror_->Compact(target);
  if (!compacted.ok()) {
    Log().warning("retention: compaction at revision " + std::to_string(target) +
                  " failed: " + compacted.message());
    return;
  }
  Log().debug("retention: compacted the mirror's history below revision " + std::to_string(target));
  leader_times_.Forget(target);
  compaction_pending_ = true;
  std::lock_guard lock(mu_);
  stats_.compact_revision = target;
}

void ShadowFeeder::MaybeShowProgress() {
  if (synced_once_) return;
  FeederStats s = Stats();
  auto now = std::chrono::steady_clock::now();
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(now - started_);
  uint64_t bytes = s.snapshot_bytes + s.event_bytes;
  if (s.subscriber.up_to_date) {
    synced_once_ = true;
    if (options_.progress_on_tty) std::fputs("\n", stderr);
    Log().information("in sync with the primary at revision " +
                      std::to_string(s.subscriber.applied_revision) + " (" +
                      FormatSyncProgress(s.subscriber.applied_revision,
                                         s.subscriber.latest_revision_seen, bytes, elapsed,
                                         resuming_) +
                      ")");
    return;
  }
  if (now < next_progress_) return;
  std::string line = FormatSyncProgress(
      s.subscriber.applied_revision, s.subscriber.latest_revision_seen, bytes, elapsed, resuming_);
  if (options_.progress_on_tty) {
    std::fprintf(stderr, "\r%s\033[K", line.c_str());
    std::fflush(stderr);
    next_progress_ = now + std::chrono::milliseconds(200);
  } else {
    Log().information(line);
    next_progress_ = now + options_.progress_interval;
  }
}

void ShadowFeeder::Loop() {
  auto backoff = std::chrono::milliseconds(500);
  while (!stop_) {
    bus::Subscriber* driver;
    {
      std::lock_guard lock(mu_);
      driver = driver_.get();
    }
    Status polled = driver != nullptr ? driver->PollOnce(std::chrono::milliseconds(50))
                                      : Status::Unavailable("no subscriber driver");
    if (!polled.ok()) {
      // The driver stops for good on a consumer error; start a new one from
      // what the mirror durably holds, after a pause that grows while the
      // error persists (a diverged mirror needs an operator, not a hot loop).
      Log().error("bus subscriber stopped: " + polled.message() + "; restarting from revision " +
                  std::to_string(mirror_->AppliedRevision()) + " in " +
                  std::to_string(backoff.count()) + " ms");
      {
        std::lock_guard lock(mu_);
        stats_.running = false;
        stats_.last_error = polled.message();
      }
      auto until = std::chrono::steady_clock::now() + backoff;
      while (!stop_ && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
      Result<std::unique_ptr<bus::Subscriber>> fresh = NewDriver();
      std::lock_guard lock(mu_);
      if (fresh.ok()) {
        driver_ = std::move(*fresh);
        stats_.running = true;
        ++stats_.driver_restarts;
      }
      continue;
    }
    MaybeCompact();
    MaybeShowProgress();
  }
}

}  // namespace shadekv::shadow
