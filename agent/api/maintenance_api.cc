// Alarm and defragment routes of the etcd gateway.
#include "agent/api/maintenance_api.h"

#include <Poco/Logger.h>

#include <utility>
#include <vector>

#include "agent/api/etcd_json.h"
#include "agent/api/member_header.h"

namespace shadekv::api {
namespace {

using AlarmList = std::vector<std::pair<uint64_t, AlarmRequest::Type>>;

AlarmList ToApi(const std::vector<agent::AlarmMember>& alarms) {
  AlarmList out;
  for (const agent::AlarmMember& a : alarms) {
    out.emplace_back(a.member_id, static_cast<AlarmRequest::Type>(a.type));
  }
  return out;
}

Result<AlarmList> RunAlarm(agent::Member& member, const AlarmRequest& r) {
  const auto type = static_cast<agent::AlarmType>(r.alarm);
  switch (r.action) {
    case AlarmRequest::Action::kGet: {
      // Linearizable like etcd's (which routes GET through Raft).
      SHADEKV_RETURN_IF_ERROR(member.LinearizableBarrier());
      SHADEKV_ASSIGN_OR_RETURN(std::vector<agent::AlarmMember> alarms, member.Alarms());
      return ToApi(alarms);
    }
    case AlarmRequest::Action::kActivate:
      if (r.alarm != AlarmRequest::Type::kNoSpace && r.alarm != AlarmRequest::Type::kCorrupt) {
        return Status::InvalidArgument("etcdserver: alarm type " +
                                       std::to_string(static_cast<int>(r.alarm)) +
                                       " cannot be activated (use NOSPACE or CORRUPT)");
      }
      SHADEKV_RETURN_IF_ERROR(member.ActivateAlarm(r.member_id, type));
      return AlarmList{{r.member_id, r.alarm}};
    case AlarmRequest::Action::kDeactivate: {
      // Nothing of another type can be active: etcd answers {} too.
      if (r.alarm != AlarmRequest::Type::kNoSpace && r.alarm != AlarmRequest::Type::kCorrupt) {
        return AlarmList{};
      }
      SHADEKV_ASSIGN_OR_RETURN(std::vector<agent::AlarmMember> cleared,
                               member.DeactivateAlarm(r.member_id, type));
      return ToApi(cleared);
    }
  }
  return Status::InvalidArgument("etcdserver: unknown alarm action " +
                                 std::to_string(static_cast<int>(r.action)));
}

}  // namespace

HttpReply ServeAlarm(agent::Member& member, const std::string& body) {
  Result<AlarmRequest> request = ParseAlarmRequest(body);
  if (!request.ok()) return ErrorReply(request.status());
  Result<AlarmList> alarms = RunAlarm(member, *request);
  if (!alarms.ok()) return ErrorReply(alarms.status());
  return {200, EncodeAlarmResponse(ResponseHeader{}, *alarms)};
}

HttpReply ServeDefragment(agent::Member& member, const std::string& body) {
  // The request has no fields; parse it like status so malformed JSON gets
  // the same error.
  Result<StatusRequest> request = ParseStatusRequest(body);
  if (!request.ok()) return ErrorReply(request.status());
  Result<agent::DefragResult> done = member.Defragment();
  if (!done.ok()) return ErrorReply(done.status());
  return {200, "{}"};
}

std::optional<HttpReply> AlarmHealthReply(agent::Member& member) {
  Result<std::vector<agent::AlarmMember>> alarms = member.Alarms();
  if (!alarms.ok() || alarms->empty()) return std::nullopt;
  for (const agent::AlarmMember& a : *alarms) {
    Poco::Logger::get("shadekv.api")
        .warning(std::string("/health error due to an alarm memberID:") +
                 std::to_string(a.member_id) + " alarm:" + agent::AlarmTypeName(a.type));
  }
  return HttpReply{503, "{\"health\":\"false\"}", "text/plain; charset=utf-8"};
}

}  // namespace shadekv::api
