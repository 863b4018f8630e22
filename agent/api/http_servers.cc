// Listeners, thread pool and stop order of an HTTP API.
#include "agent/api/http_servers.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerParams.h>

#include "agent/api/tls_listener.h"

namespace shadekv::api {

Result<std::unique_ptr<HttpServers>> HttpServers::Start(
    const HttpServeOptions& options, Poco::Net::HTTPRequestHandlerFactory::Ptr handlers) {
  std::unique_ptr<HttpServers> servers(new HttpServers());
  // Poco's default pool holds 16 threads; every connection keeps one.
  servers->pool_ =
      std::make_unique<Poco::ThreadPool>(4, options.max_threads, 60, options.thread_stack_bytes);
  Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(options.max_threads);
  params->setMaxQueued(1024);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(120, 0));
  for (const std::string& url : options.listen_urls) {
    SHADEKV_ASSIGN_OR_RETURN(tls::BoundListener listener,
                             tls::BindClientListener(url, options.tls_context, 256));
    try {
      const bool tls = url.rfind("https://", 0) == 0;
      Poco::SharedPtr<ConnectionFactory> connections = new ConnectionFactory(params, handlers, tls);
      servers->connection_factories_.push_back(connections);
      servers->servers_.push_back(std::make_unique<Poco::Net::TCPServer>(
          connections, *servers->pool_, listener.socket, params));
      servers->servers_.back()->start();
      servers->urls_.push_back(listener.url);
    } catch (const Poco::Exception& e) {
      return Status::Unavailable("cannot listen for clients on " + url + ": " + e.displayText() +
                                 " (is another process using this address?)");
    }
  }
  return servers;
}

HttpServers::~HttpServers() { Stop(); }

void HttpServers::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& server : servers_) server->stop();  // no new connections
  for (auto& connections : connection_factories_) connections->StopAll(true);
  if (pool_ != nullptr) pool_->joinAll();
}

}  // namespace shadekv::api
