// The per-connection request loop of the HTTP API (see the header for why
// it is not Poco's own HTTPServerConnection).
#include "agent/api/http_connection.h"

#include <Poco/Delegate.h>
#include <Poco/Mutex.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Timestamp.h>
#include <poll.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <sstream>
#include <string>

namespace shadekv::api {

WholeReplyResponse::WholeReplyResponse(Poco::Net::HTTPServerSession& session)
    : Poco::Net::HTTPServerResponseImpl(session), session_(session) {}

void WholeReplyResponse::SendWhole(std::string_view body) {
  setContentLength64(static_cast<Poco::Int64>(body.size()));
  std::ostringstream head;
  write(head);  // status line, headers, the blank line
  std::string out = std::move(head).str();
  if (!head_request_) out.append(body);
  // A blocking send may still return early (a signal); send the rest.
  size_t sent = 0;
  while (sent < out.size()) {
    const int n =
        session_.socket().sendBytes(out.data() + sent, static_cast<int>(out.size() - sent));
    if (n <= 0) throw Poco::Net::NetException("connection closed while sending a reply");
    sent += static_cast<size_t>(n);
  }
  sent_whole_ = true;
}

namespace {

// Exposes whether the session already holds bytes of the next request
// (a pipelining client), which then need no wait at all.
class Session : public Poco::Net::HTTPServerSession {
 public:
  using Poco::Net::HTTPServerSession::HTTPServerSession;
  bool HasBufferedBytes() const { return buffered() > 0; }
};

class Connection : public Poco::Net::TCPServerConnection {
 public:
  Connection(const Poco::Net::StreamSocket& socket, Poco::Net::HTTPServerParams::Ptr params,
             Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, bool tls,
             Poco::BasicEvent<const bool>* stopping, const std::atomic<bool>* server_stopped)
      : Poco::Net::TCPServerConnection(socket),
        params_(std::move(params)),
        handlers_(std::move(handlers)),
        tls_(tls),
        stopping_(stopping),
        server_stopped_(server_stopped) {
    *stopping_ += Poco::delegate(this, &Connection::OnServerStopped);
  }
  ~Connection() override { *stopping_ -= Poco::delegate(this, &Connection::OnServerStopped); }

  void run() override {
    const std::string server = params_->getSoftwareVersion();
    Session session(socket(), params_);
    bool first = true;
    while (!stopped_ && !*server_stopped_ && WaitForRequest(session, first)) {
      first = false;
      try {
        Poco::FastMutex::ScopedLock lock(mutex_);
        if (stopped_) break;
        ServeOne(session, server);
      } catch (const Poco::Net::NoMessageException&) {
        break;  // the client closed between requests
      } catch (const Poco::Net::MessageException&) {
        SendError(session, Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
      }
    }
  }

 private:
  // True when the next request's first bytes are here, or arrive within the
  // request timeout (first request) or the keep-alive timeout.
  bool WaitForRequest(Session& session, bool first) {
    if (!socket().impl()->initialized()) return false;
    if (!first && !session.getKeepAlive()) return false;
    if (session.HasBufferedBytes()) return true;
    const Poco::Timespan timeout = first ? params_->getTimeout() : params_->getKeepAliveTimeout();
    if (tls_) return socket().poll(timeout, Poco::Net::Socket::SELECT_READ);
    pollfd wanted{socket().impl()->sockfd(), POLLIN, 0};
    const auto timeout_ms = static_cast<int>(timeout.totalMilliseconds());
    for (;;) {
      const int ready = ::poll(&wanted, 1, timeout_ms);
      if (ready >= 0) return ready > 0;  // a hang-up or error counts: reading reports it
      if (errno != EINTR) return false;
    }
  }

  void ServeOne(Session& session, const std::string& server) {
    WholeReplyResponse response(session);
    Poco::Net::HTTPServerRequestImpl request(response, session, params_);
    response.set_head_request(request.getMethod() == Poco::Net::HTTPRequest::HTTP_HEAD);
    response.setDate(Poco::Timestamp());
    response.setVersion(request.getVersion());
    // Keep-alive requests are not counted: the API allows any number, as
    // Go's server does.
    response.setKeepAlive(params_->getKeepAlive() && request.getKeepAlive());
    if (!server.empty()) response.set("Server", server);
    try {
      std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
          handlers_->createRequestHandler(request));
      if (handler == nullptr) {
        SendError(session, Poco::Net::HTTPResponse::HTTP_NOT_IMPLEMENTED);
        return;
      }
      if (request.getExpectContinue()) response.sendContinue();
      handler->handleRequest(request, response);
      session.setKeepAlive(params_->getKeepAlive() && response.getKeepAlive());
    } catch (const Poco::Exception&) {
      if (!response.sent() && !response.sent_whole()) {
        try {
          SendError(session, Poco::Net::HTTPResponse::HTTP_INTERNAL_SERVER_ERROR);
        } catch (...) {  // the client is gone as well; the rethrow below says why
        }
      }
      throw;
    }
  }

  static void SendError(Session& session, Poco::Net::HTTPResponse::HTTPStatus status) {
    Poco::Net::HTTPServerResponseImpl response(session);
    response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
    response.setStatusAndReason(status);
    response.setKeepAlive(false);
    response.send();
    session.setKeepAlive(false);
  }

  // Fired by ConnectionFactory::StopAll, on the stopping thread.
  void OnServerStopped(const bool& abort_current) {
    stopped_ = true;
    try {
      if (abort_current) {
        socket().shutdown();  // wakes the wait and any read in progress
      } else {
        Poco::FastMutex::ScopedLock lock(mutex_);  // after the request being served
        socket().shutdown();
      }
    } catch (...) {  // already closed by the client: nothing to wake
    }
  }

  Poco::Net::HTTPServerParams::Ptr params_;
  Poco::Net::HTTPRequestHandlerFactory::Ptr handlers_;
  const bool tls_;
  Poco::BasicEvent<const bool>* const stopping_;   // the factory's, which outlives us
  const std::atomic<bool>* const server_stopped_;  // the factory's too
  std::atomic<bool> stopped_{false};
  Poco::FastMutex mutex_;  // held while a request is served
};

}  // namespace

ConnectionFactory::ConnectionFactory(Poco::Net::HTTPServerParams::Ptr params,
                                     Poco::Net::HTTPRequestHandlerFactory::Ptr handlers, bool tls)
    : params_(std::move(params)), handlers_(std::move(handlers)), tls_(tls) {}

Poco::Net::TCPServerConnection* ConnectionFactory::createConnection(
    const Poco::Net::StreamSocket& socket) {
  return new Connection(socket, params_, handlers_, tls_, &stopping_, &stopped_);
}

void ConnectionFactory::StopAll(bool abort_current) {
  stopped_ = true;
  stopping_(this, abort_current);
}

}  // namespace shadekv::api
