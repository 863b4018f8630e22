// LeaseTable: every lease a member knows, with the keys attached to each, and
// (on the leader) when each expires. Pure logic: no I/O, no clock, no locks;
// the caller passes `now_ms` (a monotonic clock in milliseconds) and guards
// the table (see agent/server/lessor.h).
//
// Two kinds of state, as in etcd's lessor:
//  - Replicated: id, granted TTL, checkpointed remaining TTL, attached keys.
//    Changed only by applied Raft entries (Grant, Remove, Checkpoint,
//    ApplyEvent, Reset), so it is identical on every member.
//  - Leader-local ("primary"): expiry times, checkpoint schedule, revokes in
//    flight. Only the primary tracks time; other members keep every lease
//    alive forever and wait for the leader's LeaseRevoke entries. A new
//    leader Promote()s: each lease gets its (checkpointed remaining, else
//    granted) TTL again, plus the election timeout, so no lease expires early
//    across a failover.
//
// Thread-safety: none.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"

namespace shadekv::lease {

// etcd's MaxLeaseTTL: a longer TTL is "etcdserver: too large lease TTL".
inline constexpr int64_t kMaxLeaseTtlSeconds = 9'000'000'000;
inline constexpr int64_t kForeverMs = std::numeric_limits<int64_t>::max();

// What persists of a lease (the replicated part minus the keys, which the
// keyspace itself records).
struct LeaseRecord {
  int64_t id = 0;
  int64_t ttl = 0;            // granted TTL, seconds
  int64_t remaining_ttl = 0;  // checkpointed remaining TTL, seconds; 0: none

  friend bool operator==(const LeaseRecord&, const LeaseRecord&) = default;
};

struct LeaseTableOptions {
  // etcd's --experimental-lease-checkpoint-interval (5 min), enabled here by
  // default. 0 disables checkpointing. Leases whose remaining TTL exceeds
  // the interval get their remaining TTL checkpointed every interval.
  int64_t checkpoint_interval_ms = 5 * 60 * 1000;
  // How long an expired lease's revoke is left in flight before the leader
  // may propose it again (a proposal can be lost with a leader change).
  int64_t revoke_retry_ms = 3000;
};

struct TimeToLive {
  int64_t ttl = 0;          // remaining seconds (truncated, as etcd prints it)
  int64_t granted_ttl = 0;  // seconds
  std::vector<std::string> keys;
};

class LeaseTable {
 public:
  explicit LeaseTable(LeaseTableOptions options = {}) : options_(options) {}

  // ---- Replicated state (applied entries) ----

  bool Exists(int64_t id) const { return leases_.count(id) != 0; }
  // kFailedPrecondition "etcdserver: lease already exists" for a known id.
  // On the primary the lease expires at now + ttl.
  Status Grant(int64_t id, int64_t ttl, int64_t now_ms);
  // Forgets a lease (its revoke applied). False when unknown.
  bool Remove(int64_t id);
  // Records a checkpointed remaining TTL (0 clears it). Unknown ids: ignored.
  void Checkpoint(int64_t id, int64_t remaining_ttl);
  // Follows one applied revision: a changed key leaves its previous lease
  // and joins its new one. Leases not in the table are ignored.
  void ApplyEvent(const store::ChangeEvent& event);
  // Replaces everything (after open or a snapshot install) with `records` and
  // `attachments` (key, lease id) read from the keyspace; the table is no
  // longer primary.
  void Reset(const std::vector<LeaseRecord>& records,
             const std::vector<std::pair<std::string, int64_t>>& attachments);

  std::optional<LeaseRecord> Record(int64_t id) const;
  // Attached keys in key order; empty for unknown ids.
  std::vector<std::string> Keys(int64_t id) const;
  std::vector<int64_t> Ids() const;  // ascending
  size_t size() const { return leases_.size(); }

  // ---- Leader-local state ----

  bool primary() const { return primary_; }
  // Becomes primary: every lease expires at now + (remaining or granted TTL)
  // + extend_ms; revokes in flight are forgotten.
  void Promote(int64_t now_ms, int64_t extend_ms);
  // Stops tracking time: every lease lives until the next Promote.
  void Demote();

  // Keep-alive: expiry := now + granted TTL. Returns the granted TTL.
  // Errors: kNotFound for an unknown or already expired lease (its revoke is
  // coming), kFailedPrecondition when not primary. `*checkpointed` tells
  // whether a checkpointed remaining TTL must now be cleared through Raft
  // (Checkpoint(id, 0)), else a failover would resurrect the old remaining.
  Result<int64_t> Renew(int64_t id, int64_t now_ms, bool* checkpointed);

  // Primary only (nullopt otherwise or when unknown).
  std::optional<TimeToLive> TimeToLiveOf(int64_t id, int64_t now_ms, bool with_keys) const;

  // Leases expired at now_ms whose revoke is not in flight, at most `max`,
  // earliest expiry first; each is marked in flight until now +
  // revoke_retry_ms. Empty unless primary.
  std::vector<int64_t> TakeExpired(int64_t now_ms, size_t max);
  // (id, remaining seconds, rounded up) for leases whose checkpoint is due,
  // at most `max`; each is rescheduled one interval later. Leases whose
  // remaining TTL still equals their granted TTL need none. Empty unless
  // primary or with checkpointing off.
  std::vector<std::pair<int64_t, int64_t>> TakeDueCheckpoints(int64_t now_ms, size_t max);

  // Expiry of a lease on the primary (kForeverMs otherwise); for tests.
  int64_t ExpiryMs(int64_t id) const;

 private:
  struct Lease {
    LeaseRecord record;
    std::set<std::string> keys;
    int64_t expiry_ms = kForeverMs;
    int64_t checkpoint_due_ms = kForeverMs;
    int64_t revoke_retry_ms = 0;  // in flight until then
  };

  void Attach(int64_t id, const std::string& key);
  void Detach(int64_t id, const std::string& key);
  void ScheduleCheckpoint(Lease& lease, int64_t now_ms) const;

  const LeaseTableOptions options_;
  std::map<int64_t, Lease> leases_;
  bool primary_ = false;
};

}  // namespace shadekv::lease
