// The automatic compaction loop: a thread that polls the configured policy
// (compaction_policy.h) on its interval and, when this member leads and a
// compaction is due, proposes it through the member's normal Compact path.
// "mvcc: required revision has been compacted" (someone compacted further
// meanwhile) counts as done, as in etcd.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "agent/maintenance/maintenance_flags.h"
#include "shadekv/common/status.h"

namespace Poco {
class Logger;
}

namespace shadekv::maintenance {

// What the loop needs from the member; each is called on the loop's thread
// and must be safe there.
struct AutoCompactorHooks {
  std::function<int64_t()> current_revision;
  std::function<bool()> is_leader;
  // Proposes a compaction at `revision` and waits for it to apply.
  std::function<Status(int64_t revision)> compact;
};

class AutoCompactor {
 public:
  // Starts the loop; returns null when `config` has auto compaction off.
  // `log` must outlive the compactor.
  static std::unique_ptr<AutoCompactor> Start(const MaintenanceConfig& config,
                                              AutoCompactorHooks hooks, Poco::Logger& log);
  // Stops and joins the loop (a compaction in flight finishes first).
  // Idempotent; the destructor calls it.
  void Stop();
  ~AutoCompactor();

  // Compactions this member proposed that succeeded (or were already done).
  uint64_t completed() const;

 private:
  AutoCompactor(AutoCompactorHooks hooks, Poco::Logger& log)
      : hooks_(std::move(hooks)), log_(log) {}
  void RunPeriodic(std::chrono::milliseconds period);
  void RunRevision(int64_t retention, std::chrono::milliseconds interval);
  // Waits `d` unless stopped; false once stopped.
  bool Sleep(std::chrono::milliseconds d);
  // True when the compaction is done (or was already).
  bool TryCompact(int64_t revision, const char* mode);

  const AutoCompactorHooks hooks_;
  Poco::Logger& log_;
  std::thread thread_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;   // guarded by mu_
  uint64_t completed_ = 0;  // guarded by mu_
};

}  // namespace shadekv::maintenance
