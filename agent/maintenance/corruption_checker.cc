// Fetching hashes from peers for the start-up and periodic corruption checks;
// the comparison itself is hash_comparison's.
#include "agent/maintenance/corruption_checker.h"

#include <Poco/Logger.h>

#include <algorithm>

namespace shadekv::maintenance {
namespace {

std::string PeerName(const PeerEndpoint& p) {
  return (p.name.empty() ? MemberIdHex(p.id) : p.name) + " (" + p.client_url + ")";
}

HashReport LocalReport(const CorruptionCheckHooks& hooks, HashReport r) {
  r.member_id = hooks.self_id;
  r.name = hooks.self_name;
  return r;
}

HashReport PeerReport(const PeerEndpoint& p, int64_t revision, const PeerHashAnswer& a) {
  HashReport r;
  r.member_id = a.member_id != 0 ? a.member_id : p.id;
  r.name = p.name.empty() ? p.client_url : p.name;
  r.revision = revision;
  r.compact_revision = a.compact_revision;
  r.hash = a.hash;
  return r;
}

// Asks every peer for its hash at `revision`; peers that cannot answer are
// logged (at `level`: warnings at start-up, debug later) and left out.
std::vector<HashReport> FetchPeerReports(const CorruptionCheckHooks& hooks,
                                         const std::vector<PeerEndpoint>& peers, int64_t revision,
                                         Poco::Logger& log, bool warn) {
  std::vector<HashReport> reports;
  for (const PeerEndpoint& p : peers) {
    Result<PeerHashAnswer> answer = hooks.fetch(p.client_url, revision);
    if (!answer.ok()) {
      const std::string line = "corruption check: cannot fetch the hash of peer " + PeerName(p) +
                               " at revision " + std::to_string(revision) + ": " +
                               answer.status().message() + "; skipping it";
      if (warn) {
        log.warning(line);
      } else {
        log.debug(line);
      }
      continue;
    }
    reports.push_back(PeerReport(p, revision, *answer));
  }
  return reports;
}

}  // namespace

void CorruptionCheckStats::AppendPrometheus(std::string* out) const {
  *out +=
      "# HELP shadekv_corruption_checks_total Hash comparisons between members that ran.\n"
      "# TYPE shadekv_corruption_checks_total counter\n"
      "shadekv_corruption_checks_total " +
      std::to_string(checks.load()) +
      "\n"
      "# HELP shadekv_corruption_detected_total Hash comparisons that found a member with a "
      "different keyspace.\n"
      "# TYPE shadekv_corruption_detected_total counter\n"
      "shadekv_corruption_detected_total " +
      std::to_string(detected.load()) + "\n";
}

Status InitialCorruptionCheck(const CorruptionCheckHooks& hooks, Poco::Logger& log) {
  Result<std::vector<PeerEndpoint>> peers = hooks.peers();
  if (!peers.ok()) {
    log.warning("initial corruption check skipped: cannot list the members: " +
                peers.status().message());
    return Status::Ok();
  }
  const int64_t revision = hooks.current_revision();
  Result<HashReport> local = hooks.local_hash(revision);
  if (!local.ok()) {
    // Our own store cannot hash its current revision: that is damage too.
    return Status::DataLoss("initial corruption check: member " + hooks.self_name +
                            " cannot hash its keyspace at revision " + std::to_string(revision) +
                            ": " + local.status().message());
  }
  std::vector<HashReport> reports = FetchPeerReports(hooks, *peers, revision, log, true);
  if (reports.empty()) {
    log.information("initial corruption check: no peer could be compared at revision " +
                    std::to_string(revision));
    return Status::Ok();
  }
  reports.push_back(LocalReport(hooks, *local));
  HashVerdict verdict = CompareHashes(reports, hooks.self_id, true);
  for (uint64_t id : verdict.skipped) {
    if (id != hooks.self_id) {
      log.warning("initial corruption check: member " + MemberIdHex(id) +
                  " has another compact revision; its hash is not comparable");
    }
  }
  if (!verdict.consistent) {
    return Status::DataLoss(
        "initial corruption check: found data inconsistency with peers: " + verdict.detail +
        ". Remove and re-add the corrupt member, or restore "
        "from a snapshot (README: corruption checks)");
  }
  log.information("initial corruption check passed at revision " + std::to_string(revision) +
                  " against " + std::to_string(reports.size() - 1) + " peer(s)");
  return Status::Ok();
}

HashVerdict PeriodicCorruptionCheckOnce(const CorruptionCheckHooks& hooks,
                                        const CorruptionCallback& on_corruption,
                                        CorruptionCheckStats* stats, Poco::Logger& log) {
  if (!hooks.is_leader()) return {};
  Result<std::vector<PeerEndpoint>> peers = hooks.peers();
  if (!peers.ok() || peers->empty()) return {};
  // Each peer's current revision; the lowest one (ours included) is held by
  // everyone.
  int64_t common = hooks.current_revision();
  std::vector<PeerEndpoint> answering;
  for (const PeerEndpoint& p : *peers) {
    Result<PeerHashAnswer> now = hooks.fetch(p.client_url, 0);
    if (!now.ok()) {
      log.debug("corruption check: peer " + PeerName(p) +
                " did not answer: " + now.status().message());
      continue;
    }
    common = std::min(common, now->current_revision);
    answering.push_back(p);
  }
  if (answering.empty()) return {};
  Result<HashReport> local = hooks.local_hash(common);
  if (!local.ok()) {
    log.debug("corruption check: no local hash at revision " + std::to_string(common) + ": " +
              local.status().message());
    return {};
  }
  std::vector<HashReport> reports = FetchPeerReports(hooks, answering, common, log, false);
  if (reports.empty()) return {};
  reports.push_back(LocalReport(hooks, *local));
  HashVerdict verdict = CompareHashes(reports, hooks.self_id, true);
  if (stats != nullptr) ++stats->checks;
  if (verdict.consistent) return verdict;
  if (stats != nullptr) ++stats->detected;
  for (uint64_t id : verdict.suspects) {
    log.error("corruption detected: member " + MemberIdHex(id) + " at revision " +
              std::to_string(common) + ": " + verdict.detail);
    if (on_corruption) on_corruption(id, common, verdict.detail);
  }
  return verdict;
}

std::unique_ptr<CorruptionChecker> CorruptionChecker::Start(std::chrono::milliseconds interval,
                                                            CorruptionCheckHooks hooks,
                                                            CorruptionCallback on_corruption,
                                                            CorruptionCheckStats* stats,
                                                            Poco::Logger& log) {
  if (interval.count() <= 0) return nullptr;
  std::unique_ptr<CorruptionChecker> c(
      new CorruptionChecker(std::move(hooks), std::move(on_corruption), stats, log));
  log.information("periodic corruption check every " + std::to_string(interval.count()) +
                  " ms (on the leader)");
  CorruptionChecker* self = c.get();
  c->thread_ = std::thread([self, interval] { self->Run(interval); });
  return c;
}

void CorruptionChecker::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

CorruptionChecker::~CorruptionChecker() { Stop(); }

void CorruptionChecker::Run(std::chrono::milliseconds interval) {
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (cv_.wait_for(lock, interval, [this] { return stopping_; })) return;
    }
    PeriodicCorruptionCheckOnce(hooks_, on_corruption_, stats_, log_);
  }
}

}  // namespace shadekv::maintenance
