// Lease requests of one member and the leader's lease clock: expiry and
// checkpoints are decided here, on the leader only, and applied through Raft
// (LeaseRevoke, LeaseCheckpoint entries) so every member deletes the same keys
// at the same revision. Keep-alives and time-to-live need the leader's clock
// and are answered by the leader alone, without Raft, like etcd.
#include <Poco/Logger.h>

#include <random>

#include "agent/server/alarm_rules.h"
#include "agent/server/member.h"

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.lease"); }

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// At most this many revokes (and checkpoints) per timer tick, so one tick
// stays short when many leases expire at once; the rest follow next tick.
constexpr size_t kMaxLeaseOpsPerTick = 256;
// How long one tick waits for its proposals: short, so a stopping member is
// not held up; what is not applied by then is retried later.
constexpr std::chrono::milliseconds kTickProposalWait(3000);

}  // namespace

int64_t Member::MinLeaseTtl() const {
  // etcd: minTTL = (3 * electionTicks / 2) heartbeats, rounded up to seconds.
  const int64_t heartbeat_ms = options_.heartbeat_interval.count();
  const int64_t ticks = heartbeat_ms > 0 ? options_.election_timeout.count() / heartbeat_ms : 10;
  const int64_t min_ms = (3 * ticks / 2) * heartbeat_ms;
  return (min_ms + 999) / 1000;
}

bool Member::IsLeader() const { return driver_->Leader() == id_; }

std::optional<std::string> Member::LeaderClientUrl() {
  const uint64_t leader = driver_->Leader();
  if (leader == 0) return std::nullopt;
  Result<std::vector<MemberRecord>> members = Members();
  if (!members.ok()) return std::nullopt;
  for (const MemberRecord& m : *members) {
    if (m.id == leader && !m.client_urls.empty()) return m.client_urls.front();
  }
  return std::nullopt;
}

bool Member::SyncLeaseLeadership() {
  const bool leader = IsLeader();
  // Extending by the election timeout covers the time the old leader may
  // have been unreachable before this one was elected (etcd does the same).
  const int64_t extend_ms = options_.election_timeout.count();
  bool changed = state_machine_->lessor().With([&](lease::LeaseTable& t, int64_t now) {
    if (leader && !t.primary()) {
      t.Promote(now, extend_ms);
      return true;
    }
    if (!leader && t.primary()) {
      t.Demote();
      return true;
    }
    return false;
  });
  if (changed) {
    Log().information(leader ? "leader: lease expiry starts (leases promoted)"
                             : "no longer leader: lease expiry stops (leases demoted)");
  }
  return leader;
}

Result<LeaseGrantResult> Member::LeaseGrant(int64_t id, int64_t ttl, const RequestOrigin& origin) {
  if (ttl > lease::kMaxLeaseTtlSeconds) {
    return Status::OutOfRange("etcdserver: too large lease TTL");
  }
  SHADEKV_RETURN_IF_ERROR(CheckQuota(QuotaCost(EntryOp{agent::LeaseGrant{id, ttl}})));
  // Raised here, not at apply, so the entry carries the TTL every member uses.
  ttl = std::max(ttl, MinLeaseTtl());
  // A leader that has not yet taken up its lease clock does so now, so the
  // new lease starts its TTL at once instead of at the next timer tick.
  SyncLeaseLeadership();
  const bool chosen = id != 0;
  thread_local std::mt19937_64 random(std::random_device{}() ^ id_);
  for (int attempt = 0; attempt < 3; ++attempt) {
    // A fresh id is random and positive (etcd's are positive too); a clash
    // with an existing lease is retried, an explicit id is not.
    LeaseGrantResult granted{chosen ? id : static_cast<int64_t>(random() >> 1), ttl};
    if (granted.id == 0) continue;
    Result<store::ApplyResult> applied =
        ProposeAndWait(agent::LeaseGrant{granted.id, granted.ttl}, origin);
    if (applied.ok()) {
      metrics_.Counter("shadekv_lease_granted_total", "Leases granted through this member")
          ->fetch_add(1);
      return granted;
    }
    if (chosen || applied.status().code() != StatusCode::kFailedPrecondition) {
      return applied.status();
    }
  }
  return Status::Unavailable("etcdserver: could not pick a free lease id, try again");
}

Result<int64_t> Member::LeaseRevoke(int64_t id, const RequestOrigin& origin) {
  Result<store::ApplyResult> applied = ProposeAndWait(agent::LeaseRevoke{id}, origin);
  if (!applied.ok()) return applied.status();
  metrics_.Counter("shadekv_lease_revoked_total", "Leases revoked by clients through this member")
      ->fetch_add(1);
  if (const auto* r = std::get_if<store::DeleteRangeResponse>(&applied->response)) {
    return r->revision;
  }
  return state_machine_->CurrentRevision();
}

