// Applying alarm entries and the maintenance calls of the state machine.
// Alarm records live in the store's meta namespace, so they change in the
// same batch as the applied index, travel in snapshots and survive restarts;
// alarms_ is their in-memory copy for the apply path.
#include <Poco/Logger.h>

#include <algorithm>

#include "agent/server/alarm_rules.h"
#include "agent/server/kv_state_machine.h"

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.alarm"); }

std::string Describe(const AlarmMember& a) {
  return std::string("memberID:") + std::to_string(a.member_id) + " alarm:" + AlarmTypeName(a.type);
}

}  // namespace

Result<AppliedEntry> KvStateMachine::ApplyAlarmEntry(uint64_t index, const RaftEntry& entry,
                                                     const AlarmChange& change) {
  AppliedEntry applied;
  applied.origin = entry.origin;
  applied.request_id = entry.request_id;
  const AlarmMember alarm{change.member_id, change.type};
  const bool activate = change.action == AlarmChange::Action::kActivate;
  bool present = false;
  {
    std::lock_guard lock(alarm_mu_);
    present = std::find(alarms_.begin(), alarms_.end(), alarm) != alarms_.end();
  }
  if (!activate && !present) {
    // Nothing to clear: a verdict the proposer turns into an empty answer.
    SHADEKV_RETURN_IF_ERROR(store_->MarkApplied(index));
    applied.result = Status::NotFound("alarm " + Describe(alarm) + " is not active");
    return applied;
  }
  store::WriteRequest request;
  if (activate) {
    request.meta.push_back({AlarmMetaKey(alarm), std::string(AlarmTypeName(alarm.type))});
  } else {
    request.meta.push_back({AlarmMetaKey(alarm), std::nullopt});
  }
  Result<store::ApplyResult> result = store_->Apply(request, index);
  if (!result.ok()) {
    return result.status().WithContext("applying alarm entry " + std::to_string(index));
  }
  {
    std::lock_guard lock(alarm_mu_);
    if (activate && !present) {
      alarms_.push_back(alarm);
      std::sort(alarms_.begin(), alarms_.end(), [](const AlarmMember& a, const AlarmMember& b) {
        return AlarmMetaKey(a) < AlarmMetaKey(b);
      });
    } else if (!activate) {
      alarms_.erase(std::remove(alarms_.begin(), alarms_.end(), alarm), alarms_.end());
    }
  }
  if (activate && !present) {
    Log().warning("alarm raised: " + Describe(alarm) + " (entry " + std::to_string(index) + ")");
  } else if (!activate) {
    Log().information("alarm cleared: " + Describe(alarm) + " (entry " + std::to_string(index) +
                      ")");
  }
  applied.result = std::move(result);
  return applied;
}

Status KvStateMachine::ReloadAlarms() {
  SHADEKV_ASSIGN_OR_RETURN(auto entries, store_->ScanMeta(kAlarmMetaPrefix));
  std::vector<AlarmMember> loaded;
  for (const auto& [key, value] : entries) {
    SHADEKV_ASSIGN_OR_RETURN(AlarmMember alarm, ParseAlarmMetaKey(key));
    loaded.push_back(alarm);
  }
  for (const AlarmMember& a : loaded) Log().warning("alarm active at open: " + Describe(a));
  std::lock_guard lock(alarm_mu_);
  alarms_ = std::move(loaded);
  return Status::Ok();
}

std::vector<AlarmMember> KvStateMachine::Alarms() const {
  std::lock_guard lock(alarm_mu_);
  return alarms_;
}

uint64_t KvStateMachine::LiveBytesEstimate() const {
  std::shared_lock lock(store_mu_);
  return store_->LiveBytesEstimate();
}

Status KvStateMachine::Defragment() {
  std::shared_lock lock(store_mu_);
  // Space freed by a compaction is only reclaimable once its history is
  // deleted; finish that first (CompactStep serializes with the background
  // compactor), bounded so a huge backlog cannot hold the caller forever.
  for (int step = 0; step < 100000; ++step) {
    SHADEKV_ASSIGN_OR_RETURN(bool done, store_->CompactStep(1000));
    if (done) break;
  }
  Status defragmented = store_->Defragment();
  disk_bytes_at_ns_.store(std::numeric_limits<int64_t>::min(), std::memory_order_release);
  return defragmented;
}

}  // namespace shadekv::agent
