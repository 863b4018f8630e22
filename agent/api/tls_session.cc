// http/https client sessions and a thread-safe connection shutdown.
#include "agent/api/tls_session.h"

#include <Poco/Net/HTTPSClientSession.h>
#include <sys/socket.h>

namespace shadekv::tls {

std::unique_ptr<Poco::Net::HTTPClientSession> NewHttpClientSession(
    const std::string& host, uint16_t port, const Poco::Net::Context::Ptr& tls_context) {
  if (tls_context.isNull()) return std::make_unique<Poco::Net::HTTPClientSession>(host, port);
  return std::make_unique<Poco::Net::HTTPSClientSession>(host, port, tls_context);
}

void ShutdownConnection(Poco::Net::StreamSocket& socket) {
  Poco::Net::SocketImpl* impl = socket.impl();
  if (impl == nullptr) return;
  const poco_socket_t fd = impl->sockfd();
  if (fd != POCO_INVALID_SOCKET) ::shutdown(fd, SHUT_RDWR);
}

}  // namespace shadekv::tls
