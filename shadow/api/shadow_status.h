// /v3/shadow/status: what the shadow knows about its position behind the
// primary, as one JSON object. Pure (values in, bytes out).
//
// Shape (every field always present; 64-bit numbers as JSON strings as in
// etcd's gateway, booleans as booleans):
//   {"header":{"cluster_id":"..","member_id":"..","revision":".."},
//    "name":"shadow",
//    "applied_revision":"N", "primary_revision":"N",
//    "lag_revisions":"N", "lag_ms":"N",
//    "publisher":"tcp://host:port", "last_heartbeat_age_ms":"N",
//    "up_to_date":true, "snapshots_installed":"N", "catchups":"N",
//    "compact_revision":"N", "malformed_frames":"N", "failovers":"N",
//    "running":true, "error":""}
// last_heartbeat_age_ms is "-1" while the active publisher was never heard.
#pragma once

#include <cstdint>
#include <string>

#include "agent/api/etcd_json.h"

namespace shadekv::shadow {

struct ShadowStatus {
  std::string name;
  int64_t applied_revision = 0;
  int64_t primary_revision = 0;  // latest seen in heartbeats
  int64_t lag_revisions = 0;
  int64_t lag_ms = 0;
  std::string publisher;               // the active publisher's PUB endpoint
  int64_t last_heartbeat_age_ms = -1;  // -1: never heard
  bool up_to_date = false;
  uint64_t snapshots_installed = 0;
  uint64_t catchups = 0;
  int64_t compact_revision = 0;
  uint64_t malformed_frames = 0;
  uint64_t failovers = 0;
  bool running = true;  // false while the driver is stopped after an error
  std::string error;    // the last driver error, "" when none
};

// Lag in milliseconds: now - leader time of the newest applied event while
// behind (lag_revisions > 0) and that time is known; 0 otherwise.
int64_t LagMs(int64_t lag_revisions, int64_t newest_leader_time_ms, int64_t now_ms);

std::string EncodeShadowStatus(const api::ResponseHeader& header, const ShadowStatus& s);

}  // namespace shadekv::shadow