Result<int64_t> Member::LeaseRenew(int64_t id) {
  if (!SyncLeaseLeadership()) return NotLeaderError();
  bool checkpointed = false;
  Result<int64_t> ttl = state_machine_->lessor().With(
      [&](lease::LeaseTable& t, int64_t now) { return t.Renew(id, now, &checkpointed); });
  if (!ttl.ok()) {
    if (ttl.status().code() == StatusCode::kFailedPrecondition) return NotLeaderError();
    return ttl.status();
  }
  metrics_.Counter("shadekv_lease_keepalives_total", "Lease keep-alives answered by this leader")
      ->fetch_add(1);
  if (checkpointed) {
    // The replicated remaining TTL is stale now; a failover before it is
    // cleared would give the lease less than the TTL just promised (etcd
    // 3.5's fix). Cleared through Raft before the client hears "renewed".
    Result<store::ApplyResult> cleared =
        ProposeAndWait(LeaseCheckpoint{{{id, 0}}}, RequestOrigin{});
    if (!cleared.ok()) return cleared.status();
  }
  return ttl;
}

Result<std::optional<lease::TimeToLive>> Member::LeaseTimeToLive(int64_t id, bool with_keys) {
  if (!SyncLeaseLeadership()) return NotLeaderError();
  return state_machine_->lessor().With(
      [&](lease::LeaseTable& t, int64_t now) { return t.TimeToLiveOf(id, now, with_keys); });
}

std::vector<int64_t> Member::LeaseIds() {
  return state_machine_->lessor().With([](lease::LeaseTable& t, int64_t) { return t.Ids(); });
}

std::vector<Result<store::ApplyResult>> Member::ProposeAll(std::vector<EntryOp> ops,
                                                           std::chrono::milliseconds timeout) {
  std::vector<std::pair<uint64_t, std::future<Result<store::ApplyResult>>>> pending;
  for (EntryOp& op : ops) {
    RaftEntry entry;
    entry.request_id = driver_->NextRequestId();
    entry.origin = id_;
    entry.leader_time_ms = WallMs();
    entry.op = std::move(op);
    pending.emplace_back(entry.request_id,
                         driver_->Propose(entry.request_id, EncodeRaftEntry(entry)));
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<Result<store::ApplyResult>> results;
  for (auto& [request_id, future] : pending) {
    if (future.wait_until(deadline) != std::future_status::ready) {
      driver_->Abandon(request_id);
      results.push_back(Status::Unavailable("etcdserver: request timed out"));
    } else {
      results.push_back(future.get());
    }
  }
  return results;
}

void Member::RunLeaseTimer() {
  auto* expired_total =
      metrics_.Counter("shadekv_lease_expired_total", "Leases revoked by this leader on expiry");
  auto* checkpoints_total = metrics_.Counter("shadekv_lease_checkpoints_total",
                                             "Lease checkpoint entries proposed by this leader");
  while (true) {
    {
      std::unique_lock<std::mutex> lock(stop_mu_);
      if (stop_cv_.wait_for(lock, options_.lease_tick, [&] { return stopping_.load(); })) return;
    }
    if (!SyncLeaseLeadership()) continue;
    std::vector<int64_t> expired = state_machine_->lessor().With(
        [](lease::LeaseTable& t, int64_t now) { return t.TakeExpired(now, kMaxLeaseOpsPerTick); });
    if (!expired.empty()) {
      std::vector<EntryOp> revokes;
      for (int64_t id : expired) revokes.push_back(agent::LeaseRevoke{id});
      // A revoke not applied in time stays marked in flight until the
      // table's retry time, then is proposed again; applying twice is a no-op.
      std::vector<Result<store::ApplyResult>> results =
          ProposeAll(std::move(revokes), kTickProposalWait);
      for (size_t i = 0; i < results.size(); ++i) {
        if (results[i].ok()) {
          expired_total->fetch_add(1);
          Log().information("lease " + std::to_string(expired[i]) + " expired and was revoked");
        } else if (results[i].status().code() != StatusCode::kNotFound) {
          Log().warning("revoking expired lease " + std::to_string(expired[i]) +
                        " failed (will retry): " + results[i].status().ToString());
        }
      }
    }
    std::vector<std::pair<int64_t, int64_t>> due =
        state_machine_->lessor().With([](lease::LeaseTable& t, int64_t now) {
          return t.TakeDueCheckpoints(now, kMaxLeaseOpsPerTick);
        });
    if (!due.empty()) {
      LeaseCheckpoint checkpoint;
      for (const auto& [id, remaining] : due) checkpoint.checkpoints.push_back({id, remaining});
      std::vector<EntryOp> ops;
      ops.push_back(std::move(checkpoint));
      // A lost checkpoint is harmless: the next one is due an interval later.
      if (ProposeAll(std::move(ops), kTickProposalWait).front().ok()) {
        checkpoints_total->fetch_add(1);
      }
    }
  }
}

}  // namespace shadekv::agent
