// Member-to-member HTTP over Poco, with every Poco exception turned into a
// Status at this edge.
#include "agent/api/member_http.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include <charconv>
#include <memory>
#include <mutex>

#include "agent/api/json_value.h"
#include "agent/api/tls_session.h"

namespace shadekv::api {
namespace {

std::mutex member_tls_mu;
Poco::Net::Context::Ptr member_tls;  // guarded by member_tls_mu

Poco::Net::Context::Ptr MemberTls() {
  std::lock_guard lock(member_tls_mu);
  return member_tls;
}

// An int64/uint64 field, sent as a JSON string (etcd) or a number; 0 when
// absent or not a number.
template <typename Int>
Int IntField(const JsonValue* object, std::string_view name) {
  if (object == nullptr) return 0;
  const JsonValue* v = object->Find(name);
  if (v == nullptr) return 0;
  std::string_view digits =
      v->kind == JsonValue::Kind::kString ? std::string_view(v->text) : v->raw;
  Int out = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return out;
}

}  // namespace

void SetMemberClientTls(Poco::Net::Context::Ptr client_context) {
  std::lock_guard lock(member_tls_mu);
  member_tls = std::move(client_context);
}

Result<MemberReply> PostToMember(const std::string& base_url, const std::string& path,
                                 const std::string& body, std::chrono::milliseconds timeout,
                                 const std::vector<std::pair<std::string, std::string>>& headers) {
  try {
    Poco::URI uri(base_url);
    Poco::Net::Context::Ptr tls;
    if (uri.getScheme() == "https") {
      tls = MemberTls();
      if (tls.isNull()) {
        return Status::Unavailable("the member URL " + base_url +
                                   " is https but this member has no TLS settings "
                                   "(--cert-file, --key-file, --trusted-ca-file)");
      }
    }
    std::unique_ptr<Poco::Net::HTTPClientSession> owned =
        tls::NewHttpClientSession(uri.getHost(), uri.getPort(), tls);
    Poco::Net::HTTPClientSession& session = *owned;
    session.setTimeout(
        Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    MemberReply reply;
    reply.status = static_cast<int>(response.getStatus());
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("POST " + path + " to " + base_url + " failed: " + e.displayText());
  } catch (const std::exception& e) {
    return Status::Unavailable("POST " + path + " to " + base_url + " failed: " + e.what());
  }
}

Status ErrorOfReply(const MemberReply& reply, const std::string& who) {
  Result<JsonValue> json = ParseWholeJson(reply.body);
  if (json.ok() && json->kind == JsonValue::Kind::kObject) {
    const JsonValue* code = json->Find("code");
    const JsonValue* message = json->Find("message");
    if (code != nullptr && message != nullptr && code->kind == JsonValue::Kind::kNumber &&
        message->kind == JsonValue::Kind::kString) {
      int number = 0;
      std::from_chars(code->raw.data(), code->raw.data() + code->raw.size(), number);
      if (number > 0 && number <= 16) return Status(static_cast<StatusCode>(number), message->text);
    }
  }
  return Status::Unavailable(who + " answered HTTP " + std::to_string(reply.status));
}

Result<RemoteHash> FetchHashKv(const std::string& base_url, int64_t revision,
                               std::chrono::milliseconds timeout, const std::string& token) {
  const std::string body =
      revision == 0 ? "{}" : "{\"revision\":\"" + std::to_string(revision) + "\"}";
  SHADEKV_ASSIGN_OR_RETURN(
      MemberReply reply,
      PostToMember(base_url, "/v3/maintenance/hashkv", body, timeout,
                   token.empty() ? std::vector<std::pair<std::string, std::string>>{}
                                 : std::vector<std::pair<std::string, std::string>>{
                                       {"Authorization", token}}));
  if (reply.status != 200) return ErrorOfReply(reply, base_url);
  Result<JsonValue> json = ParseWholeJson(reply.body);
  if (!json.ok() || json->kind != JsonValue::Kind::kObject) {
    return Status::Unavailable("the hashkv answer of " + base_url + " is not a JSON object");
  }
  const JsonValue* header = json->Find("header");
  RemoteHash out;
  out.member_id = IntField<uint64_t>(header, "member_id");
  out.current_revision = IntField<int64_t>(header, "revision");
  out.compact_revision = IntField<int64_t>(&*json, "compact_revision");
  out.hash = IntField<uint32_t>(&*json, "hash");
  if (out.current_revision <= 0) {
    return Status::Unavailable("the hashkv answer of " + base_url + " has no header revision");
  }
  return out;
}

}  // namespace shadekv::api
