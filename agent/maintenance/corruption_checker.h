// Corruption checks between members, like etcd's
// --experimental-initial-corrupt-check and --experimental-corrupt-check-time:
//
// - Initial check (InitialCheck), before this member serves clients: its
//   hashkv at its current revision against every peer's at the same
//   revision. Any comparable mismatch is an error (etcd refuses to start).
//   Peers that cannot answer (down, not serving yet, behind, compacted past
//   the revision) are skipped with a warning, as in etcd.
// - Periodic check (Start): on the leader only, every interval: ask each
//   peer its current revision, take the lowest common one, and compare
//   hashkv there. On a mismatch the members holding the minority hash are
//   reported to `on_corruption` and logged.
//
// Hashes are comparable only when both the revision and the compact revision
// match (etcd's rule between members).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/maintenance/hash_comparison.h"
#include "shadekv/common/status.h"

namespace Poco {
class Logger;
}

namespace shadekv::maintenance {

struct PeerEndpoint {
  uint64_t id = 0;
  std::string name;
  std::string client_url;  // the first advertised client URL
};

// A peer's hashkv answer (api::FetchHashKv's, without the HTTP).
struct PeerHashAnswer {
  uint64_t member_id = 0;
  int64_t current_revision = 0;
  int64_t compact_revision = 0;
  uint32_t hash = 0;
};

// What the checks need from the member and the network. Called on the
// checking thread.
struct CorruptionCheckHooks {
  uint64_t self_id = 0;
  std::string self_name;
  std::function<int64_t()> current_revision;
  // This member's hash at `revision` (HashReport::member_id/name ignored).
  std::function<Result<HashReport>(int64_t revision)> local_hash;
  // Every other member that has published a client URL.
  std::function<Result<std::vector<PeerEndpoint>>()> peers;
  std::function<bool()> is_leader;
  // hashkv at `revision` (0: current) from a peer's client URL.
  std::function<Result<PeerHashAnswer>(const std::string& client_url, int64_t revision)> fetch;
};

// Called for each member found corrupt (the minority hash), with the
// revision compared and the log line's detail. On the checker's thread.
using CorruptionCallback =
    std::function<void(uint64_t member_id, int64_t revision, const std::string& detail)>;

// Counters for GET /metrics; shared with the metrics renderer.
struct CorruptionCheckStats {
  std::atomic<uint64_t> checks{0};    // comparisons that ran (at least one peer answered)
  std::atomic<uint64_t> detected{0};  // comparisons that found a mismatch
  // Prometheus text for both counters.
  void AppendPrometheus(std::string* out) const;
};

// Runs the start-up check. OK when consistent or when no peer could be
// compared (each skipped peer is logged as a warning); kDataLoss naming the
// revision, both members and both hashes on a mismatch.
Status InitialCorruptionCheck(const CorruptionCheckHooks& hooks, Poco::Logger& log);

// One leader-side check at the lowest common revision. Returns the verdict
// (consistent when nothing could be compared); calls `on_corruption` for each
// suspect. Not the leader: consistent, nothing asked.
HashVerdict PeriodicCorruptionCheckOnce(const CorruptionCheckHooks& hooks,
                                        const CorruptionCallback& on_corruption,
                                        CorruptionCheckStats* stats, Poco::Logger& log);

// The periodic check's thread.
class CorruptionChecker {
 public:
  // Null when `interval` is zero. `log` and `stats` must outlive the checker.
  static std::unique_ptr<CorruptionChecker> Start(std::chrono::milliseconds interval,
                                                  CorruptionCheckHooks hooks,
                                                  CorruptionCallback on_corruption,
                                                  CorruptionCheckStats* stats, Poco::Logger& log);
  void Stop();  // idempotent; joins; the destructor calls it
  ~CorruptionChecker();

 private:
  CorruptionChecker(CorruptionCheckHooks hooks, CorruptionCallback on_corruption,
                    CorruptionCheckStats* stats, Poco::Logger& log)
      : hooks_(std::move(hooks)),
        on_corruption_(std::move(on_corruption)),
        stats_(stats),
        log_(log) {}
  void Run(std::chrono::milliseconds interval);

  const CorruptionCheckHooks hooks_;
  const CorruptionCallback on_corruption_;
  CorruptionCheckStats* const stats_;
  Poco::Logger& log_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace shadekv::maintenance
