// Client API listeners from URLs: http://host:port binds a plain socket,
// https://host:port a TLS one (Poco SecureServerSocket). Shared by the agent
// and the shadow so both read the same URLs the same way.
//
// TLS handshakes happen on the connection's server thread at its first
// read, never in the accepting thread: a client that connects and sends
// nothing (or plain HTTP) costs one thread until the server's timeout, and
// every other client keeps being served.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>

#include <string>

#include "shadekv/common/status.h"

namespace shadekv::tls {

struct ClientUrl {
  Poco::Net::SocketAddress address;
  bool tls = false;  // https
};

// "http://host:port" or "https://host:port" (port 0 picks one when bound).
// kInvalidArgument for anything else, naming the URL.
Result<ClientUrl> ParseClientUrl(const std::string& url);

struct BoundListener {
  Poco::Net::ServerSocket socket;  // a SecureServerSocket for https
  std::string url;                 // scheme://address with the real port
};

// Binds `url`. `server_context` is the TLS context for https URLs and may be
// null when none is; an https URL without one is kInvalidArgument telling
// to give --cert-file and --key-file (etcd's rule). A URL that cannot be
// bound is kUnavailable naming it.
Result<BoundListener> BindClientListener(const std::string& url,
                                         const Poco::Net::Context::Ptr& server_context,
                                         int backlog);

}  // namespace shadekv::tls
