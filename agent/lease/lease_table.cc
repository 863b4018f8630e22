// The lease table: replicated lease state plus the leader's expiry clock.
#include "agent/lease/lease_table.h"

#include <algorithm>

namespace shadekv::lease {
namespace {

int64_t SecondsToMs(int64_t seconds) { return seconds * 1000; }  // <= 9e12: no overflow

}  // namespace

Status LeaseTable::Grant(int64_t id, int64_t ttl, int64_t now_ms) {
  if (Exists(id)) return Status::FailedPrecondition("etcdserver: lease already exists");
  Lease& lease = leases_[id];
  lease.record = LeaseRecord{id, ttl, 0};
  if (primary_) {
    lease.expiry_ms = now_ms + SecondsToMs(ttl);
    ScheduleCheckpoint(lease, now_ms);
  }
  return Status::Ok();
}

bool LeaseTable::Remove(int64_t id) { return leases_.erase(id) != 0; }

void LeaseTable::Checkpoint(int64_t id, int64_t remaining_ttl) {
  auto it = leases_.find(id);
  if (it == leases_.end()) return;
  // Only the replicated value changes; the primary's expiry already reflects
  // the remaining TTL (it computed it), Promote() applies it elsewhere.
  it->second.record.remaining_ttl = remaining_ttl;
}

void LeaseTable::Attach(int64_t id, const std::string& key) {
  if (id == 0) return;
  auto it = leases_.find(id);
  if (it != leases_.end()) it->second.keys.insert(key);
}

void LeaseTable::Detach(int64_t id, const std::string& key) {
  if (id == 0) return;
  auto it = leases_.find(id);
  if (it != leases_.end()) it->second.keys.erase(key);
}

void LeaseTable::ApplyEvent(const store::ChangeEvent& event) {
  for (const store::KeyChange& change : event.changes) {
    if (change.prev_kv.has_value()) Detach(change.prev_kv->lease, change.prev_kv->key);
    if (change.type == store::KeyChange::Type::kPut) Attach(change.kv.lease, change.kv.key);
  }
}

void LeaseTable::Reset(const std::vector<LeaseRecord>& records,
                       const std::vector<std::pair<std::string, int64_t>>& attachments) {
  leases_.clear();
  primary_ = false;
  for (const LeaseRecord& r : records) leases_[r.id].record = r;
  for (const auto& [key, id] : attachments) Attach(id, key);
}

std::optional<LeaseRecord> LeaseTable::Record(int64_t id) const {
  auto it = leases_.find(id);
  if (it == leases_.end()) return std::nullopt;
  return it->second.record;
}

std::vector<std::string> LeaseTable::Keys(int64_t id) const {
  auto it = leases_.find(id);
  if (it == leases_.end()) return {};
  return {it->second.keys.begin(), it->second.keys.end()};
}

std::vector<int64_t> LeaseTable::Ids() const {
  std::vector<int64_t> ids;
  ids.reserve(leases_.size());
  for (const auto& [id, lease] : leases_) ids.push_back(id);
  return ids;
}

void LeaseTable::ScheduleCheckpoint(Lease& lease, int64_t now_ms) const {
  // Like etcd: only leases that outlive an interval are worth checkpointing.
  const int64_t interval = options_.checkpoint_interval_ms;
  if (interval > 0 && lease.expiry_ms != kForeverMs && lease.expiry_ms - now_ms > interval) {
    lease.checkpoint_due_ms = now_ms + interval;
  } else {
    lease.checkpoint_due_ms = kForeverMs;
  }
}

void LeaseTable::Promote(int64_t now_ms, int64_t extend_ms) {
  primary_ = true;
  for (auto& [id, lease] : leases_) {
    const int64_t ttl =
        lease.record.remaining_ttl > 0 ? lease.record.remaining_ttl : lease.record.ttl;
    lease.expiry_ms = now_ms + SecondsToMs(ttl) + extend_ms;
    lease.revoke_retry_ms = 0;
    ScheduleCheckpoint(lease, now_ms);
  }
}

void LeaseTable::Demote() {
  primary_ = false;
  for (auto& [id, lease] : leases_) {
    lease.expiry_ms = kForeverMs;
    lease.checkpoint_due_ms = kForeverMs;
    lease.revoke_retry_ms = 0;
  }
}

Result<int64_t> LeaseTable::Renew(int64_t id, int64_t now_ms, bool* checkpointed) {
  *checkpointed = false;
  if (!primary_) return Status::FailedPrecondition("lease: not the primary lessor");
  auto it = leases_.find(id);
  if (it == leases_.end() || it->second.expiry_ms <= now_ms) {
    return Status::NotFound("etcdserver: requested lease not found");
  }
  Lease& lease = it->second;
  lease.expiry_ms = now_ms + SecondsToMs(lease.record.ttl);
  *checkpointed = lease.record.remaining_ttl != 0;
  ScheduleCheckpoint(lease, now_ms);
  return lease.record.ttl;
}

std::optional<TimeToLive> LeaseTable::TimeToLiveOf(int64_t id, int64_t now_ms,
                                                   bool with_keys) const {
  auto it = leases_.find(id);
  if (!primary_ || it == leases_.end()) return std::nullopt;
  TimeToLive out;
  // Go's int64(duration.Seconds()) truncates a nanosecond clock: some time
  // always passed since `now_ms` began, hence the -1 (a fresh 10 s lease
  // shows 9, as in etcd). An expired lease awaiting its revoke shows 0.
  out.ttl = std::max<int64_t>(0, (it->second.expiry_ms - now_ms - 1) / 1000);
  out.granted_ttl = it->second.record.ttl;
  if (with_keys) out.keys.assign(it->second.keys.begin(), it->second.keys.end());
  return out;
}

std::vector<int64_t> LeaseTable::TakeExpired(int64_t now_ms, size_t max) {
  std::vector<std::pair<int64_t, int64_t>> expired;  // (expiry, id)
  if (!primary_) return {};
  for (const auto& [id, lease] : leases_) {
    if (lease.expiry_ms <= now_ms && lease.revoke_retry_ms <= now_ms) {
      expired.emplace_back(lease.expiry_ms, id);
    }
  }
  std::sort(expired.begin(), expired.end());
  if (expired.size() > max) expired.resize(max);
  std::vector<int64_t> ids;
  for (const auto& [expiry, id] : expired) {
    leases_[id].revoke_retry_ms = now_ms + options_.revoke_retry_ms;
    ids.push_back(id);
  }
  return ids;
}

std::vector<std::pair<int64_t, int64_t>> LeaseTable::TakeDueCheckpoints(int64_t now_ms,
                                                                        size_t max) {
  std::vector<std::pair<int64_t, int64_t>> due;
  if (!primary_ || options_.checkpoint_interval_ms <= 0) return due;
  for (auto& [id, lease] : leases_) {
    if (due.size() >= max) break;
    if (lease.checkpoint_due_ms > now_ms || lease.expiry_ms <= now_ms) continue;
    const int64_t remaining = (lease.expiry_ms - now_ms + 999) / 1000;
    ScheduleCheckpoint(lease, now_ms);
    if (remaining >= lease.record.ttl) continue;
    due.emplace_back(id, remaining);
  }
  return due;
}

int64_t LeaseTable::ExpiryMs(int64_t id) const {
  auto it = leases_.find(id);
  return it == leases_.end() ? kForeverMs : it->second.expiry_ms;
}

}  // namespace shadekv::lease
