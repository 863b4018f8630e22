// How a Status leaves the etcd JSON gateway: the HTTP status for its code and
// the error body. One table, used by every handler.
#pragma once

#include <string>

#include "shadekv/common/status.h"

namespace shadekv::api {

// The HTTP status etcd 3.4.23's gateway (grpc-gateway v1) answers for a gRPC
// code. Observed on Debian's etcd 3.4.23: 2->500, 3->400, 5->404, 9->412,
// 11->400, 16->401. The others follow grpc-gateway v1's HTTPStatusFromCode:
// 0->200, 1->408, 4->504, 6->409, 7->403, 8->429, 10->409, 12->501, 13->500,
// 14->503, 15->500. Anything unknown is 500.
int HttpStatusForCode(StatusCode code);

// The error body, byte-for-byte as etcd writes it:
//   {"error":"<message>","message":"<message>","code":<number>}
// (observed key order: error, message, code). The message is escaped like Go
// (e.g. a backslash becomes \\, '<' becomes \u003c). `status` must not be OK;
// an OK status is reported as code 2 "unknown error" so a caller bug never
// produces a success-looking error body.
std::string EncodeErrorBody(const Status& status);

}  // namespace shadekv::api
