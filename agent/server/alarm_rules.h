// The pure rules behind alarms and the backend quota: where an alarm lives in
// the store's meta namespace, which entries an active alarm refuses (etcd's
// applierV3Capped for NOSPACE and applierV3Corrupt for CORRUPT), and what a
// request costs against --quota-backend-bytes (etcd's quota.go). No I/O; any
// thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/server/alarm_types.h"
#include "agent/server/entry_codec.h"
#include "shadekv/common/status.h"

namespace shadekv::agent {

// etcd's default quota (2 GiB) and the size above which etcd warns that the
// backend may perform poorly (8 GiB).
inline constexpr uint64_t kDefaultQuotaBackendBytes = uint64_t{2} << 30;
inline constexpr uint64_t kMaxSuggestedQuotaBackendBytes = uint64_t{8} << 30;

// --quota-backend-bytes as etcd reads it: 0 means the default.
inline uint64_t EffectiveQuotaBytes(uint64_t flag) {
  return flag == 0 ? kDefaultQuotaBackendBytes : flag;
}

// Meta key of one alarm: "alarm/<member id, 20 decimal digits>/<type>", so a
// scan of kAlarmMetaPrefix lists alarms in member order. Persisted: never
// change the layout.
inline constexpr char kAlarmMetaPrefix[] = "alarm/";
std::string AlarmMetaKey(const AlarmMember& alarm);
// The alarm a meta key names. kDataLoss for a key this code did not write.
Result<AlarmMember> ParseAlarmMetaKey(std::string_view key);

// etcd's errors while an alarm is active (codes 8 and 15, HTTP 429 and 500).
Status NoSpaceError();
Status CorruptClusterError();

// Whether `op` may be applied while `active` alarms are raised; the verdict
// every member reaches alike. CORRUPT refuses every key write (txns with a
// put or delete included), compaction and lease grant/revoke ("etcdserver:
// corrupt cluster"), not read-only txns (etcd answers those without its
// applier); NOSPACE refuses puts,
// txns containing a put (in any branch, at any depth) and lease grants
// ("etcdserver: mvcc: database space exceeded"), while deletes, compaction,
// revokes and read-only txns still apply, so an operator can free space.
// Alarm changes, member attributes and lease checkpoints always apply.
Status CheckAlarmedWrite(const EntryOp& op, const std::vector<AlarmMember>& active);

// What a request adds to the store, by etcd's estimate: a put costs its key
// and value plus 256 bytes of overhead, a txn the sum of its puts, a lease
// grant 64 bytes. Everything else costs 0.
uint64_t QuotaCost(const EntryOp& op);
// The same for one request, without building an EntryOp (no copy).
uint64_t QuotaCost(const store::PutRequest& put);
uint64_t QuotaCost(const store::TxnRequest& txn);

// etcd's Available(): the request fits when current + cost < quota.
inline bool FitsQuota(uint64_t current_bytes, uint64_t cost, uint64_t quota_bytes) {
  return current_bytes + cost < quota_bytes;
}

}  // namespace shadekv::agent
