// One keep-alive HTTP/1.1 connection to an etcd v3 JSON gateway, on a raw
// blocking socket with watch_fanout's response parser. Poco's
// HTTPClientSession was the first version; measured against a single agent
// it spent about as much CPU per request as the server did on a serializable
// range (docs/benchmarks.md, "shadekv vs etcd"), and on a 2-CPU machine that
// cost is taken from the servers being compared. The result line reports the
// client's CPU time so a reader can still tell when the client is the limit.
//
// Not thread-safe: one caller at a time (the load runner holds a mutex per
// connection when several clients share it).
#pragma once

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
  // Connects lazily, on the first Post (and again after a failure).
  // `timeout_ms` bounds each send and each receive.
  GatewayClient(const Endpoint& endpoint, int timeout_ms);
  ~GatewayClient();  // closes the socket
  GatewayClient(const GatewayClient&) = delete;
  GatewayClient& operator=(const GatewayClient&) = delete;

  // POSTs `body` to `path` and reads the whole reply (any HTTP status; for a
  // streaming call such as lease keep-alive, its NDJSON lines joined by
  // '\n'). kUnavailable on a transport failure (refused, reset, timed out,
  // malformed response), with the endpoint and the cause; the connection is
  // closed and the next Post reconnects.
  Result<HttpReply> Post(const std::string& path, const std::string& body);

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Status Connect();
  void Close();
  Status Failed(const std::string& path, const std::string& cause);

  Endpoint endpoint_;
  int timeout_ms_;
  int fd_ = -1;
  std::string buffer_;  // receive buffer, reused
};

}  // namespace shadekv::bench
