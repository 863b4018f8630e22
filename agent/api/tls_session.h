// Client sessions for http and https, and closing a connection safely from
// another thread. Used wherever shadekv calls a client URL: lease forwarding
// to the leader, shadectl's gateway client.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/StreamSocket.h>

#include <cstdint>
#include <memory>
#include <string>

namespace shadekv::tls {

// A session to host:port, not yet connected: an HTTPSClientSession using
// `tls_context` when it is set, a plain HTTPClientSession otherwise. Never
// throws.
std::unique_ptr<Poco::Net::HTTPClientSession> NewHttpClientSession(
    const std::string& host, uint16_t port, const Poco::Net::Context::Ptr& tls_context);

// Shuts the TCP connection under `socket` down (both directions) so that a
// read or write blocked in another thread returns. For a TLS socket this
// leaves the TLS state alone: OpenSSL objects must not be used from two
// threads at once, and a close_notify is not needed to unblock anyone.
// Harmless on a socket that is closed or was never connected.
void ShutdownConnection(Poco::Net::StreamSocket& socket);

}  // namespace shadekv::tls
