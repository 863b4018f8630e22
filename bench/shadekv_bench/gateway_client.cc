// Poco throws on every transport failure; this is the edge where those
// exceptions become values.
#include "bench/shadekv_bench/gateway_client.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace shadekv::bench {

GatewayClient::GatewayClient(const Endpoint& endpoint, int timeout_ms)
    : endpoint_(endpoint),
      session_(std::make_unique<Poco::Net::HTTPClientSession>(
          endpoint.host, static_cast<Poco::UInt16>(endpoint.port))) {
  session_->setKeepAlive(true);
  session_->setTimeout(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout_ms) * 1000));
}

GatewayClient::~GatewayClient() = default;

Result<HttpReply> GatewayClient::Post(const std::string& path, const std::string& body) {
  try {
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.setKeepAlive(true);
    session_->sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session_->receiveResponse(response);
    HttpReply reply;
    Poco::StreamCopier::copyToString(in, reply.body);
    reply.status = static_cast<int>(response.getStatus());
    return reply;
  } catch (const Poco::Exception& e) {
    session_->reset();  // a half-read reply must not be taken for the next one's
    return Status::Unavailable("POST " + path + " to " + endpoint_.ToString() +
                               " failed: " + e.displayText());
  } catch (const std::exception& e) {
    session_->reset();
    return Status::Unavailable("POST " + path + " to " + endpoint_.ToString() +
                               " failed: " + e.what());
  }
}

}  // namespace shadekv::bench
