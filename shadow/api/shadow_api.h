// The shadow's HTTP API (Poco): the read side of etcd v3's JSON gateway over
// the mirror (range at any revision it still holds, watch, maintenance
// status/hash/hashkv, alarm list), /v3/shadow/status, /health, /version and
// /metrics. Every write route is refused (shadow/api/read_only.h) before
// anything is read from the store; nothing here talks to the primary.
//
// Threads: Poco's server threads; everything they read is thread-safe
// (MirrorStore::Store, WatchHub, ShadowFeeder::Stats, HeartbeatMonitor).
#pragma once

#include <Poco/Net/Context.h>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/api/http_servers.h"
#include "agent/api/watch_handler.h"
#include "agent/metrics/metrics.h"
#include "agent/watch/watch_hub.h"
#include "shadekv/common/status.h"
#include "shadekv/mirror/mirror_store.h"
#include "shadow/api/shadow_status.h"
#include "shadow/daemon/heartbeat_monitor.h"
#include "shadow/daemon/shadow_feeder.h"

namespace shadekv::shadow {

// What the API reads from. All must outlive the ShadowApi.
struct ShadowParts {
  std::string name;
  uint64_t member_id = 0;  // the shadow's own id in response headers
  std::vector<std::string> publishers;
  mirror::MirrorStore* mirror = nullptr;
  watch::WatchHub* hub = nullptr;
  ShadowFeeder* feeder = nullptr;
  HeartbeatMonitor* heartbeats = nullptr;
};

struct ShadowApiOptions {
  std::vector<std::string> listen_urls;  // http(s)://host:port (port 0 picks one)
  // Server TLS context for the https URLs (agent/api/tls_context.h); null:
  // TLS off, and an https URL is refused.
  Poco::Net::Context::Ptr tls_context;
  size_t max_request_bytes = 1536 * 1024;
  int max_threads = 1024;  // bounds concurrent watch streams plus unary requests
};

class ShadowApi {
 public:
  // Binds every URL and starts serving. kInvalidArgument for a URL that is
  // not http(s)://host:port or an https URL without tls_context,
  // kUnavailable when it cannot be bound.
  static Result<std::unique_ptr<ShadowApi>> Start(const ShadowApiOptions& options,
                                                  const ShadowParts& parts);
  ~ShadowApi();  // ends the watch streams, then stops the servers

  const std::vector<std::string>& urls() const { return servers_->urls(); }

 private:
  ShadowApi() = default;

  metrics::MetricsRegistry metrics_;
  ShadowParts parts_;
  api::WatchStreams watch_streams_;
  std::unique_ptr<api::HttpServers> servers_;
};

// The status the API reports, assembled from the parts (any thread).
ShadowStatus CollectShadowStatus(const ShadowParts& parts);

}  // namespace shadekv::shadow
