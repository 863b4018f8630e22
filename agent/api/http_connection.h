// One client connection of the HTTP API: Poco's request loop
// (HTTPServerConnection), with the two per-request costs that profiling
// found in it removed (docs/benchmarks.md "HTTP connection loop"):
//   - between keep-alive requests Poco 1.11 waits with Socket::poll, which
//     creates, uses and closes an epoll instance each time (four system
//     calls); a plain connection here waits with one poll(2);
//   - a whole reply goes out in one send (status line, headers and body)
//     instead of one for the headers and one for the body.
// Handlers, request parsing and streaming replies are Poco's, unchanged.
#pragma once

#include <Poco/BasicEvent.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <atomic>
#include <string_view>

namespace shadekv::api {

// The response object handed to handlers by this loop. SendWhole
// (http_reply.h) recognises it and writes the reply in one send.
class WholeReplyResponse : public Poco::Net::HTTPServerResponseImpl {
 public:
  explicit WholeReplyResponse(Poco::Net::HTTPServerSession& session);

  // Writes the status line, the headers (with Content-Length) and `body`
  // with one send. Throws what Poco throws when the client is gone.
  void SendWhole(std::string_view body);
  bool sent_whole() const { return sent_whole_; }
  // A reply to HEAD carries the headers only.
  void set_head_request(bool head) { head_request_ = head; }

 private:
  Poco::Net::HTTPServerSession& session_;
  bool head_request_ = false;
  bool sent_whole_ = false;
};

// Makes a connection per accepted socket. `tls`: the listener's sockets are
// TLS, whose library may hold decrypted bytes poll(2) cannot see, so they
// wait the way Poco does.
class ConnectionFactory : public Poco::Net::TCPServerConnectionFactory {
 public:
  ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                    Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, bool tls);

  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override;

  // Ends every connection's loop; `abort_current` also shuts their sockets
  // down, waking a connection waiting for its next request (Poco's
  // HTTPServer::stopAll).
  void StopAll(bool abort_current);

 private:
  // Every live connection listens (Poco's own serverStopped event is for
  // its HTTPServer only); one that subscribes after it fired sees the flag.
  Poco::BasicEvent<const bool> stopping_;
  std::atomic<bool> stopped_{false};
  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
  bool tls_;
};

}  // namespace shadekv::api
