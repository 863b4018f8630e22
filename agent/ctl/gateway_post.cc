// Opening a gateway session and sending one POST (see gateway_post.h).
#include "agent/ctl/gateway_post.h"

#include <ostream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Timespan.h>

#include "agent/api/tls_session.h"

namespace shadekv::ctl {

namespace {

Poco::Timespan ToTimespan(std::chrono::nanoseconds d) {
  return Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

}  // namespace

Result<std::unique_ptr<Poco::Net::HTTPClientSession>> NewPostSession(
    const std::string& endpoint, const GatewayOptions& options,
    std::chrono::nanoseconds receive_timeout) {
  SHADEKV_ASSIGN_OR_RETURN(EndpointAddress address, ParseEndpoint(endpoint));
  const bool use_tls = address.scheme == EndpointAddress::Scheme::kHttps ||
                       (address.scheme == EndpointAddress::Scheme::kNone && !options.tls.isNull());
  if (use_tls && options.tls.isNull()) {
    return Status::InvalidArgument("endpoint " + endpoint +
                                   ": https needs TLS settings (--cacert, or "
                                   "--insecure-skip-tls-verify)");
  }
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session = tls::NewHttpClientSession(
        address.host, address.port, use_tls ? options.tls : Poco::Net::Context::Ptr());
    // Zero means "no timeout" for Poco's SO_RCVTIMEO on Linux.
    session->setTimeout(ToTimespan(options.dial_timeout), ToTimespan(options.command_timeout),
                        ToTimespan(receive_timeout));
    session->setKeepAlive(false);
    return session;
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("endpoint " + endpoint + ": " + e.displayText());
  }
}

Status SendPost(Poco::Net::HTTPClientSession& session, const std::string& endpoint,
                const std::string& token, std::string_view path, const std::string& body,
                bool* connected) {
  *connected = false;
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, std::string(path),
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  if (!token.empty()) request.set("Authorization", token);
  try {
    std::ostream& out = session.sendRequest(request);
    *connected = true;
    out << body;
    out.flush();
  } catch (const Poco::TimeoutException&) {
    if (!*connected) return Status::Unavailable(endpoint + ": dial timeout");
    return Status::Unavailable("sending to " + endpoint + " timed out");
  } catch (const Poco::Net::SSLException& e) {
    if (*connected)
      return Status::Unavailable("sending to " + endpoint + " failed: " + e.displayText());
    // The handshake runs while connecting, before the request is sent.
    return Status::Unavailable(endpoint + ": TLS handshake failed: " + e.displayText() +
                               " (check --cacert, --cert and --key against the server's "
                               "certificates)");
  } catch (const Poco::Exception& e) {
    if (!*connected) return Status::Unavailable(endpoint + ": " + e.displayText());
    return Status::Unavailable("sending to " + endpoint + " failed: " + e.displayText());
  }
  return Status::Ok();
}

}  // namespace shadekv::ctl
