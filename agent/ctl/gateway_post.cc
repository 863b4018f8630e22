// Opening a gateway session and sending one POST (see gateway_post.h).
#include "agent/ctl/gateway_post.h"

#include <ostream>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timespan.h>

namespace shadekv::ctl {

namespace {

Poco::Timespan ToTimespan(std::chrono::nanoseconds d) {
  return Poco::Timespan(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

}  // namespace

Status OpenPostSession(const std::string& endpoint, const GatewayOptions& options,
                       std::chrono::nanoseconds receive_timeout,
                       Poco::Net::HTTPClientSession& session) {
  SHADEKV_ASSIGN_OR_RETURN(EndpointAddress address, ParseEndpoint(endpoint));
  try {
    session.setHost(address.host);
    session.setPort(address.port);
    // Zero means "no timeout" for Poco's SO_RCVTIMEO on Linux.
    session.setTimeout(ToTimespan(options.dial_timeout), ToTimespan(options.command_timeout),
                       ToTimespan(receive_timeout));
    session.setKeepAlive(false);
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("endpoint " + endpoint + ": " + e.displayText());
  }
  return Status::Ok();
}

Status SendPost(Poco::Net::HTTPClientSession& session, const std::string& endpoint,
                const GatewayOptions& options, std::string_view path, const std::string& body,
                bool* connected) {
  *connected = false;
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, std::string(path),
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  if (!options.auth_token.empty()) request.set("Authorization", options.auth_token);
  try {
    std::ostream& out = session.sendRequest(request);
    *connected = true;
    out << body;
    out.flush();
  } catch (const Poco::TimeoutException&) {
    if (!*connected) return Status::Unavailable(endpoint + ": dial timeout");
    return Status::Unavailable("sending to " + endpoint + " timed out");
  } catch (const Poco::Exception& e) {
    if (!*connected) return Status::Unavailable(endpoint + ": " + e.displayText());
    return Status::Unavailable("sending to " + endpoint + " failed: " + e.displayText());
  }
  return Status::Ok();
}

}  // namespace shadekv::ctl
