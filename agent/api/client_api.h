// The client-facing HTTP API: etcd v3's JSON gateway paths served with Poco.
//
// Routes POST /v3/... (and /v3beta/...) to the member, encoding and decoding
// with etcd_json.h, plus GET /health, /version and /metrics. Each request is
// handled on one of Poco's server threads (a thread per connection, the
// loop in http_connection.h); the member does the waiting for Raft.
#pragma once

#include <Poco/Net/Context.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/api/http_servers.h"
#include "agent/api/request_record.h"
#include "agent/api/watch_handler.h"
#include "agent/server/member.h"
#include "shadekv/common/status.h"

namespace shadekv::api {

struct ClientApiOptions {
  std::vector<std::string> listen_urls;  // http(s)://host:port
  // The server TLS context for the https listen URLs (tls_context.h); null
  // when TLS is off, and then an https URL is refused.
  Poco::Net::Context::Ptr tls_context;
  size_t max_request_bytes = 1536 * 1024;
  // Server threads shared by all listeners. Each open watch stream holds
  // one for its lifetime, so this bounds concurrent watch streams (plus the
  // unary requests being served at the same moment).
  int max_threads = 4096;
  // Reserved, not resident: only touched pages cost memory. Generous enough
  // for the deepest request the codec accepts under sanitizers.
  int thread_stack_bytes = 1024 * 1024;
  // Called after every request under /v3/ (served or refused) with its
  // record; empty: no records are made.
  RequestObserver on_request;
};

class ClientApi {
 public:
  // Binds every listen URL and starts serving. Errors: kInvalidArgument for a
  // URL that is not http(s)://host:port or an https URL without
  // tls_context, kUnavailable when it cannot be bound.
  static Result<std::unique_ptr<ClientApi>> Start(const ClientApiOptions& options,
                                                  agent::Member* member);
  ~ClientApi();

  // The bound URLs, with real ports.
  const std::vector<std::string>& urls() const { return servers_->urls(); }

 private:
  ClientApi() = default;

  RequestObserver on_request_;  // read by the server threads
  WatchStreams watch_streams_;
  std::unique_ptr<HttpServers> servers_;
};

}  // namespace shadekv::api
