// One keep-alive HTTP/1.1 connection to an etcd v3 JSON gateway
// (Poco::Net::HTTPClientSession). Poco's per-request cost was measured
// against the servers' (see docs/benchmarks.md, "shadekv vs etcd"): the
// result line reports the client's own CPU time so a reader can tell when
// the client, not the server, is the limit.
//
// Not thread-safe: one caller at a time (the load runner holds a mutex per
// connection when several clients share it).
#pragma once

#include <Poco/Net/HTTPClientSession.h>

#include <memory>
#include <string>

#include "bench/shadekv_bench/bench_flags.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

struct HttpReply {
  int status = 0;
  std::string body;
};

class GatewayClient {
 public:
  // Connects lazily, on the first Post. `timeout_ms` bounds each send and
  // each receive.
  GatewayClient(const Endpoint& endpoint, int timeout_ms);
  ~GatewayClient();
  GatewayClient(const GatewayClient&) = delete;
  GatewayClient& operator=(const GatewayClient&) = delete;

  // POSTs `body` to `path` and reads the whole reply (any HTTP status).
  // kUnavailable on a transport failure (refused, reset, timed out), with the
  // endpoint and Poco's message; the next Post reconnects. Never throws.
  Result<HttpReply> Post(const std::string& path, const std::string& body);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Endpoint endpoint_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
};

}  // namespace shadekv::bench
