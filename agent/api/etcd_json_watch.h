// The watch stream's codec (POST /v3/watch): one request value in, response
// lines out, as etcd 3.4's gateway reads and writes them. Pure functions.
//
// Requests follow etcd_json.h's decoding rules (jsonpb). A WatchRequest is a
// oneof: {"create_request":{..}}, {"cancel_request":{"watch_id":N}} or
// {"progress_request":{}}; when several are given the first in proto order
// wins; none (`{}`, `null`, unknown fields only) is a request that does
// nothing, as etcd ignores it. filters take "NOPUT"/"NODELETE" or numbers;
// unknown numbers are ignored like etcd does.
//
// Responses are {"result":{WatchResponse}} with the fields in proto order
// (header, watch_id, created, canceled, compact_revision, cancel_reason,
// fragment, events) and zero values left out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "agent/api/etcd_json.h"
#include "agent/watch/watch_types.h"
#include "shadekv/common/status.h"

namespace shadekv::api {

struct WatchRequest {
  enum class Kind { kNone, kCreate, kCancel, kProgress };
  Kind kind = Kind::kNone;
  watch::WatchCreate create;    // kCreate
  int64_t cancel_watch_id = 0;  // kCancel
};

// One value of the request stream (a whole JSON value's text). Errors: those
// of etcd_json.h (bad JSON, bad base64, wrong types), kInvalidArgument.
Result<WatchRequest> ParseWatchRequest(std::string_view value);

// The response as one line (no newline).
std::string EncodeWatchResponse(const ResponseHeader& header, const watch::WatchResponse& r);

// The lines to send for `r`: one, or, when r.fragment is set, the response
// is larger than max_bytes and holds more than one event, several with
// "fragment":true on all but the last, each as large as fits (at least one
// event), as etcd's sendFragments does. etcd measures the protobuf size;
// this measures the JSON line, which is larger, so fragments come sooner.
std::vector<std::string> EncodeWatchResponseLines(const ResponseHeader& header,
                                                  const watch::WatchResponse& r, size_t max_bytes);

}  // namespace shadekv::api
