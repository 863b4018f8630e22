// The connection half of GatewayClient: opening a session to one endpoint
// and sending one POST, shared by the one-shot calls (Call) and the streams
// (Stream), which differ only in how they read the answer.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <Poco/Net/HTTPClientSession.h>

#include "agent/ctl/gateway_client.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// A session to `endpoint` (not yet connected; https when the endpoint says
// so, or has no scheme and options.tls is set) for one request without
// keep-alive: dialling (and the TLS handshake) bounded by
// options.dial_timeout, sending by options.command_timeout, each read by
// `receive_timeout` (zero: no bound). This is the one place sessions are
// made. InvalidArgument for an endpoint that does not parse or that Poco
// refuses.
Result<std::unique_ptr<Poco::Net::HTTPClientSession>> NewPostSession(
    const std::string& endpoint, const GatewayOptions& options,
    std::chrono::nanoseconds receive_timeout);

// Connects and sends a POST of the JSON text `body` to `path`, with
// `token` as the Authorization header when not empty. Sets
// *connected once the request line and headers went out (from then on a
// write may have applied, so the caller must not try another endpoint).
// Unavailable, worded by whether it connected, when dialling or sending
// fails or times out.
Status SendPost(Poco::Net::HTTPClientSession& session, const std::string& endpoint,
                const std::string& token, std::string_view path, const std::string& body,
                bool* connected);

}  // namespace shadekv::ctl
