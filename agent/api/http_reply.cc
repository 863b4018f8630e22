// Whole HTTP replies and error replies of the etcd gateway.
#include "agent/api/http_reply.h"

#include <ostream>

#include "agent/api/etcd_errors.h"

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

void SendWhole(Poco::Net::HTTPServerResponse& response, const HttpReply& reply) {
  auto status = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.http_status);
  response.setStatusAndReason(status, Poco::Net::HTTPResponse::getReasonForStatus(status));
  response.setContentType(reply.content_type);
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  response.send() << reply.body;
}

}  // namespace shadekv::api
