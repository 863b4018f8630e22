// Encoding of /v3/shadow/status.
#include "shadow/api/shadow_status.h"

#include "agent/api/json_writer.h"

namespace shadekv::shadow {

int64_t LagMs(int64_t lag_revisions, int64_t newest_leader_time_ms, int64_t now_ms) {
  if (lag_revisions <= 0 || newest_leader_time_ms <= 0) return 0;
  return now_ms > newest_leader_time_ms ? now_ms - newest_leader_time_ms : 0;
}

std::string EncodeShadowStatus(const api::ResponseHeader& header, const ShadowStatus& s) {
  std::string out;
  api::JsonObjectWriter o(out);
  api::AppendHeader(o.Field("header"), header);
  auto number = [&](const char* name, long long v) {
    o.Field(name) += "\"" + std::to_string(v) + "\"";
  };
  api::AppendJsonString(o.Field("name"), s.name);
  number("applied_revision", s.applied_revision);
  number("primary_revision", s.primary_revision);
  number("lag_revisions", s.lag_revisions);
  number("lag_ms", s.lag_ms);
  api::AppendJsonString(o.Field("publisher"), s.publisher);
  number("last_heartbeat_age_ms", s.last_heartbeat_age_ms);
  o.Field("up_to_date") += s.up_to_date ? "true" : "false";
  number("snapshots_installed", static_cast<long long>(s.snapshots_installed));
  number("catchups", static_cast<long long>(s.catchups));
  number("compact_revision", s.compact_revision);
  number("malformed_frames", static_cast<long long>(s.malformed_frames));
  number("failovers", static_cast<long long>(s.failovers));
  o.Field("running") += s.running ? "true" : "false";
  api::AppendJsonString(o.Field("error"), s.error);
  o.Close();
  return out;
}

}  // namespace shadekv::shadow
