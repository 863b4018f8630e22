// The HTTP servers of one API (the agent's gateway, the shadow's): one per
// listen URL, all on one thread pool, every connection served by the loop
// in http_connection.h. Shared so both serve, time out and stop alike.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/TCPServer.h>
#include <Poco/SharedPtr.h>
#include <Poco/ThreadPool.h>

#include <memory>
#include <string>
#include <vector>

#include "agent/api/http_connection.h"
#include "shadekv/common/status.h"

namespace shadekv::api {

struct HttpServeOptions {
  std::vector<std::string> listen_urls;  // http(s)://host:port
  // For the https URLs (tls_context.h); null refuses them.
  Poco::Net::Context::Ptr tls_context;
  // Threads shared by all listeners: one per open connection.
  int max_threads = 4096;
  // Reserved, not resident: only touched pages cost memory.
  int thread_stack_bytes = 1024 * 1024;
};

class HttpServers {
 public:
  // Binds every URL and starts serving requests with `handlers`. Errors:
  // kInvalidArgument for a URL that is not http(s)://host:port or an https
  // URL without a TLS context, kUnavailable when one cannot be bound.
  static Result<std::unique_ptr<HttpServers>> Start(
      const HttpServeOptions& options, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers);
  ~HttpServers();  // Stop()

  // Stops accepting, ends every connection (a request being served is cut
  // off) and waits for their threads. Idempotent.
  void Stop();

  // The bound URLs, with real ports.
  const std::vector<std::string>& urls() const { return urls_; }

 private:
  HttpServers() = default;

  std::unique_ptr<Poco::ThreadPool> pool_;  // destroyed after the servers
  // One per listener, shared with its server.
  std::vector<Poco::SharedPtr<ConnectionFactory>> connection_factories_;
  std::vector<std::unique_ptr<Poco::Net::TCPServer>> servers_;
  std::vector<std::string> urls_;
  bool stopped_ = false;
};

}  // namespace shadekv::api
