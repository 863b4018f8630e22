// Whole (non-streaming) HTTP replies of the etcd gateway, and how an error
// Status becomes one. Shared by the KV, lease and watch handlers so that the
// error body, status line and headers are written one way.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <string>

#include "shadekv/common/status.h"

namespace shadekv::api {

struct HttpReply {
  int http_status = 200;
  std::string body;
  std::string content_type = "application/json";
  // Set by ErrorReply: the status behind an error body, so request records
  // (plugins' on_request) name it without parsing the body back.
  StatusCode error_code = StatusCode::kOk;
  std::string error_message = std::string();
};

// etcd's JSON error body for `status`, with the HTTP status its code maps to
// (HttpStatusForCode). The message is kept as it is.
HttpReply ErrorReply(const Status& status);

// The reply to a malformed first value on a streaming endpoint (watch, lease
// keepalive): etcd's gateway answers those with code 2 (Unknown), HTTP 500,
// whatever the parser's own code.
HttpReply BadStreamRequestReply(const Status& parse_error);

// Reads a unary request's whole body into `body`. Base64 makes a body up to
// 4/3 of the request, so anything beyond twice `max_request_bytes` (plus
// slack) is refused before it is read into memory, with etcd's "request is
// too large". A request with neither a length nor chunked encoding has no
// body (HTTP/1.1; Poco would otherwise read until the client closes).
// Throws what Poco throws when the client is gone.
Status ReadRequestBody(Poco::Net::HTTPServerRequest& request, size_t max_request_bytes,
                       std::string* body);

// Sends `reply` with a Content-Length and the standard reason phrase. Throws
// what Poco throws when the client is gone (callers sit at the HTTP edge).
void SendWhole(Poco::Net::HTTPServerResponse& response, const HttpReply& reply);

}  // namespace shadekv::api
