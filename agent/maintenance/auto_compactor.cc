// The thread around the compaction policies: timing, leadership and the
// Compact call; the decisions are the policies'.
#include "agent/maintenance/auto_compactor.h"

#include <Poco/Logger.h>

#include "agent/maintenance/compaction_policy.h"

namespace shadekv::maintenance {
namespace {

bool AlreadyCompacted(const Status& s) {
  return s.message().find("required revision has been compacted") != std::string::npos;
}

}  // namespace

std::unique_ptr<AutoCompactor> AutoCompactor::Start(const MaintenanceConfig& config,
                                                    AutoCompactorHooks hooks, Poco::Logger& log) {
  if (config.auto_compaction == AutoCompactionMode::kOff) return nullptr;
  std::unique_ptr<AutoCompactor> c(new AutoCompactor(std::move(hooks), log));
  AutoCompactor* self = c.get();
  if (config.auto_compaction == AutoCompactionMode::kPeriodic) {
    const auto period = config.compaction_period;
    log.information("auto compaction: periodic, keeping " + std::to_string(period.count()) +
                    " ms of history");
    c->thread_ = std::thread([self, period] { self->RunPeriodic(period); });
  } else {
    const int64_t retention = config.compaction_revisions;
    const auto interval = config.revision_mode_interval;
    log.information("auto compaction: revision, keeping " + std::to_string(retention) +
                    " revisions, checked every " + std::to_string(interval.count()) + " ms");
    c->thread_ =
        std::thread([self, retention, interval] { self->RunRevision(retention, interval); });
  }
  return c;
}

void AutoCompactor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

AutoCompactor::~AutoCompactor() { Stop(); }

uint64_t AutoCompactor::completed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return completed_;
}

bool AutoCompactor::Sleep(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, d, [this] { return stopping_; });
}

bool AutoCompactor::TryCompact(int64_t revision, const char* mode) {
  log_.information(std::string("starting auto ") + mode + " compaction at revision " +
                   std::to_string(revision));
  Status s = hooks_.compact(revision);
  if (s.ok() || AlreadyCompacted(s)) {
    log_.information(std::string("completed auto ") + mode + " compaction at revision " +
                     std::to_string(revision) + (s.ok() ? "" : " (already compacted)"));
    std::lock_guard<std::mutex> lock(mu_);
    ++completed_;
    return true;
  }
  log_.warning(std::string("failed auto ") + mode + " compaction at revision " +
               std::to_string(revision) + ": " + s.message() + "; retrying later");
  return false;
}

void AutoCompactor::RunPeriodic(std::chrono::milliseconds period) {
  PeriodicCompactionPolicy policy(period, PolicyClock::now(), hooks_.current_revision());
  while (Sleep(policy.poll_interval())) {
    std::optional<int64_t> due =
        policy.Poll(PolicyClock::now(), hooks_.current_revision(), hooks_.is_leader());
    if (due && TryCompact(*due, "periodic")) policy.OnCompacted(PolicyClock::now());
  }
}

void AutoCompactor::RunRevision(int64_t retention, std::chrono::milliseconds interval) {
  RevisionCompactionPolicy policy(retention, interval);
  while (Sleep(policy.poll_interval())) {
    std::optional<int64_t> due = policy.Poll(hooks_.current_revision(), hooks_.is_leader());
    if (due && TryCompact(*due, "revision")) policy.OnCompacted(*due);
  }
}

}  // namespace shadekv::maintenance
