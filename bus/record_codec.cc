// MessagePack codec of the two messages that are not part of the Clone
// pattern: REQUEST (a plugin's request-level view) and ALERT (hunt findings
// on PUB). Same body layout and strictness as codec.cc.
#include <utility>

#include "bus/body_codec.h"
#include "shadekv/bus/codec.h"

namespace shadekv::bus {

using namespace internal;  // NOLINT: the body helpers of this component

std::string RequestOutcomeName(RequestOutcome outcome) {
  switch (outcome) {
    case RequestOutcome::kOk:
      return "OK";
    case RequestOutcome::kDenied:
      return "DENIED";
    case RequestOutcome::kFailed:
      return "FAILED";
  }
  return "outcome " + std::to_string(static_cast<uint64_t>(outcome));
}

std::string EncodeRequestRecord(const RequestRecord& record) {
  BodyWriter w(MessageKind::kRequest, 12);
  w.pk().pack_int64(record.time_ms);
  w.pk().pack_uint64(record.member_id);
  w.pk().pack_uint64(record.request_id);
  w.Str(record.user);
  w.Str(record.client_address);
  w.Str(record.operation);
  w.Bin(record.key);
  w.Bin(record.range_end);
  w.pk().pack_uint64(static_cast<uint64_t>(record.outcome));
  w.pk().pack_uint64(record.code);
  w.Str(record.message);
  w.pk().pack_int64(record.revision);
  return w.Done();
}

Result<RequestRecord> DecodeRequestRecord(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kRequest, 12, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kRequest), ReaderLimits(limits));
  RequestRecord record;
  record.time_ms = r.Int(f[0], "time_ms");
  record.member_id = r.Uint(f[1], "member_id");
  record.request_id = r.Uint(f[2], "request_id");
  record.user = r.Str(f[3], "user");
  record.client_address = r.Str(f[4], "client_address");
  record.operation = r.Str(f[5], "operation");
  record.key = r.Bin(f[6], "key");
  record.range_end = r.Bin(f[7], "range_end");
  uint64_t outcome = r.Uint(f[8], "outcome");
  if (!r.failed() && outcome > static_cast<uint64_t>(RequestOutcome::kFailed)) {
    r.Fail("outcome", "unknown outcome " + std::to_string(outcome) + " (0 OK, 1 DENIED, 2 FAILED)");
  }
  record.outcome = static_cast<RequestOutcome>(outcome);
  record.code = r.Uint(f[9], "code");
  record.message = r.Str(f[10], "message");
  record.revision = IntAtLeast(r, f[11], "revision", 0);
  return Finish(r, std::move(record));
}

std::string EncodeAlert(const Alert& alert) {
  BodyWriter w(MessageKind::kAlert, 7);
  w.pk().pack_int64(alert.time_ms);
  w.Str(alert.rule);
  w.Str(alert.rule_type);
  w.Str(alert.severity);
  w.Str(alert.summary);
  w.pk().pack_array(static_cast<uint32_t>(alert.events.size()));
  for (const std::string& event : alert.events) w.Bin(event);
  w.pk().pack_array(static_cast<uint32_t>(alert.requests.size()));
  for (const std::string& request : alert.requests) w.Bin(request);
  return w.Done();
}

Result<Alert> DecodeAlert(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kAlert, 7, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kAlert), ReaderLimits(limits));
  Alert alert;
  alert.time_ms = r.Int(f[0], "time_ms");
  alert.rule = r.Str(f[1], "rule");
  alert.rule_type = r.Str(f[2], "rule_type");
  alert.severity = r.Str(f[3], "severity");
  alert.summary = r.Str(f[4], "summary");
  uint32_t n = 0;
  const msgpack::object* events = r.List(f[5], "events", &n);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    alert.events.push_back(r.Bin(events[i], "events[" + std::to_string(i) + "]"));
  }
  n = 0;
  const msgpack::object* requests = r.List(f[6], "requests", &n);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    alert.requests.push_back(r.Bin(requests[i], "requests[" + std::to_string(i) + "]"));
  }
  return Finish(r, std::move(alert));
}

}  // namespace shadekv::bus
