// Request routing and handlers for the etcd JSON gateway.
#include "agent/api/client_api.h"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/URI.h>

#include <chrono>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <set>
#include <variant>
#include <vector>

#include "agent/api/auth_api.h"
#include "agent/api/etcd_json.h"
#include "agent/api/lease_api.h"
#include "agent/api/lease_forward.h"
#include "agent/api/maintenance_api.h"
#include "agent/api/member_header.h"
#include "agent/api/request_record.h"
#include "agent/api/snapshot_handler.h"
#include "agent/metrics/metrics.h"
#include "store/txn_validation.h"

namespace shadekv::api {
namespace {

constexpr char kServerVersion[] = "3.4.23";  // the etcd API level we implement
constexpr char kClusterVersion[] = "3.4.0";

// ErrorReply for the KV and cluster routes: the store speaks mvcc's own
// words; etcd's server prefixes them.
HttpReply KvErrorReply(const Status& status) {
  if (status.message().rfind("mvcc: ", 0) == 0) {
    return ErrorReply(Status(status.code(), "etcdserver: " + status.message()));
  }
  return ErrorReply(status);
}

using Handler = std::function<HttpReply(agent::Member&, const std::string& body,
                                        const agent::RequestOrigin& origin)>;

Member ToApiMember(const agent::MemberRecord& r) {
  Member m;
  m.id = r.id;
  m.name = r.name;
  m.peer_urls = r.peer_urls;
  m.client_urls = r.client_urls;
  m.is_learner = r.is_learner;
  return m;
}

Result<std::vector<Member>> ApiMembers(agent::Member& m) {
  SHADEKV_ASSIGN_OR_RETURN(std::vector<agent::MemberRecord> records, m.Members());
  std::vector<Member> out;
  for (const agent::MemberRecord& r : records) out.push_back(ToApiMember(r));
  return out;
}

// The lease routes live in lease_api.cc; keepalive streams and is served
// before routing (see handleRequest), its entry here only makes it known.
Handler LeaseRoute(const std::string& route) {
  return [route](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
    HttpReply reply;
    ServeLeaseRoute(route, m, body, o, &reply);
    return reply;
  };
}

// The auth routes live in auth_api.cc.
Handler AuthRoute(const std::string& route) {
  return [route](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
    HttpReply reply;
    ServeAuthRoute(route, m, body, o, &reply);
    return reply;
  };
}

// etcd's maintenance server answers a refused hash with the auth store's own
// error, untranslated: code 2, "auth: ..." (observed on etcd 3.4.23).
Status MaintenanceAdmin(agent::Member& m, const agent::RequestOrigin& o) {
  Status allowed = m.AuthSnapshot()->CheckAdmin(o.user);
  if (allowed.ok()) return allowed;
  std::string message = allowed.message();
  if (message.rfind("etcdserver: ", 0) == 0) message = "auth: " + message.substr(12);
  return Status::Unknown(message);
}

// Parses with `parse`, runs `run`, encodes with `encode`; any error becomes
// etcd's error reply.
template <typename Req, typename Resp>
HttpReply Serve(const std::string& body, Result<Req> (*parse)(std::string_view),
                const std::function<Result<Resp>(const Req&)>& run,
                const std::function<std::string(const Resp&)>& encode) {
  Result<Req> request = parse(body);
  if (!request.ok()) return KvErrorReply(request.status());
  Result<Resp> response = run(*request);
  if (!response.ok()) return KvErrorReply(response.status());
  return {200, encode(*response)};
}

// The KV handlers run etcd's stateless checks (empty key, txn limits and
// duplicate keys) before proposing, as etcd's gRPC layer does: a bad request
// must not consume a Raft index. The applier repeats them for entries that
// arrive from elsewhere.
const std::map<std::string, Handler>& Routes() {
  static const std::map<std::string, Handler> routes = {
      {"kv/range",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<store::RangeRequest, store::RangeResponse>(
             body, &ParseRangeRequest,
             [&](const auto& r) -> Result<store::RangeResponse> {
               SHADEKV_RETURN_IF_ERROR(store::ValidateRange(r));
               SHADEKV_RETURN_IF_ERROR(m.AuthSnapshot()->CheckRange(o.user, r));
               return m.Range(r);
             },
             [&](const auto& r) { return EncodeRangeResponse(HeaderOf(m, r.revision), r); });
       }},
      {"kv/put",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<store::PutRequest, store::PutResponse>(
             body, &ParsePutRequest,
             [&](const auto& r) -> Result<store::PutResponse> {
               SHADEKV_RETURN_IF_ERROR(store::ValidatePut(r));
               SHADEKV_RETURN_IF_ERROR(m.AuthSnapshot()->CheckPut(o.user, r));
               return m.Put(r, o);
             },
             [&](const auto& r) { return EncodePutResponse(HeaderOf(m, r.revision), r); });
       }},
      {"kv/deleterange",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<store::DeleteRangeRequest, store::DeleteRangeResponse>(
             body, &ParseDeleteRangeRequest,
             [&](const auto& r) -> Result<store::DeleteRangeResponse> {
               SHADEKV_RETURN_IF_ERROR(store::ValidateDeleteRange(r));
               SHADEKV_RETURN_IF_ERROR(m.AuthSnapshot()->CheckDeleteRange(o.user, r));
               return m.DeleteRange(r, o);
             },
             [&](const auto& r) { return EncodeDeleteRangeResponse(HeaderOf(m, r.revision), r); });
       }},
      {"kv/txn",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<store::TxnRequest, store::TxnResponse>(
             body, &ParseTxnRequest,
             [&](const auto& r) -> Result<store::TxnResponse> {
               SHADEKV_RETURN_IF_ERROR(store::ValidateTxn(r));
               SHADEKV_RETURN_IF_ERROR(m.AuthSnapshot()->CheckTxn(o.user, r));
               return m.Txn(r, o);
             },
             [&](const auto& r) { return EncodeTxnResponse(HeaderOf(m, r.revision), r); });
       }},
      {"kv/compaction",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<store::CompactionRequest, store::CompactionResponse>(
             body, &ParseCompactionRequest, [&](const auto& r) { return m.Compact(r, o); },
             [&](const auto& r) { return EncodeCompactionResponse(HeaderOf(m, r.revision)); });
       }},
      {"maintenance/status",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin&) {
         return Serve<StatusRequest, agent::MemberStatus>(
             body, &ParseStatusRequest,
             [&](const auto&) -> Result<agent::MemberStatus> { return m.GetStatus(); },
             [&](const agent::MemberStatus& s) {
               StatusResponse r;
               r.version = kServerVersion;
               r.db_size = static_cast<int64_t>(s.db_size);
               r.db_size_in_use = static_cast<int64_t>(s.db_size_in_use);
               r.leader = s.leader;
               r.raft_index = s.commit_index;
               r.raft_term = s.term;
               r.raft_applied_index = s.applied_index;
               r.is_learner = s.is_learner;
               return EncodeStatusResponse(HeaderOf(m, s.revision), r);
             });
       }},
      {"maintenance/hash",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<HashRequest, store::HashResult>(
             body, &ParseHashRequest,
             [&](const auto&) -> Result<store::HashResult> {
               SHADEKV_RETURN_IF_ERROR(MaintenanceAdmin(m, o));
               return m.HashKv(0);
             },
             [&](const auto& h) { return EncodeHashResponse(HeaderOf(m, h.revision), h.hash); });
       }},
      {"maintenance/hashkv",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<HashKvRequest, store::HashResult>(
             body, &ParseHashKvRequest,
             [&](const auto& r) -> Result<store::HashResult> {
               SHADEKV_RETURN_IF_ERROR(MaintenanceAdmin(m, o));
               return m.HashKv(r.revision);
             },
             [&](const auto& h) {
               return EncodeHashKvResponse(HeaderOf(m, m.CurrentRevision()), h);
             });
       }},
      {"maintenance/alarm", [](agent::Member& m, const std::string& body,
                               const agent::RequestOrigin&) { return ServeAlarm(m, body); }},
      {"maintenance/defragment",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         Status allowed = MaintenanceAdmin(m, o);
         if (!allowed.ok()) return ErrorReply(allowed);
         return ServeDefragment(m, body);
       }},
      // Streams, served before routing (see handleRequest); listed to be known.
      {"maintenance/snapshot",
       [](agent::Member&, const std::string&, const agent::RequestOrigin&) {
         return ErrorReply(Status::Internal("maintenance/snapshot is served as a stream"));
       }},
      {"auth/authenticate", AuthRoute("auth/authenticate")},
      {"auth/disable", AuthRoute("auth/disable")},
      {"auth/enable", AuthRoute("auth/enable")},
      {"auth/role/add", AuthRoute("auth/role/add")},
      {"auth/role/delete", AuthRoute("auth/role/delete")},
      {"auth/role/get", AuthRoute("auth/role/get")},
      {"auth/role/grant", AuthRoute("auth/role/grant")},
      {"auth/role/list", AuthRoute("auth/role/list")},
      {"auth/role/revoke", AuthRoute("auth/role/revoke")},
      {"auth/status", AuthRoute("auth/status")},
      {"auth/user/add", AuthRoute("auth/user/add")},
      {"auth/user/changepw", AuthRoute("auth/user/changepw")},
      {"auth/user/delete", AuthRoute("auth/user/delete")},
      {"auth/user/get", AuthRoute("auth/user/get")},
      {"auth/user/grant", AuthRoute("auth/user/grant")},
      {"auth/user/list", AuthRoute("auth/user/list")},
      {"auth/user/revoke", AuthRoute("auth/user/revoke")},
      {"lease/grant", LeaseRoute("lease/grant")},
      {"lease/revoke", LeaseRoute("lease/revoke")},
      {"lease/timetolive", LeaseRoute("lease/timetolive")},
      {"lease/leases", LeaseRoute("lease/leases")},
      {"lease/keepalive", LeaseRoute("lease/keepalive")},
      {"cluster/member/list",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin&) {
         return Serve<MemberListRequest, std::vector<Member>>(
             body, &ParseMemberListRequest, [&](const auto&) { return ApiMembers(m); },
             [&](const auto& ms) { return EncodeMembersResponse(HeaderOf(m, 0), ms); });
       }},
      {"cluster/member/add",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<MemberAddRequest, agent::MemberRecord>(
             body, &ParseMemberAddRequest,
             [&](const auto& r) -> Result<agent::MemberRecord> {
               SHADEKV_RETURN_IF_ERROR(m.AuthSnapshot()->CheckAdmin(o.user));
               return m.AddMember(r.peer_urls, r.is_learner);
             },
             [&](const agent::MemberRecord& added) {
               Result<std::vector<Member>> all = ApiMembers(m);
               return EncodeMemberAddResponse(HeaderOf(m, 0), ToApiMember(added),
                                              all.ok() ? *all : std::vector<Member>{});
             });
       }},
      {"cluster/member/remove",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<MemberRemoveRequest, std::vector<Member>>(
             body, &ParseMemberRemoveRequest,
             [&](const auto& r) -> Result<std::vector<Member>> {
               SHADEKV_RETURN_IF_ERROR(m.AuthSnapshot()->CheckAdmin(o.user));
               SHADEKV_RETURN_IF_ERROR(m.RemoveMember(r.id));
               return ApiMembers(m);
             },
             [&](const auto& ms) { return EncodeMembersResponse(HeaderOf(m, 0), ms); });
       }},
      {"cluster/member/update",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<MemberUpdateRequest, std::vector<Member>>(
             body, &ParseMemberUpdateRequest,
             [&](const auto& r) -> Result<std::vector<Member>> {
               SHADEKV_RETURN_IF_ERROR(m.AuthSnapshot()->CheckAdmin(o.user));
               SHADEKV_RETURN_IF_ERROR(m.UpdateMember(r.id, r.peer_urls));
               return ApiMembers(m);
             },
             [&](const auto& ms) { return EncodeMembersResponse(HeaderOf(m, 0), ms); });
       }},
      {"cluster/member/promote",
       [](agent::Member& m, const std::string& body, const agent::RequestOrigin& o) {
         return Serve<MemberPromoteRequest, std::vector<Member>>(
             body, &ParseMemberPromoteRequest,
             [&](const auto& r) -> Result<std::vector<Member>> {
               SHADEKV_RETURN_IF_ERROR(m.AuthSnapshot()->CheckAdmin(o.user));
               SHADEKV_RETURN_IF_ERROR(m.PromoteMember(r.id));
               return ApiMembers(m);
             },
             [&](const auto& ms) { return EncodeMembersResponse(HeaderOf(m, 0), ms); });
       }},
  };
  return routes;
}

