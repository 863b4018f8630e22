// Request routing and handlers of the shadow's read-only gateway.
#include "shadow/api/shadow_api.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/URI.h>

#include <chrono>
#include <functional>
#include <istream>
#include <map>

#include "agent/api/etcd_json.h"
#include "agent/api/http_reply.h"
#include "agent/api/json_writer.h"
#include "shadow/api/read_only.h"
#include "store/txn_validation.h"

namespace shadekv::shadow {
namespace {

using api::HttpReply;

constexpr char kServerVersion[] = "3.4.23";  // the etcd API level served
constexpr char kClusterVersion[] = "3.4.0";

int64_t WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The store speaks mvcc's own words; etcd's server prefixes them.
HttpReply KvErrorReply(const Status& status) {
  if (status.message().rfind("mvcc: ", 0) == 0) {
    return api::ErrorReply(Status(status.code(), "etcdserver: " + status.message()));
  }
  return api::ErrorReply(status);
}

// The header of every answer: the primary's cluster id (from heartbeats),
// the shadow's own member id, no Raft term (a shadow has no Raft).
api::ResponseHeader HeaderOf(const ShadowParts& p, int64_t revision) {
  api::ResponseHeader h;
  h.cluster_id = p.heartbeats->cluster_id();
  h.member_id = p.member_id;
  h.revision = revision;
  return h;
}

using Handler = std::function<HttpReply(const ShadowParts&, const std::string& body)>;

const std::map<std::string, Handler>& ReadRoutes() {
  static const std::map<std::string, Handler> routes = {
      {"kv/range",
       [](const ShadowParts& p, const std::string& body) -> HttpReply {
         Result<store::RangeRequest> r = api::ParseRangeRequest(body);
         if (!r.ok()) return KvErrorReply(r.status());
         Status valid = store::ValidateRange(*r);
         if (!valid.ok()) return KvErrorReply(valid);
         // Every read is local (serializable), whatever the request asks:
         // the mirror is the only copy a shadow has.
         Result<store::RangeResponse> resp = p.mirror->Store()->Range(*r);
         if (!resp.ok()) return KvErrorReply(resp.status());
         return {200, api::EncodeRangeResponse(HeaderOf(p, resp->revision), *resp)};
       }},
      {"maintenance/status",
       [](const ShadowParts& p, const std::string& body) -> HttpReply {
         Result<api::StatusRequest> r = api::ParseStatusRequest(body);
         if (!r.ok()) return KvErrorReply(r.status());
         auto store = p.mirror->Store();
         api::StatusResponse s;
         s.version = kServerVersion;
         FeederStats stats = p.feeder->Stats();
         if (!stats.running)
           s.errors.push_back("shadow: bus subscriber stopped: " + stats.last_error);
         if (stats.subscriber.lag > 0) {
           s.errors.push_back("shadow: " + std::to_string(stats.subscriber.lag) +
                              " revisions behind the primary");
         }
         return {200, api::EncodeStatusResponse(HeaderOf(p, store->CurrentRevision()), s)};
       }},
      {"maintenance/hash",
       [](const ShadowParts& p, const std::string& body) -> HttpReply {
         Result<api::HashRequest> r = api::ParseHashRequest(body);
         if (!r.ok()) return KvErrorReply(r.status());
         Result<store::HashResult> h = p.mirror->Store()->HashKv(0);
         if (!h.ok()) return KvErrorReply(h.status());
         return {200, api::EncodeHashResponse(HeaderOf(p, h->revision), h->hash)};
       }},
      {"maintenance/hashkv",
       [](const ShadowParts& p, const std::string& body) -> HttpReply {
         Result<api::HashKvRequest> r = api::ParseHashKvRequest(body);
         if (!r.ok()) return KvErrorReply(r.status());
         auto store = p.mirror->Store();
         Result<store::HashResult> h = store->HashKv(r->revision);
         if (!h.ok()) return KvErrorReply(h.status());
         return {200, api::EncodeHashKvResponse(HeaderOf(p, store->CurrentRevision()), *h)};
       }},
      {"maintenance/alarm",
       [](const ShadowParts& p, const std::string& body) -> HttpReply {
         Result<api::AlarmRequest> r = api::ParseAlarmRequest(body);
         if (!r.ok()) return KvErrorReply(r.status());
         if (r->action != api::AlarmRequest::Action::kGet) {
           return api::ErrorReply(ReadOnlyRefusal(p.heartbeats->cluster_id(), "maintenance/alarm"));
         }
         return {200,
                 api::EncodeAlarmResponse(HeaderOf(p, p.mirror->Store()->CurrentRevision()), {})};
       }},
      {"shadow/status",
       [](const ShadowParts& p, const std::string&) -> HttpReply {
         ShadowStatus s = CollectShadowStatus(p);
         return {200, EncodeShadowStatus(HeaderOf(p, s.applied_revision), s)};
       }},
  };
  return routes;
}

bool IsWatchPath(const std::string& path) { return path == "/v3/watch" || path == "/v3beta/watch"; }

// The route after /v3/ or /v3beta/; false for other paths.
bool RouteOf(const std::string& path, std::string* route) {
  for (const char* prefix : {"/v3/", "/v3beta/"}) {
    if (path.rfind(prefix, 0) == 0) {
      *route = path.substr(std::string(prefix).size());
      return true;
    }
  }
  return false;
}

class RequestHandler : public Poco::Net::HTTPRequestHandler {
 public:
  RequestHandler(const ShadowParts* parts, metrics::MetricsRegistry* metrics, size_t max_body,
                 api::WatchStreams* streams)
      : parts_(parts), metrics_(metrics), max_body_(max_body), streams_(streams) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    std::string path = Poco::URI(request.getURI()).getPath();
    int status = 0;
    try {
      if (IsWatchPath(path) && request.getMethod() == "POST") {
        const ShadowParts* p = parts_;
        api::ServeWatch(
            request, response, *p->hub, [p](int64_t revision) { return HeaderOf(*p, revision); },
            max_body_, *streams_);
        status = response.getStatus();
      } else {
        HttpReply reply = Route(request, path);
        status = reply.http_status;
        api::SendWhole(response, reply);
      }
    } catch (const Poco::Exception&) {
      status = 499;  // the client went away mid-answer
    }
    metrics_
        ->Counter("shadekv_http_requests_total", "HTTP requests by path and status",
                  "path=\"" + MetricPath(path) + "\",code=\"" + std::to_string(status) + "\"")
        ->fetch_add(1);
  }

