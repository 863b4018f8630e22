// Follower-to-leader forwarding of lease keep-alives and time-to-live.
#include "agent/api/lease_forward.h"

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "agent/api/go_base64.h"
#include "agent/api/json_value.h"
#include "agent/api/member_http.h"

namespace shadekv::api {
namespace {

using Clock = std::chrono::steady_clock;

using ForwardReply = MemberReply;

Result<ForwardReply> Post(const std::string& base_url, const std::string& path,
                          const std::string& body, std::chrono::milliseconds timeout,
                          const std::string& token) {
  std::vector<std::pair<std::string, std::string>> headers = {{kForwardedHeader, "1"}};
  // The caller's token travels with the call so the leader checks the same
  // user the follower saw.
  if (!token.empty()) headers.emplace_back("Authorization", token);
  return PostToMember(base_url, path, body, timeout, headers);
}

// The error a leader answered, as a Status (the body is etcd's error shape).
Status ErrorOf(const ForwardReply& reply) { return ErrorOfReply(reply, "the leader"); }

int64_t Int64Field(const JsonValue* object, std::string_view name) {
  if (object == nullptr) return 0;
  const JsonValue* v = object->Find(name);
  if (v == nullptr) return 0;
  try {
    return std::stoll(v->kind == JsonValue::Kind::kString ? v->text : std::string(v->raw));
  } catch (const std::exception&) {
    return 0;
  }
}

bool Retryable(const Status& s) { return s.code() == StatusCode::kUnavailable; }

// Runs `local` on the leader, or `remote(leader_url)` from a follower,
// retrying unavailable answers until the deadline.
template <typename T, typename Local, typename Remote>
Result<T> OnLeader(agent::Member& member, bool forwarded, std::chrono::milliseconds deadline,
                   Local local, Remote remote) {
  const auto until = Clock::now() + deadline;
  while (true) {
    Result<T> result = Status::Unavailable("etcdserver: no leader");
    if (forwarded || member.IsLeader()) {
      result = local();
      // A forwarded request is answered here or not at all: never twice.
      if (forwarded) return result;
    } else if (std::optional<std::string> url = member.LeaderClientUrl()) {
      result = remote(*url);
    }
    if (result.ok() || !Retryable(result.status())) return result;
    if (Clock::now() + std::chrono::milliseconds(100) > until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // etcd's answer when no leader could be reached.
  return Status::Unavailable("etcdserver: no leader");
}

}  // namespace

Result<int64_t> RenewOnLeader(agent::Member& member, int64_t id, bool forwarded,
                              std::chrono::milliseconds deadline, const std::string& token) {
  return OnLeader<int64_t>(
      member, forwarded, deadline, [&] { return member.LeaseRenew(id); },
      [&](const std::string& url) -> Result<int64_t> {
        SHADEKV_ASSIGN_OR_RETURN(ForwardReply reply,
                                 Post(url, "/v3/lease/keepalive",
                                      "{\"ID\":\"" + std::to_string(id) + "\"}", deadline, token));
        if (reply.status != 200) return ErrorOf(reply);
        Result<DecodedBody> json = DecodeFirstJsonValue(reply.body);
        if (!json.ok() || !json->found) {
          return Status::Unavailable("the leader's keep-alive answer is not JSON");
        }
        const int64_t ttl = Int64Field(json->value.Find("result"), "TTL");
        if (ttl <= 0) return Status::NotFound("etcdserver: requested lease not found");
        return ttl;
      });
}

Result<std::optional<lease::TimeToLive>> TimeToLiveOnLeader(agent::Member& member, int64_t id,
                                                            bool with_keys, bool forwarded,
                                                            std::chrono::milliseconds deadline,
                                                            const std::string& token) {
  using Answer = std::optional<lease::TimeToLive>;
  return OnLeader<Answer>(
      member, forwarded, deadline, [&] { return member.LeaseTimeToLive(id, with_keys); },
      [&](const std::string& url) -> Result<Answer> {
        std::string body = "{\"ID\":\"" + std::to_string(id) + "\"";
        if (with_keys) body += ",\"keys\":true";
        body += "}";
        SHADEKV_ASSIGN_OR_RETURN(ForwardReply reply,
                                 Post(url, "/v3/lease/timetolive", body, deadline, token));
        if (reply.status != 200) return ErrorOf(reply);
        SHADEKV_ASSIGN_OR_RETURN(JsonValue json, ParseWholeJson(reply.body));
        const int64_t ttl = Int64Field(&json, "TTL");
        if (ttl < 0) return Answer();
        lease::TimeToLive answer;
        answer.ttl = ttl;
        answer.granted_ttl = Int64Field(&json, "grantedTTL");
        if (const JsonValue* keys = json.Find("keys"); keys != nullptr) {
          for (const JsonValue& key : keys->items) {
            SHADEKV_ASSIGN_OR_RETURN(std::string raw, DecodeGoBase64(key.text));
            answer.keys.push_back(std::move(raw));
          }
        }
        return Answer(std::move(answer));
      });
}

}  // namespace shadekv::api
