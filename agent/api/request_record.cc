#include "agent/api/request_record.h"

#include <charconv>
#include <string_view>

#include "agent/api/etcd_json.h"

namespace shadekv::api {
namespace {

// "/v3beta/x" is etcd's older name for "/v3/x": records use one name.
std::string Operation(const std::string& path) {
  constexpr std::string_view kBeta = "/v3beta/";
  if (path.rfind(kBeta, 0) == 0) return "/v3/" + path.substr(kBeta.size());
  return path;
}

// The key range a KV request names; other requests name none. A body that
// does not parse names none (the reply already says why it was refused).
void NamedRange(const std::string& operation, const std::string& body, std::string* key,
                std::string* range_end) {
  if (operation == "/v3/kv/range") {
    Result<store::RangeRequest> r = ParseRangeRequest(body);
    if (r.ok()) *key = r->key, *range_end = r->range_end;
  } else if (operation == "/v3/kv/put") {
    Result<store::PutRequest> r = ParsePutRequest(body);
    if (r.ok()) *key = r->key;
  } else if (operation == "/v3/kv/deleterange") {
    Result<store::DeleteRangeRequest> r = ParseDeleteRangeRequest(body);
    if (r.ok()) *key = r->key, *range_end = r->range_end;
  }
}

// The revision in a served reply's header ({"header":{...,"revision":"N"}}),
// which comes first in every body we encode; 0 when there is none.
int64_t HeaderRevision(const std::string& body) {
  constexpr std::string_view kField = "\"revision\":\"";
  size_t at = body.find(kField);
  if (at == std::string::npos) return 0;
  const char* begin = body.data() + at + kField.size();
  int64_t revision = 0;
  auto [end, ec] = std::from_chars(begin, body.data() + body.size(), revision);
  if (ec != std::errc() || end == begin || revision < 0) return 0;
  return revision;
}

bus::RequestOutcome OutcomeOf(const std::string& operation, const HttpReply& reply) {
  // A stream answers 200 and may still carry a refusal (a denied watch).
  if (reply.http_status == 200 && reply.error_code == StatusCode::kOk) {
    return bus::RequestOutcome::kOk;
  }
  if (reply.error_code == StatusCode::kPermissionDenied ||
      reply.error_code == StatusCode::kUnauthenticated) {
    return bus::RequestOutcome::kDenied;
  }
  // etcd refuses a request without a token while auth is on with code 3;
  // it is a denial all the same (on /v3/auth/user/add it names a bad request).
  if (reply.error_message == "etcdserver: user name is empty" &&
      operation.rfind("/v3/auth/", 0) != 0) {
    return bus::RequestOutcome::kDenied;
  }
  // A wrong password (code 3 in etcd) is a denied login: what the hunt
  // plugin's password-guessing rule counts.
  if (operation == "/v3/auth/authenticate" &&
      (reply.error_message == "etcdserver: authentication failed, invalid user ID or password" ||
       reply.error_message ==
           "auth: authentication failed, password was given for no password user")) {
    return bus::RequestOutcome::kDenied;
  }
  return bus::RequestOutcome::kFailed;
}

}  // namespace

bus::RequestRecord MakeRequestRecord(const RequestFacts& facts, const HttpReply& reply) {
  bus::RequestRecord record;
  record.time_ms = facts.time_ms;
  record.member_id = facts.member_id;
  record.request_id = facts.request_id;
  record.user = facts.user;
  record.client_address = facts.client_address;
  record.operation = Operation(facts.path);
  NamedRange(record.operation, facts.body, &record.key, &record.range_end);
  record.outcome = OutcomeOf(record.operation, reply);
  if (record.outcome == bus::RequestOutcome::kOk) {
    record.revision = HeaderRevision(reply.body);
  } else {
    // A refusal without an error body (404 for an unknown path, 405) still
    // gets a code: the one its HTTP status stands for.
    record.code = static_cast<uint64_t>(
        reply.error_code != StatusCode::kOk
            ? reply.error_code
            : (reply.http_status == 404 ? StatusCode::kNotFound : StatusCode::kUnknown));
    record.message = !reply.error_message.empty() ? reply.error_message : reply.body;
    while (!record.message.empty() && record.message.back() == '\n') record.message.pop_back();
  }
  return record;
}

}  // namespace shadekv::api