 private:
  // Unknown paths share one label so a scanner cannot grow the registry.
  static std::string MetricPath(const std::string& path) {
    std::string route;
    if ((RouteOf(path, &route) && (ReadRoutes().count(route) || IsRefusedWriteRoute(route))) ||
        IsWatchPath(path) || path == "/health" || path == "/version" || path == "/metrics") {
      return path;
    }
    return "other";
  }

  HttpReply Route(Poco::Net::HTTPServerRequest& request, const std::string& path) {
    const std::string& method = request.getMethod();
    if ((path == "/health" || path == "/version") && method != "GET") return MethodNotAllowed();
    if (path == "/health") return Health();
    if (path == "/version") {
      return {200, std::string("{\"etcdserver\":\"") + kServerVersion + "\",\"etcdcluster\":\"" +
                       kClusterVersion + "\"}"};
    }
    if (path == "/metrics") {
      return {200, metrics_->Render(), "text/plain; version=0.0.4; charset=utf-8"};
    }
    std::string route;
    const bool gateway = RouteOf(path, &route);
    const bool refused = gateway && IsRefusedWriteRoute(route);
    if (!gateway || (!refused && ReadRoutes().count(route) == 0)) {
      return {404, gateway ? "Not Found\n" : "404 page not found\n", "text/plain; charset=utf-8"};
    }
    // /v3/shadow/status answers GET too, for curl and browsers.
    if (method != "POST" && !(route == "shadow/status" && method == "GET")) {
      return MethodNotAllowed();
    }
    std::string body;
    Status read = api::ReadRequestBody(request, max_body_, &body);
    if (!read.ok()) return KvErrorReply(read);
    // Refused before any parsing: a write never reaches the store, whatever
    // its body holds.
    if (refused) return api::ErrorReply(ReadOnlyRefusal(parts_->heartbeats->cluster_id(), route));
    return ReadRoutes().at(route)(*parts_, body);
  }

