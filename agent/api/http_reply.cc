// Whole HTTP replies and error replies of the etcd gateway.
#include "agent/api/http_reply.h"

#include <istream>
#include <ostream>

#include "agent/api/etcd_errors.h"
#include "agent/api/http_connection.h"

namespace shadekv::api {

HttpReply ErrorReply(const Status& status) {
  HttpReply reply{HttpStatusForCode(status.code()), EncodeErrorBody(status)};
  reply.error_code = status.code();
  reply.error_message = status.message();
  return reply;
}

HttpReply BadStreamRequestReply(const Status& parse_error) {
  return ErrorReply(Status(StatusCode::kUnknown, parse_error.message()));
}

Status ReadRequestBody(Poco::Net::HTTPServerRequest& request, size_t max_request_bytes,
                       std::string* body) {
  const size_t limit = max_request_bytes * 2 + (64 << 10);
  if (request.hasContentLength() && request.getContentLength64() > 0 &&
      static_cast<uint64_t>(request.getContentLength64()) > limit) {
    return Status::InvalidArgument("etcdserver: request is too large");
  }
  if (!request.hasContentLength() && !request.getChunkedTransferEncoding()) return Status::Ok();
  std::istream& in = request.stream();
  char buffer[16384];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    body->append(buffer, static_cast<size_t>(in.gcount()));
    if (body->size() > limit) return Status::InvalidArgument("etcdserver: request is too large");
  }
  return Status::Ok();
}

void SendWhole(Poco::Net::HTTPServerResponse& response, const HttpReply& reply) {
  auto status = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.http_status);
  response.setStatusAndReason(status, Poco::Net::HTTPResponse::getReasonForStatus(status));
  response.setContentType(reply.content_type);
  if (auto* whole = dynamic_cast<WholeReplyResponse*>(&response)) {
    whole->SendWhole(reply.body);  // one send (http_connection.h)
    return;
  }
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  response.send() << reply.body;
}

}  // namespace shadekv::api