// What a route answers for a token that is not valid (observed on etcd
// 3.4.23): routes that never look at the caller serve it as anonymous
// (OK here); the maintenance server's own checks answer the auth store's
// untranslated error (code 2, "auth: ..."); every other route answers
// etcd's "invalid auth token" (code 16).
Status TokenRefusal(const std::string& route, const Status& refused) {
  static const std::set<std::string> kIgnoring = {"maintenance/status",  "lease/leases",
                                                  "lease/timetolive",    "lease/keepalive",
                                                  "cluster/member/list", "auth/status"};
  static const std::set<std::string> kMaintenance = {"maintenance/hash", "maintenance/hashkv",
                                                     "maintenance/alarm", "maintenance/defragment",
                                                     "maintenance/snapshot"};
  if (kIgnoring.count(route) != 0) return Status::Ok();
  if (kMaintenance.count(route) != 0) {
    std::string message = refused.message();
    if (message.rfind("etcdserver: ", 0) == 0) message = "auth: " + message.substr(12);
    return Status::Unknown(message);
  }
  return refused;
}

bool IsWatchPath(const std::string& path) { return path == "/v3/watch" || path == "/v3beta/watch"; }

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(agent::Member* member, metrics::MetricsRegistry* metrics, size_t max_body,
                 WatchStreams* watch_streams, const RequestObserver* on_request)
      : member_(member),
        metrics_(metrics),
        max_body_(max_body),
        watch_streams_(watch_streams),
        on_request_(on_request) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    auto started = std::chrono::steady_clock::now();
    std::string path = Poco::URI(request.getURI()).getPath();
    if (IsWatchPath(path) && request.getMethod() == "POST") {
      // A stream: its own handler, and no latency metric (it lasts as long
      // as the client wants).
      RequestFacts facts;
      Status identity = Identify(request, &facts.user);
      Status refused;
      ServeWatch(request, response, *member_, max_body_, *watch_streams_, facts.user, identity,
                 &refused);
      // A stream that had a create refused is reported as that refusal, so
      // plugins see denied watches too.
      HttpReply stream_reply{response.getStatus(), ""};
      if (!refused.ok()) {
        stream_reply.error_code = refused.code();
        stream_reply.error_message = refused.message();
      }
      Report(request, path, &facts, stream_reply);
      metrics_
          ->Counter("shadekv_http_requests_total", "HTTP requests by path and status",
                    "path=\"" + path + "\",code=\"" + std::to_string(response.getStatus()) + "\"")
          ->fetch_add(1);
      return;
    }
    std::string key;
    int http_status = 0;
    RequestFacts facts;  // filled while serving, for the request record
    if (RouteKey(path, &key) && key == "lease/keepalive" && request.getMethod() == "POST") {
      http_status = ServeLeaseKeepAlive(*member_, request, response, max_body_);
      Report(request, path, &facts, HttpReply{http_status, ""});
    } else if (RouteKey(path, &key) && key == "maintenance/snapshot" &&
               request.getMethod() == "POST") {
      // The whole store leaves with a snapshot: root only, as etcd's
      // maintenance server checks before streaming.
      agent::RequestOrigin origin;
      Status allowed = Identify(request, &origin.user);
      if (!allowed.ok()) allowed = TokenRefusal(key, allowed);
      if (allowed.ok()) allowed = MaintenanceAdmin(*member_, origin);
      facts.user = origin.user;
      if (allowed.ok()) {
        http_status = ServeSnapshot(*member_, request, response, max_body_);
        Report(request, path, &facts, HttpReply{http_status, ""});
      } else {
        HttpReply refused = ErrorReply(allowed);
        http_status = refused.http_status;
        response.setKeepAlive(false);  // the request body was not read
        SendWhole(response, refused);
        Report(request, path, &facts, refused);
      }
    } else {
      HttpReply reply = Route(request, path, &facts);
      http_status = reply.http_status;
      SendWhole(response, reply);
      Report(request, path, &facts, reply);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::string labels =
        "path=\"" + MetricPath(path) + "\",code=\"" + std::to_string(http_status) + "\"";
    metrics_->Counter("shadekv_http_requests_total", "HTTP requests by path and status", labels)
        ->fetch_add(1);
    metrics_
        ->Latency("shadekv_http_request_duration_seconds", "HTTP request latency by path",
                  "path=\"" + MetricPath(path) + "\"")
        ->Observe(seconds);
  }

 private:
  // Unknown paths share one label so a scanner cannot grow the registry.
  static std::string MetricPath(const std::string& path) {
    std::string method;
    if (RouteKey(path, &method) || IsWatchPath(path) || path == "/health" || path == "/version" ||
        path == "/metrics") {
      return path;
    }
    return "other";
  }

  static bool RouteKey(const std::string& path, std::string* key) {
    for (const char* prefix : {"/v3/", "/v3beta/"}) {
      if (path.rfind(prefix, 0) == 0) {
        *key = path.substr(std::string(prefix).size());
        // etcd 3.4's gateway serves these lease calls under kv/ too (not
        // grant, not keepalive).
        if (*key == "kv/lease/revoke" || *key == "kv/lease/timetolive" ||
            *key == "kv/lease/leases") {
          *key = key->substr(3);
        }
        return Routes().count(*key) != 0;
      }
    }
    return false;
  }

  // Resolves the caller's token (etcd's gateway passes it as the bare
  // `Authorization` header) to a user, once per request. No header: "" (the
  // permission checks then answer "user name is empty" while auth is on).
  // A header that is not a valid token: etcd's "invalid auth token", even
  // while auth is disabled, as etcd answers (TokenRefusal says how each
  // route reports it).
  Status Identify(const Poco::Net::HTTPServerRequest& request, std::string* user) {
    user->clear();
    if (!request.has("Authorization")) return Status::Ok();
    Result<std::string> who = member_->UserOfToken(request.get("Authorization"));
    if (!who.ok()) return who.status();
    *user = *who;
    return Status::Ok();
  }

  // Hands plugins the record of a request under the gateway's prefixes
  // (not /health, /version, /metrics), after its reply was sent.
  void Report(const Poco::Net::HTTPServerRequest& request, const std::string& path,
              RequestFacts* facts, const HttpReply& reply) {
    if (on_request_ == nullptr || !*on_request_) return;
    if (path.rfind("/v3/", 0) != 0 && path.rfind("/v3beta/", 0) != 0) return;
    facts->path = path;
    facts->client_address = request.clientAddress().toString();
    facts->member_id = member_->id();
    facts->time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    (*on_request_)(MakeRequestRecord(*facts, reply));
  }

  HttpReply Route(Poco::Net::HTTPServerRequest& request, const std::string& path,
                  RequestFacts* facts) {
    const std::string& method = request.getMethod();
    // etcd's /health and /version answer GET only; /metrics (promhttp) any method.
    if ((path == "/health" || path == "/version") && method != "GET") return MethodNotAllowed();
    if (path == "/health") return Health();
    if (path == "/version") {
      return {200, std::string("{\"etcdserver\":\"") + kServerVersion + "\",\"etcdcluster\":\"" +
                       kClusterVersion + "\"}"};
    }
    if (path == "/metrics") {
      return {200, metrics_->Render() + member_->ExtraMetrics(),
              "text/plain; version=0.0.4; charset=utf-8"};
    }
    std::string key;
    if (!RouteKey(path, &key)) {
      // Two different 404s in etcd: grpc-gateway's for its own prefixes, Go's
      // http.ServeMux's for everything else.
      const bool gateway = path.rfind("/v3/", 0) == 0 || path.rfind("/v3beta/", 0) == 0;
      return {404, gateway ? "Not Found\n" : "404 page not found\n", "text/plain; charset=utf-8"};
    }
    if (method != "POST") return MethodNotAllowed();
    std::string body;
    Status read = ReadRequestBody(request, max_body_, &body);
    if (!read.ok()) return KvErrorReply(read);
    agent::RequestOrigin origin;
    Status identity = Identify(request, &origin.user);
    if (!identity.ok()) {
      identity = TokenRefusal(key, identity);
      if (!identity.ok()) {
        facts->body = std::move(body);
        return ErrorReply(identity);
      }
    }
    facts->user = origin.user;
    origin.client_address = request.clientAddress().toString();
    origin.forwarded = request.has(kForwardedHeader);
    origin.token = request.get("Authorization", "");
    origin.proposed_request_id = &facts->request_id;
    HttpReply reply = Routes().at(key)(*member_, body, origin);
    facts->body = std::move(body);
    return reply;
  }

  static HttpReply MethodNotAllowed() {
    return {405, "Method Not Allowed\n", "text/plain; charset=utf-8"};
  }

  HttpReply Health() {
    // etcd answers healthy when no alarm is active, a leader exists and a
    // linearizable read succeeds; so do we.
    if (std::optional<HttpReply> alarmed = AlarmHealthReply(*member_)) return *alarmed;
    Status barrier = member_->LinearizableBarrier();
    if (!barrier.ok()) {
      return {503, "{\"health\":\"false\",\"reason\":\"" + barrier.message() + "\"}",
              "text/plain; charset=utf-8"};
    }
    return {200, "{\"health\":\"true\"}", "text/plain; charset=utf-8"};
  }

  agent::Member* member_;
  metrics::MetricsRegistry* metrics_;
  size_t max_body_;
  WatchStreams* watch_streams_;
  const RequestObserver* on_request_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  HandlerFactory(agent::Member* member, metrics::MetricsRegistry* metrics, size_t max_body,
                 WatchStreams* watch_streams, const RequestObserver* on_request)
      : member_(member),
        metrics_(metrics),
        max_body_(max_body),
        watch_streams_(watch_streams),
        on_request_(on_request) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(member_, metrics_, max_body_, watch_streams_, on_request_);
  }

 private:
  agent::Member* member_;
  metrics::MetricsRegistry* metrics_;
  size_t max_body_;
  WatchStreams* watch_streams_;
  const RequestObserver* on_request_;
};