  static HttpReply MethodNotAllowed() {
    return {405, "Method Not Allowed\n", "text/plain; charset=utf-8"};
  }

  // Healthy while the bus driver runs: reads are then served from a mirror
  // that is advancing. Lag is reported by /v3/shadow/status, not here.
  HttpReply Health() {
    FeederStats s = parts_->feeder->Stats();
    if (!s.running) {
      std::string reason;
      api::AppendJsonString(reason, "bus subscriber stopped: " + s.last_error);
      return {503, "{\"health\":\"false\",\"reason\":" + reason + "}", "text/plain; charset=utf-8"};
    }
    return {200, "{\"health\":\"true\"}", "text/plain; charset=utf-8"};
  }

  const ShadowParts* parts_;
  metrics::MetricsRegistry* metrics_;
  size_t max_body_;
  api::WatchStreams* streams_;
};

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  HandlerFactory(const ShadowParts* parts, metrics::MetricsRegistry* metrics, size_t max_body,
                 api::WatchStreams* streams)
      : parts_(parts), metrics_(metrics), max_body_(max_body), streams_(streams) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new RequestHandler(parts_, metrics_, max_body_, streams_);
  }

 private:
  const ShadowParts* parts_;
  metrics::MetricsRegistry* metrics_;
  size_t max_body_;
  api::WatchStreams* streams_;
};

void RegisterShadowGauges(metrics::MetricsRegistry& metrics, const ShadowParts* p) {
  struct Gauge {
    const char* name;
    const char* help;
    double (*read)(const FeederStats&);
  };
  static const Gauge kGauges[] = {
      {"shadekv_shadow_applied_revision", "Last primary revision applied to the mirror",
       [](const FeederStats& s) { return static_cast<double>(s.subscriber.applied_revision); }},
      {"shadekv_shadow_primary_revision", "Latest primary revision seen in heartbeats",
       [](const FeederStats& s) { return static_cast<double>(s.subscriber.latest_revision_seen); }},
      {"shadekv_shadow_lag_revisions", "Revisions the mirror is behind the primary",
       [](const FeederStats& s) { return static_cast<double>(s.subscriber.lag); }},
      {"shadekv_shadow_up_to_date", "1 when no lag is known and no catch-up runs",
       [](const FeederStats& s) { return s.subscriber.up_to_date ? 1.0 : 0.0; }},
      {"shadekv_shadow_malformed_frames_total", "Bus frames or bodies rejected and dropped",
       [](const FeederStats& s) { return static_cast<double>(s.subscriber.malformed); }},
      {"shadekv_shadow_events_delivered_total", "Events the sequencer handed over",
       [](const FeederStats& s) { return static_cast<double>(s.subscriber.sequencer.delivered); }},
      {"shadekv_shadow_duplicates_total", "Events at or below the applied revision, dropped",
       [](const FeederStats& s) { return static_cast<double>(s.subscriber.sequencer.duplicates); }},
      {"shadekv_shadow_buffer_overflows_total", "Live events dropped (full buffer)",
       [](const FeederStats& s) {
         return static_cast<double>(s.subscriber.sequencer.buffer_overflows);
       }},
      {"shadekv_shadow_catchups_started_total", "Catch-ups started",
       [](const FeederStats& s) {
         return static_cast<double>(s.subscriber.sequencer.catchups_started);
       }},
      {"shadekv_shadow_catchups_completed_total", "Catch-ups completed",
       [](const FeederStats& s) {
         return static_cast<double>(s.subscriber.sequencer.catchups_completed);
       }},
      {"shadekv_shadow_catchups_failed_total", "Catch-ups failed",
       [](const FeederStats& s) {
         return static_cast<double>(s.subscriber.sequencer.catchups_failed);
       }},
      {"shadekv_shadow_snapshots_installed_total", "Snapshots installed by this process",
       [](const FeederStats& s) { return static_cast<double>(s.snapshots_installed); }},
      {"shadekv_shadow_failovers_total", "Publisher failovers",
       [](const FeederStats& s) { return static_cast<double>(s.subscriber.sequencer.failovers); }},
      {"shadekv_shadow_driver_restarts_total", "Subscriber restarts after consumer errors",
       [](const FeederStats& s) { return static_cast<double>(s.driver_restarts); }},
      {"shadekv_shadow_compact_revision", "The mirror's own retention compaction revision",
       [](const FeederStats& s) { return static_cast<double>(s.compact_revision); }},
  };
  for (const Gauge& g : kGauges) {
    metrics.Gauge(g.name, g.help, [p, read = g.read] { return read(p->feeder->Stats()); });
  }
  metrics.Gauge("shadekv_shadow_lag_ms", "Milliseconds behind the primary (0 when up to date)",
                [p] { return static_cast<double>(CollectShadowStatus(*p).lag_ms); });
  api::RegisterWatchGauges(metrics, p->hub);
}

}  // namespace

