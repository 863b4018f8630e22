// GatewayClient::Stream: one POST whose chunked answer is read line by line.
// Cancellation shuts the socket down (never closes it) so a read blocked in
// another thread returns at once without racing on the file descriptor.
#include <istream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

#include "agent/api/tls_session.h"
#include "agent/ctl/gateway_client.h"
#include "agent/ctl/gateway_post.h"
#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

namespace {

// grpc-gateway's stream error: {"error":{"grpc_code":N,"http_code":N,
// "message":"...","http_status":"..."}}.
Status StreamError(const Poco::JSON::Object::Ptr& error) {
  int64_t code = GetInt64(error, "grpc_code");
  if (code == 0) code = GetInt64(error, "code");
  if (code <= 0 || code > 16) code = static_cast<int64_t>(StatusCode::kUnknown);
  std::string message = GetString(error, "message");
  if (message.empty()) message = "the server ended the stream with an error";
  return Status(static_cast<StatusCode>(code), message);
}

Status CancelledBy(CancelToken* cancel) {
  std::string reason = cancel->reason();
  return Status::Cancelled(reason.empty() ? "canceled" : reason);
}

}  // namespace

Status GatewayClient::StreamFrom(const std::string& endpoint, std::string_view path,
                                 const std::string& body, const std::string& token,
                                 std::chrono::nanoseconds receive_timeout, CancelToken* cancel,
                                 const StreamHandler& on_result, bool* connected) const {
  *connected = false;
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<Poco::Net::HTTPClientSession> owned,
                           NewPostSession(endpoint, options_, receive_timeout));
  Poco::Net::HTTPClientSession& session = *owned;
  if (cancel != nullptr && cancel->stopped()) return CancelledBy(cancel);
  SHADEKV_RETURN_IF_ERROR(SendPost(session, endpoint, token, path, body, connected));
  // From here on the socket exists: a Stop() from another thread wakes the read.
  // TCP-level, never TLS-level: the reading thread owns the TLS state.
  ScopedCancelHook hook(cancel, [&session] { tls::ShutdownConnection(session.socket()); });
  Poco::Net::HTTPResponse response;
  try {
    std::istream& in = session.receiveResponse(response);
    if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
      std::string text;
      Poco::StreamCopier::copyToString(in, text);
      return GatewayErrorFromResponse(endpoint, path, static_cast<int>(response.getStatus()),
                                      response.getReason(), text);
    }
    std::string line;
    while (std::getline(in, line)) {
      if (cancel != nullptr && cancel->stopped()) return CancelledBy(cancel);
      if (line.empty() || line == "\r") continue;
      Result<Poco::JSON::Object::Ptr> message = ParseJsonObject(line);
      if (!message.ok()) {
        return Status::Internal("endpoint " + endpoint + " sent a bad stream message on " +
                                std::string(path) + ": " + message.status().message());
      }
      if (Poco::JSON::Object::Ptr error = GetObject(*message, "error")) return StreamError(error);
      if ((*message)->has("error")) {
        return Status(StatusCode::kUnknown, GetString(*message, "error"));
      }
      Poco::JSON::Object::Ptr result = GetObject(*message, "result");
      if (!result) continue;  // neither result nor error: nothing to deliver
      if (!on_result(result)) return Status::Ok();
    }
  } catch (const Poco::TimeoutException&) {
    if (cancel != nullptr && cancel->stopped()) return CancelledBy(cancel);
    return Status::DeadlineExceeded("context deadline exceeded");
  } catch (const Poco::Exception& e) {
    if (cancel != nullptr && cancel->stopped()) return CancelledBy(cancel);
    return Status::Unavailable("stream from " + endpoint + " broke: " + e.displayText());
  }
  if (cancel != nullptr && cancel->stopped()) return CancelledBy(cancel);
  return Status::Ok();
}

Status GatewayClient::Stream(std::string_view path, const std::string& body,
                             std::chrono::nanoseconds receive_timeout, CancelToken* cancel,
                             const StreamHandler& on_result) const {
  std::string token = Token();
  bool delivered = false;
  const StreamHandler noting = [&](const Poco::JSON::Object::Ptr& result) {
    delivered = true;
    return on_result(result);
  };
  Status status = StreamAnyEndpoint(path, body, receive_timeout, cancel, noting, token);
  // Opened again only when refused before any result: a stream that already
  // delivered would deliver those results twice.
  if (status.ok() || delivered || !RenewAfter(&status, &token)) return status;
  return StreamAnyEndpoint(path, body, receive_timeout, cancel, on_result, token);
}

Status GatewayClient::StreamAnyEndpoint(std::string_view path, const std::string& body,
                                        std::chrono::nanoseconds receive_timeout,
                                        CancelToken* cancel, const StreamHandler& on_result,
                                        const std::string& token) const {
  std::string reasons;
  for (const std::string& endpoint : options_.endpoints) {
    bool connected = false;
    Status status =
        StreamFrom(endpoint, path, body, token, receive_timeout, cancel, on_result, &connected);
    if (status.ok() || connected || status.code() == StatusCode::kInvalidArgument ||
        status.code() == StatusCode::kCancelled) {
      return status;
    }
    reasons += (reasons.empty() ? "" : "; ") + status.message();
  }
  return Status::Unavailable("could not connect to any of the endpoints (" + reasons +
                             "); check that the server is running and that --endpoints lists "
                             "its client URLs");
}

}  // namespace shadekv::ctl
