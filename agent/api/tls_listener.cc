// Binding http:// and https:// client URLs (see tls_listener.h).
#include "agent/api/tls_listener.h"

#include <Poco/Exception.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/URI.h>

namespace shadekv::tls {

Result<ClientUrl> ParseClientUrl(const std::string& url) {
  try {
    Poco::URI uri(url);
    const std::string& scheme = uri.getScheme();
    if ((scheme != "http" && scheme != "https") || uri.getHost().empty()) {
      return Status::InvalidArgument("client URL '" + url +
                                     "': expected http://host:port or https://host:port");
    }
    return ClientUrl{Poco::Net::SocketAddress(uri.getHost(), uri.getPort()), scheme == "https"};
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("client URL '" + url + "': " + e.displayText());
  }
}

Result<BoundListener> BindClientListener(const std::string& url,
                                         const Poco::Net::Context::Ptr& server_context,
                                         int backlog) {
  SHADEKV_ASSIGN_OR_RETURN(ClientUrl parsed, ParseClientUrl(url));
  if (parsed.tls && server_context.isNull()) {
    return Status::InvalidArgument(
        "TLS key/cert (--cert-file, --key-file) must be provided for "
        "client URL " +
        url + " with the https scheme");
  }
  try {
    BoundListener out;
    if (parsed.tls) {
      out.socket = Poco::Net::SecureServerSocket(parsed.address, backlog, server_context);
    } else {
      out.socket = Poco::Net::ServerSocket(parsed.address, backlog);
    }
    out.url = std::string(parsed.tls ? "https://" : "http://") + out.socket.address().toString();
    return out;
  } catch (const Poco::Exception& e) {
    return Status::Unavailable("cannot listen for clients on " + url + ": " + e.displayText() +
                               " (is another process using this address?)");
  }
}

}  // namespace shadekv::tls
