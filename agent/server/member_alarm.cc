// Alarms, the backend quota and defragmentation of one member. Alarm changes
// go through Raft (entry op kAlarm) so every member holds the same list; the
// quota is checked before proposing, against this member's own store size,
// as etcd's quotaKVServer does.
#include <Poco/Logger.h>

#include <algorithm>

#include "agent/server/alarm_rules.h"
#include "agent/server/member.h"

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.quota"); }

Status CheckAlarmType(AlarmType type) {
  if (type == AlarmType::kNoSpace || type == AlarmType::kCorrupt) return Status::Ok();
  return Status::InvalidArgument("etcdserver: alarm type " +
                                 std::to_string(static_cast<int>(type)) +
                                 " cannot be raised or cleared (use NOSPACE or CORRUPT)");
}

}  // namespace

uint64_t Member::QuotaBackendBytes() const {
  return EffectiveQuotaBytes(options_.quota_backend_bytes);
}

Status Member::CheckQuota(uint64_t cost) {
  const uint64_t quota = QuotaBackendBytes();
  // The files' size, write-ahead log included: it grows with every applied
  // write, while the table files LevelDB compacts into lag behind. Measured
  // at most 100 ms ago (KvStateMachine::RecentDiskBytes).
  const uint64_t size = state_machine_->RecentDiskBytes();
  if (FitsQuota(size, cost, quota)) return Status::Ok();
  std::vector<AlarmMember> active = state_machine_->Alarms();
  const AlarmMember mine{id_, AlarmType::kNoSpace};
  if (std::find(active.begin(), active.end(), mine) == active.end()) {
    Log().warning("store size " + std::to_string(size) + " bytes reached the quota of " +
                  std::to_string(quota) + " bytes: raising NOSPACE");
    Status raised = ActivateAlarm(id_, AlarmType::kNoSpace);
    if (!raised.ok()) Log().error("could not raise NOSPACE: " + raised.ToString());
  }
  return NoSpaceError();
}

Status Member::ActivateAlarm(uint64_t member_id, AlarmType type) {
  SHADEKV_RETURN_IF_ERROR(CheckAlarmType(type));
  AlarmChange change{AlarmChange::Action::kActivate, member_id, type};
  return ProposeAndWait(change, RequestOrigin{}).status();
}

Result<std::vector<AlarmMember>> Member::DeactivateAlarm(uint64_t member_id, AlarmType type) {
  SHADEKV_RETURN_IF_ERROR(CheckAlarmType(type));
  AlarmChange change{AlarmChange::Action::kDeactivate, member_id, type};
  Result<store::ApplyResult> applied = ProposeAndWait(change, RequestOrigin{});
  if (!applied.ok()) {
    // The applier's verdict for an alarm that was not active.
    if (applied.status().code() == StatusCode::kNotFound) return std::vector<AlarmMember>{};
    return applied.status();
  }
  return std::vector<AlarmMember>{{member_id, type}};
}

Result<std::vector<AlarmMember>> Member::Alarms() { return state_machine_->Alarms(); }

Result<DefragResult> Member::Defragment() {
  DefragResult result;
  result.bytes_before = state_machine_->DiskBytes();
  auto started = std::chrono::steady_clock::now();
  SHADEKV_RETURN_IF_ERROR(state_machine_->Defragment());
  result.bytes_after = state_machine_->DiskBytes();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  started)
                .count();
  Log().information("defragmented the store: " + std::to_string(result.bytes_before) + " -> " +
                    std::to_string(result.bytes_after) + " bytes in " + std::to_string(ms) + " ms");
  return result;
}

}  // namespace shadekv::agent