// Raft and store numbers, read from the member when /metrics is scraped.
void RegisterMemberGauges(metrics::MetricsRegistry& metrics, agent::Member* member) {
  struct Gauge {
    const char* name;
    const char* help;
    double (*read)(const agent::MemberStatus&);
  };
  static const Gauge kGauges[] = {
      {"shadekv_server_has_leader", "Whether a leader exists (1) or not (0)",
       [](const agent::MemberStatus& s) { return s.leader != 0 ? 1.0 : 0.0; }},
      {"shadekv_server_leader_changes_seen_total", "Leader changes seen by this member",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.raft.leader_changes); }},
      {"shadekv_server_raft_term", "Current Raft term",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.term); }},
      {"shadekv_server_raft_commit_index", "Raft commit index",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.commit_index); }},
      {"shadekv_server_raft_applied_index", "Raft applied index",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.applied_index); }},
      {"shadekv_server_proposals_committed_total", "Proposals committed and applied here",
       [](const agent::MemberStatus& s) {
         return static_cast<double>(s.raft.proposals_committed);
       }},
      {"shadekv_server_proposals_failed_total", "Proposals that failed fast",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.raft.proposals_failed); }},
      {"shadekv_server_proposals_pending", "Proposals waiting to be applied",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.raft.proposals_pending); }},
      {"shadekv_disk_wal_fsync_total", "Synced writes of the Raft log",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.raft.fsyncs); }},
      {"shadekv_mvcc_db_total_size_in_bytes", "Size of the store's files",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.db_size); }},
      {"shadekv_mvcc_revision", "Current store revision",
       [](const agent::MemberStatus& s) { return static_cast<double>(s.revision); }},
      {"shadekv_network_peer_frames_dropped_total", "Peer frames dropped (queue full, peer down)",
       [](const agent::MemberStatus& s) {
         return static_cast<double>(s.raft.transport.frames_dropped);
       }},
      {"shadekv_network_peer_bad_frames_total", "Undecodable or foreign peer frames received",
       [](const agent::MemberStatus& s) {
         return static_cast<double>(s.raft.transport.bad_frames + s.raft.transport.foreign_frames);
       }},
      {"shadekv_network_peer_curve_refused_total",
       "Peer CURVE handshakes refused: the client key is not authorized",
       [](const agent::MemberStatus& s) {
         return static_cast<double>(s.raft.transport.curve_refused);
       }},
  };
  for (const Gauge& g : kGauges) {
    metrics.Gauge(g.name, g.help, [member, read = g.read] { return read(member->GetStatus()); });
  }
}

}  // namespace

Result<std::unique_ptr<ClientApi>> ClientApi::Start(const ClientApiOptions& options,
                                                    agent::Member* member) {
  std::unique_ptr<ClientApi> api(new ClientApi());
  api->on_request_ = options.on_request;
  RegisterMemberGauges(member->metrics(), member);
  RegisterWatchGauges(member->metrics(), member);
  HttpServeOptions serve;
  serve.listen_urls = options.listen_urls;
  serve.tls_context = options.tls_context;
  serve.max_threads = options.max_threads;
  serve.thread_stack_bytes = options.thread_stack_bytes;
  SHADEKV_ASSIGN_OR_RETURN(
      api->servers_,
      HttpServers::Start(serve,
                         new HandlerFactory(member, &member->metrics(), options.max_request_bytes,
                                            &api->watch_streams_, &api->on_request_)));
  return api;
}

ClientApi::~ClientApi() {
  // Watch streams first: their handlers use the member, which the caller
  // destroys right after us.
  watch_streams_.StopAll();
  if (servers_ != nullptr) servers_->Stop();
}

}  // namespace shadekv::api
