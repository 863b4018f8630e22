// Poco HTTP under the gateway client. Poco throws; every exception is caught
// here and becomes a Status naming the endpoint and what went wrong.
#include "agent/ctl/gateway_client.h"

#include <sstream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

#include "agent/ctl/flags.h"
#include "agent/ctl/gateway_post.h"
#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

Result<EndpointAddress> ParseEndpoint(std::string_view endpoint) {
  std::string_view rest = endpoint;
  if (rest.substr(0, 8) == "unixs://" || rest.substr(0, 7) == "unix://") {
    return Status::InvalidArgument("endpoint " + std::string(endpoint) +
                                   ": unix socket endpoints are not supported by shadectl");
  }
  EndpointAddress address;
  if (rest.substr(0, 7) == "http://") {
    rest.remove_prefix(7);
    address.scheme = EndpointAddress::Scheme::kHttp;
  } else if (rest.substr(0, 8) == "https://") {
    rest.remove_prefix(8);
    address.scheme = EndpointAddress::Scheme::kHttps;
  }
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.empty()) return Status::InvalidArgument("empty endpoint");
  size_t colon = rest.rfind(':');
  bool bracketed = !rest.empty() && rest.front() == '[';
  if (colon != std::string_view::npos && (!bracketed || rest[colon - 1] == ']')) {
    Result<uint64_t> port = ParseGoUint64(rest.substr(colon + 1), 10);
    if (!port.ok() || *port == 0 || *port > 65535) {
      return Status::InvalidArgument("endpoint " + std::string(endpoint) + ": bad port");
    }
    address.port = static_cast<uint16_t>(*port);
    rest = rest.substr(0, colon);
  }
  if (bracketed && rest.size() >= 2 && rest.back() == ']') rest = rest.substr(1, rest.size() - 2);
  if (rest.empty())
    return Status::InvalidArgument("endpoint " + std::string(endpoint) + ": no host");
  address.host = std::string(rest);
  return address;
}

GatewayClient::GatewayClient(GatewayOptions options) : options_(std::move(options)) {}

// The gateway's error body {"error","message","code"}; anything else (404
// "Not Found" text for a path the server lacks) is described as HTTP.
Status GatewayErrorFromResponse(const std::string& endpoint, std::string_view path, int http_status,
                                const std::string& reason, const std::string& body) {
  Result<Poco::JSON::Object::Ptr> parsed = ParseJsonObject(body);
  if (parsed.ok() && (*parsed)->has("code")) {
    int64_t code = GetInt64(*parsed, "code");
    std::string message = GetString(*parsed, "message");
    if (message.empty()) message = GetString(*parsed, "error");
    if (code <= 0 || code > 16) code = static_cast<int64_t>(StatusCode::kUnknown);
    return Status(static_cast<StatusCode>(code), message);
  }
  std::string text = body;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  StatusCode code =
      http_status == 404 || http_status == 405 ? StatusCode::kUnimplemented : StatusCode::kUnknown;
  if (code == StatusCode::kUnimplemented) {
    return Status(code, "endpoint " + endpoint + " does not serve " + std::string(path) +
                            " (HTTP " + std::to_string(http_status) + " " + reason + ")");
  }
  return Status(code, "endpoint " + endpoint + " answered " + std::string(path) + " with HTTP " +
                          std::to_string(http_status) + " " + reason +
                          (text.empty() ? "" : " (" + text + ")"));
}

std::string GatewayClient::Token() const {
  return options_.auth == nullptr ? std::string() : options_.auth->Current();
}

bool GatewayClient::RenewAfter(Status* refusal, std::string* token) const {
  // A request sent without a token was not refused for it.
  if (options_.auth == nullptr || token->empty() || !IsInvalidAuthToken(*refusal)) return false;
  Result<std::string> renewed = options_.auth->Renew(*token);
  if (!renewed.ok()) {
    *refusal = renewed.status().WithContext("logging in again after the token expired");
    return false;
  }
  *token = std::move(renewed).value();
  return true;
}

Result<Poco::JSON::Object::Ptr> GatewayClient::Attempt(const std::string& endpoint,
                                                       std::string_view path,
                                                       const std::string& body,
                                                       const std::string& token,
                                                       bool* connected) const {
  *connected = false;
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<Poco::Net::HTTPClientSession> owned,
                           NewPostSession(endpoint, options_, options_.command_timeout));
  Poco::Net::HTTPClientSession& session = *owned;
  SHADEKV_RETURN_IF_ERROR(SendPost(session, endpoint, token, path, body, connected));
  Poco::Net::HTTPResponse response;
  std::string text;
  try {
    std::istream& in = session.receiveResponse(response);
    Poco::StreamCopier::copyToString(in, text);
  } catch (const Poco::TimeoutException&) {
    return Status::DeadlineExceeded("context deadline exceeded");
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("reading the answer of " + endpoint + " failed: " + e.displayText());
  }
  if (response.getStatus() != Poco::Net::HTTPResponse::HTTP_OK) {
    return GatewayErrorFromResponse(endpoint, path, static_cast<int>(response.getStatus()),
                                    response.getReason(), text);
  }
  Result<Poco::JSON::Object::Ptr> parsed = ParseJsonObject(text);
  if (!parsed.ok()) {
    return Status::Internal("endpoint " + endpoint + " sent a bad answer to " + std::string(path) +
                            ": " + parsed.status().message());
  }
  return parsed;
}

Result<Poco::JSON::Object::Ptr> GatewayClient::Call(std::string_view path,
                                                    const Poco::JSON::Object::Ptr& body) const {
  const std::string text = Stringify(body);
  std::string token = Token();
  Result<Poco::JSON::Object::Ptr> result = CallAnyEndpoint(path, text, token);
  if (result.ok()) return result;
  // A refused request changed nothing, so sending it again is safe.
  Status refusal = result.status();
  if (!RenewAfter(&refusal, &token)) return refusal;
  return CallAnyEndpoint(path, text, token);
}

Result<Poco::JSON::Object::Ptr> GatewayClient::CallAnyEndpoint(std::string_view path,
                                                               const std::string& text,
                                                               const std::string& token) const {
  std::vector<std::string> failures;
  for (const std::string& endpoint : options_.endpoints) {
    bool connected = false;
    Result<Poco::JSON::Object::Ptr> result = Attempt(endpoint, path, text, token, &connected);
    if (result.ok() || connected) return result;
    if (result.status().code() == StatusCode::kInvalidArgument) return result.status();
    failures.push_back(result.status().message());
  }
  std::string endpoints;
  for (const std::string& e : options_.endpoints) endpoints += (endpoints.empty() ? "" : ",") + e;
  std::string reasons;
  for (const std::string& f : failures) reasons += (reasons.empty() ? "" : "; ") + f;
  return Status::DeadlineExceeded(
      "context deadline exceeded: could not connect to any of the endpoints [" + endpoints + "] (" +
      reasons +
      "); check that the server is running and that --endpoints lists its "
      "client URLs");
}

Result<Poco::JSON::Object::Ptr> GatewayClient::CallEndpoint(
    const std::string& endpoint, std::string_view path, const Poco::JSON::Object::Ptr& body) const {
  const std::string text = Stringify(body);
  std::string token = Token();
  bool connected = false;
  Result<Poco::JSON::Object::Ptr> result = Attempt(endpoint, path, text, token, &connected);
  if (result.ok()) return result;
  Status refusal = result.status();
  if (!RenewAfter(&refusal, &token)) return refusal;
  return Attempt(endpoint, path, text, token, &connected);
}

}  // namespace shadekv::ctl
