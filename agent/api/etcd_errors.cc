// The gRPC code -> HTTP status table of etcd's gateway and its error body.
#include "agent/api/etcd_errors.h"

#include "agent/api/json_writer.h"

namespace shadekv::api {

int HttpStatusForCode(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kCancelled:
      return 408;
    case StatusCode::kUnknown:
      return 500;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kFailedPrecondition:
      return 412;
    case StatusCode::kAborted:
      return 409;
    case StatusCode::kOutOfRange:
      return 400;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDataLoss:
      return 500;
    case StatusCode::kUnauthenticated:
      return 401;
  }
  return 500;
}

std::string EncodeErrorBody(const Status& status) {
  Status reported = status.ok() ? Status::Unknown("unknown error") : status;
  std::string out;
  JsonObjectWriter w(out);
  AppendJsonString(w.Field("error"), reported.message());
  AppendJsonString(w.Field("message"), reported.message());
  w.Field("code") += std::to_string(static_cast<int>(reported.code()));
  w.Close();
  return out;
}

}  // namespace shadekv::api
