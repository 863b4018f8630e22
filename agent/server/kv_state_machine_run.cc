// Applying a run of committed entries: consecutive plain puts share one
// LevelDB write, so a busy member pays one store write per Ready instead of
// one per entry; every other entry goes through Apply alone, in order.
#include <optional>
#include <variant>

#include "agent/server/alarm_rules.h"
#include "agent/server/event_envelope.h"
#include "agent/server/kv_state_machine.h"

namespace shadekv::agent {

Result<std::vector<AppliedEntry>> KvStateMachine::ApplyRun(
    uint64_t first_index, const std::vector<std::string_view>& payloads) {
  std::vector<AppliedEntry> applied;
  applied.reserve(payloads.size());
  std::vector<GroupedPut> group;
  uint64_t group_first = first_index;
  // Only an alarm entry changes the alarms, and it is applied alone: read
  // them again after each entry applied alone.
  std::optional<std::vector<AlarmMember>> alarms;
  for (size_t i = 0; i < payloads.size(); ++i) {
    const uint64_t index = first_index + i;
    // Only a put that neither an alarm nor auth turns into a verdict is
    // grouped. Puts change neither alarms nor auth, so judging a later put
    // before the earlier ones of its group are written gives the same
    // answer as Apply would.
    Result<RaftEntry> entry = DecodeRaftEntry(payloads[i]);
    if (!alarms.has_value()) alarms = Alarms();
    bool groupable = entry.ok() && std::holds_alternative<store::PutRequest>(entry->op) &&
                     CheckAlarmedWrite(entry->op, *alarms).ok() && AuthorizeAtApply(*entry).ok();
    if (groupable) {
      if (group.empty()) group_first = index;
      GroupedPut put;
      put.request.op = std::get<store::PutRequest>(entry->op);
      put.request.annotation = EncodeEventEnvelope(EnvelopeOf(*entry));
      put.request.lease_exists = [this](int64_t id) {
        return lessor_.With([id](lease::LeaseTable& t, int64_t) { return t.Exists(id); });
      };
      put.entry = std::move(entry).value();
      group.push_back(std::move(put));
      continue;
    }
    SHADEKV_RETURN_IF_ERROR(ApplyPutGroup(group_first, group, &applied));
    SHADEKV_ASSIGN_OR_RETURN(AppliedEntry one, Apply(index, payloads[i]));
    applied.push_back(std::move(one));
    alarms.reset();
  }
  SHADEKV_RETURN_IF_ERROR(ApplyPutGroup(group_first, group, &applied));
  return applied;
}

Status KvStateMachine::ApplyPutGroup(uint64_t first_index, std::vector<GroupedPut>& puts,
                                     std::vector<AppliedEntry>* applied) {
  if (puts.empty()) return Status::Ok();
  std::vector<store::WriteRequest> requests;
  requests.reserve(puts.size());
  for (GroupedPut& put : puts) requests.push_back(std::move(put.request));
  Result<std::vector<Result<store::ApplyResult>>> results = [&] {
    std::shared_lock lock(store_mu_);
    return store_->ApplyPuts(requests, first_index);
  }();
  if (!results.ok()) {
    return results.status().WithContext("applying entries " + std::to_string(first_index) + ".." +
                                        std::to_string(first_index + puts.size() - 1));
  }
  // Watchers and leases hear of the changes only now that the store holds
  // them, in index order, as Apply would have told them.
  for (size_t i = 0; i < puts.size(); ++i) {
    AppliedEntry one;
    one.origin = puts[i].entry.origin;
    one.request_id = puts[i].entry.request_id;
    one.result = std::move((*results)[i]);
    if (one.result.ok()) {
      const store::ChangeEvent& event = one.result->event;
      if (event.revision != 0) {
        lessor_.With([&](lease::LeaseTable& t, int64_t) { t.ApplyEvent(event); });
        if (listener_) listener_(event, puts[i].entry);
      }
    }
    applied->push_back(std::move(one));
  }
  puts.clear();
  return Status::Ok();
}

}  // namespace shadekv::agent
