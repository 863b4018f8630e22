// One message of an etcd v3 JSON-gateway watch stream, reduced to what the
// fan-out benchmark checks: whether the watch was created or canceled, the
// header revision, and the mod_revision of every event in message order.
//
// Pure. Wire shape (etcd 3.4; zero values omitted, int64 as JSON strings):
//   {"result":{"header":{...,"revision":"N"},"watch_id":"0","created":true}}
//   {"result":{"header":{...},"events":[{"kv":{"key":..,"mod_revision":"N",..}},
//                                       {"type":"DELETE","kv":{..}}]}}
//   {"result":{"header":{...},"canceled":true,"compact_revision":"N"}}
//   {"error":{"grpc_code":N,"http_code":N,"message":"..."}}   (stream error)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::bench {

struct WatchMessage {
  bool created = false;
  bool canceled = false;
  int64_t watch_id = 0;
  int64_t header_revision = 0;  // 0 when absent
  int64_t compact_revision = 0;
  std::string cancel_reason;
  std::vector<int64_t> event_revisions;  // kv.mod_revision per event, in message order
};

// Parses one NDJSON line. Errors (kInvalidArgument) say what is malformed:
// not JSON, no "result", an event without kv.mod_revision, an int64 field
// that is neither a decimal string nor an integer. A stream error message
// from the server comes back as kUnavailable carrying the server's message.
Result<WatchMessage> ParseWatchMessage(std::string_view line);

}  // namespace shadekv::bench