ShadowStatus CollectShadowStatus(const ShadowParts& p) {
  FeederStats f = p.feeder->Stats();
  ShadowStatus s;
  s.name = p.name;
  s.applied_revision = f.subscriber.applied_revision;
  s.primary_revision = f.subscriber.latest_revision_seen;
  s.lag_revisions = f.subscriber.lag;
  s.lag_ms = LagMs(f.subscriber.lag, f.newest_leader_time_ms, WallNowMs());
  size_t active = f.subscriber.active_publisher;
  if (active < p.publishers.size()) s.publisher = p.publishers[active];
  std::vector<PublisherHeard> heard = p.heartbeats->Snapshot();
  if (active < heard.size() && heard[active].last_heartbeat_ms.has_value()) {
    s.last_heartbeat_age_ms = HeartbeatMonitor::SteadyNowMs() - *heard[active].last_heartbeat_ms;
  }
  s.up_to_date = f.subscriber.up_to_date;
  s.snapshots_installed = f.subscriber.sequencer.snapshots_installed;
  s.catchups = f.subscriber.sequencer.catchups_completed;
  s.compact_revision = p.mirror->Store()->CompactRevision();
  s.malformed_frames = f.subscriber.malformed;
  s.failovers = f.subscriber.sequencer.failovers;
  s.running = f.running;
  s.error = f.last_error;
  return s;
}

Result<std::unique_ptr<ShadowApi>> ShadowApi::Start(const ShadowApiOptions& options,
                                                    const ShadowParts& parts) {
  std::unique_ptr<ShadowApi> api(new ShadowApi());
  api->parts_ = parts;
  RegisterShadowGauges(api->metrics_, &api->parts_);
  api::HttpServeOptions serve;
  serve.listen_urls = options.listen_urls;
  serve.tls_context = options.tls_context;
  serve.max_threads = options.max_threads;
  SHADEKV_ASSIGN_OR_RETURN(
      api->servers_, api::HttpServers::Start(serve, new HandlerFactory(&api->parts_, &api->metrics_,
                                                                       options.max_request_bytes,
                                                                       &api->watch_streams_)));
  return api;
}

ShadowApi::~ShadowApi() {
  watch_streams_.StopAll();
  if (servers_ != nullptr) servers_->Stop();
}

}  // namespace shadekv::shadow
