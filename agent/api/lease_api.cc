// Lease endpoint handlers.
#include "agent/api/lease_api.h"

#include <Poco/Exception.h>

#include <chrono>
#include <ostream>
#include <sstream>

#include "agent/api/etcd_errors.h"
#include "agent/api/etcd_json.h"
#include "agent/api/json_stream.h"
#include "agent/api/json_writer.h"
#include "agent/api/lease_forward.h"
#include "agent/api/member_header.h"

namespace shadekv::api {
namespace {

// How long a keep-alive or time-to-live waits for a leader to answer.
constexpr std::chrono::milliseconds kLeaderDeadline(3000);

HttpReply Grant(agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
  Result<LeaseGrantRequest> request = ParseLeaseGrantRequest(body);
  if (!request.ok()) return ErrorReply(request.status());
  Result<agent::LeaseGrantResult> granted = m.LeaseGrant(request->id, request->ttl, o);
  if (!granted.ok()) return ErrorReply(granted.status());
  return {200,
          EncodeLeaseGrantResponse(HeaderOf(m, m.CurrentRevision()), granted->id, granted->ttl)};
}

HttpReply Revoke(agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
  Result<LeaseIdRequest> request = ParseLeaseRevokeRequest(body);
  if (!request.ok()) return ErrorReply(request.status());
  // etcd's checkLeasePuts: WRITE on every key the lease would delete.
  std::vector<std::string> keys = m.state_machine().lessor().With(
      [&](lease::LeaseTable& t, int64_t) -> std::vector<std::string> {
        if (!t.Exists(request->id)) return {};
        return t.Keys(request->id);
      });
  Status allowed = m.AuthSnapshot()->CheckLeaseRevoke(o.user, keys);
  if (!allowed.ok()) return ErrorReply(allowed);
  Result<int64_t> revision = m.LeaseRevoke(request->id, o);
  if (!revision.ok()) return ErrorReply(revision.status());
  return {200, EncodeLeaseRevokeResponse(HeaderOf(m, *revision))};
}

HttpReply TimeToLive(agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
  Result<LeaseTimeToLiveRequest> request = ParseLeaseTimeToLiveRequest(body);
  if (!request.ok()) return ErrorReply(request.status());
  Result<std::optional<lease::TimeToLive>> answer =
      TimeToLiveOnLeader(m, request->id, request->keys, o.forwarded, kLeaderDeadline, o.token);
  if (!answer.ok()) return ErrorReply(answer.status());
  const ResponseHeader header = HeaderOf(m, m.CurrentRevision());
  if (!answer->has_value()) {  // etcd: 200 with TTL -1 for an unknown lease
    return {200, EncodeLeaseTimeToLiveResponse(header, request->id, -1, 0, {})};
  }
  const lease::TimeToLive& t = **answer;
  return {200, EncodeLeaseTimeToLiveResponse(header, request->id, t.ttl, t.granted_ttl, t.keys)};
}

HttpReply Leases(agent::Member& m, const std::string& body) {
  Result<LeaseLeasesRequest> request = ParseLeaseLeasesRequest(body);
  if (!request.ok()) return ErrorReply(request.status());
  return {200, EncodeLeaseLeasesResponse(HeaderOf(m, m.CurrentRevision()), m.LeaseIds())};
}

// One keep-alive answer line: the TTL, or none for an unknown lease.
Result<std::string> KeepAliveMessage(agent::Member& m, int64_t id, bool forwarded,
                                     const std::string& token) {
  Result<int64_t> ttl = RenewOnLeader(m, id, forwarded, kLeaderDeadline, token);
  if (!ttl.ok() && ttl.status().code() != StatusCode::kNotFound) return ttl.status();
  return EncodeLeaseKeepAliveMessage(HeaderOf(m, m.CurrentRevision()), id, ttl.ok() ? *ttl : 0);
}

// The gateway's mid-stream error message (grpc-gateway's shape).
std::string StreamError(const Status& s) {
  const int http = HttpStatusForCode(s.code());
  std::string out = "{\"error\":{\"grpc_code\":" + std::to_string(static_cast<int>(s.code())) +
                    ",\"http_code\":" + std::to_string(http) + ",\"message\":";
  AppendJsonString(out, s.message());
  out += ",\"http_status\":";
  AppendJsonString(out, Poco::Net::HTTPResponse::getReasonForStatus(
                            static_cast<Poco::Net::HTTPResponse::HTTPStatus>(http)));
  out += "}}";
  return out;
}

}  // namespace

bool ServeLeaseRoute(const std::string& route, agent::Member& member, const std::string& body,
                     const agent::RequestOrigin& origin, HttpReply* reply) {
  if (route == "lease/grant") {
    *reply = Grant(member, body, origin);
  } else if (route == "lease/revoke") {
    *reply = Revoke(member, body, origin);
  } else if (route == "lease/timetolive") {
    *reply = TimeToLive(member, body, origin);
  } else if (route == "lease/leases") {
    *reply = Leases(member, body);
  } else {
    return false;
  }
  return true;
}

int ServeLeaseKeepAlive(agent::Member& member, Poco::Net::HTTPServerRequest& request,
                        Poco::Net::HTTPServerResponse& response, size_t max_value_bytes) {
  const bool forwarded = request.has(kForwardedHeader);
  const std::string token = request.get("Authorization", "");
  // HTTP/1.1: neither a length nor chunked encoding means no body.
  const bool has_body = request.hasContentLength() || request.getChunkedTransferEncoding();
  std::istringstream no_body;
  JsonValueStream values(has_body ? request.stream() : no_body, max_value_bytes);
  Result<std::optional<std::string>> first = values.Next();
  if (!first.ok()) {
    const HttpReply error = ErrorReply(first.status());
    SendWhole(response, error);
    return error.http_status;
  }
  if (!first->has_value()) {
    SendWhole(response, HttpReply{200, ""});
    return 200;
  }
  Result<LeaseIdRequest> parsed = ParseLeaseKeepAliveRequest(**first);
  if (!parsed.ok()) {
    const HttpReply error = BadStreamRequestReply(parsed.status());
    SendWhole(response, error);
    return error.http_status;
  }
  if (forwarded) {
    // A leader answering a follower: one request, one plain reply (errors
    // keep their status, so the follower can tell "retry" from "answer").
    Result<std::string> message = KeepAliveMessage(member, parsed->id, true, token);
    if (!message.ok()) {
      const HttpReply error = ErrorReply(message.status());
      SendWhole(response, error);
      return error.http_status;
    }
    SendWhole(response, HttpReply{200, *message + "\n"});
    return 200;
  }
  response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK);
  response.setContentType("application/json");
  response.setChunkedTransferEncoding(true);
  try {
    std::ostream& out = response.send();
    std::optional<LeaseIdRequest> next = *parsed;
    while (next.has_value()) {
      Result<std::string> message = KeepAliveMessage(member, next->id, false, token);
      if (!message.ok()) {
        out << StreamError(message.status()) << "\n";
        out.flush();
        break;
      }
      out << *message << "\n";
      out.flush();
      next.reset();
      Result<std::optional<std::string>> value = values.Next();
      if (!value.ok() || !value->has_value()) break;
      Result<LeaseIdRequest> request_value = ParseLeaseKeepAliveRequest(**value);
      if (request_value.ok()) next = *request_value;  // malformed: the stream ends (etcd)
    }
  } catch (const Poco::Exception&) {
    // The client went away mid-stream: nothing left to answer.
  } catch (const std::ios_base::failure&) {
  }
  return 200;
}

}  // namespace shadekv::api
