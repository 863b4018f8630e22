// HTTP client for the etcd v3 JSON gateway (and shadekv's API, which speaks
// the same): POST a JSON body to /v3/..., get the JSON response or a Status
// carrying the gateway's own error message ("etcdserver: key is not provided")
// and gRPC code.
//
// Endpoint failover: Call() tries the endpoints in order and moves on only
// when it cannot connect (refused, unreachable, dial timeout). Once a request
// has been sent it is never re-sent elsewhere, since a write may have applied.
//
// Timeouts: dial_timeout bounds each connection attempt; command_timeout
// bounds sending the request and waiting for the answer (etcdctl's
// --command-timeout, which also excludes dialling).
//
// Streaming (Stream()): /v3/watch and /v3/lease/keepalive answer with a
// chunked body of newline-delimited {"result":{...}} or {"error":{...}}
// messages; Stream() hands each result to a callback as it arrives.
//
// TLS: https:// endpoints (and scheme-less ones when options.tls is set)
// use options.tls; sessions are made in one place, NewPostSession
// (gateway_post.h).
//
// Thread-safety: the client holds only options fixed at construction, so
// several threads may call it at once (a lock holder keeps its lease alive on
// one thread while it watches on another); each call has its own connection.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/JSON/Object.h>
#include <Poco/Net/Context.h>

#include "agent/ctl/cancel_token.h"
#include "agent/ctl/renewable_token.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

struct GatewayOptions {
  std::vector<std::string> endpoints = {"127.0.0.1:2379"};
  std::chrono::nanoseconds dial_timeout = std::chrono::seconds(2);
  std::chrono::nanoseconds command_timeout = std::chrono::seconds(5);
  // The caller's token, sent as the `Authorization` header of every
  // request, streams included (etcd's gateway takes the bare token, no
  // "Bearer"); null or empty: no header. A request refused because the
  // token expired logs in again through it and is sent once more, as
  // clientv3 does. Copies of these options share it.
  std::shared_ptr<RenewableToken> auth;
  // TLS client context (agent/api/tls_context.h) for https:// endpoints, and
  // for endpoints without a scheme when set (etcdctl: TLS flags make bare
  // endpoints TLS; http:// stays plain). Null: no TLS.
  Poco::Net::Context::Ptr tls;
};

// An endpoint as host and port. Accepts "host:port", "http://host:port",
// "https://host:port" and "host" (port 2379). unixs:// and unix:// are
// rejected.
struct EndpointAddress {
  enum class Scheme { kNone, kHttp, kHttps };
  std::string host;
  uint16_t port = 2379;
  Scheme scheme = Scheme::kNone;
};
Result<EndpointAddress> ParseEndpoint(std::string_view endpoint);

class GatewayClient {
 public:
  explicit GatewayClient(GatewayOptions options);

  const GatewayOptions& options() const { return options_; }

  // POSTs `body` to `path` (e.g. "/v3/kv/range") on the first endpoint that
  // accepts a connection (again with a new token when the first was refused
  // as expired, see GatewayOptions::auth). On success, the parsed response
  // object. On failure:
  // the gateway's error (its `code` and `message`); DeadlineExceeded
  // "context deadline exceeded" when the answer did not come within
  // command_timeout; DeadlineExceeded naming every endpoint and why each failed
  // when none could be reached.
  Result<Poco::JSON::Object::Ptr> Call(std::string_view path,
                                       const Poco::JSON::Object::Ptr& body) const;

  // Called with each message's `result` object, in arrival order. Returning
  // false stops reading (Stream() then returns OK).
  using StreamHandler = std::function<bool(const Poco::JSON::Object::Ptr& result)>;

  // POSTs `body` (raw text: a streaming endpoint takes several JSON objects
  // back to back) to `path` on the first endpoint that accepts a connection
  // and reads the newline-delimited answer (opened again with a new token
  // when refused as expired before any result) until one of:
  // - the server ends the stream, or `on_result` returns false: OK;
  // - `cancel` (may be null) is stopped, from any thread: Cancelled carrying
  //   the token's reason; the socket is shut down to wake the read;
  // - nothing arrives for `receive_timeout` (zero: wait forever):
  //   DeadlineExceeded "context deadline exceeded";
  // - the server sends {"error":...} or a non-200 answer: its code and message;
  // - the connection breaks, or no endpoint can be reached: Unavailable.
  Status Stream(std::string_view path, const std::string& body,
                std::chrono::nanoseconds receive_timeout, CancelToken* cancel,
                const StreamHandler& on_result) const;

  // Like Call() but on one endpoint only, with no failover (endpoint status,
  // health, hashkv ask each endpoint separately).
  Result<Poco::JSON::Object::Ptr> CallEndpoint(const std::string& endpoint, std::string_view path,
                                               const Poco::JSON::Object::Ptr& body) const;

 private:
  // The token to send now ("": none).
  std::string Token() const;
  // Whether a request sent with a token was refused for it and a new one
  // can be had; then *token becomes the one to retry with. A failed login
  // replaces *refusal with the login's error.
  bool RenewAfter(Status* refusal, std::string* token) const;

  Result<Poco::JSON::Object::Ptr> CallAnyEndpoint(std::string_view path, const std::string& body,
                                                  const std::string& token) const;
  Status StreamAnyEndpoint(std::string_view path, const std::string& body,
                           std::chrono::nanoseconds receive_timeout, CancelToken* cancel,
                           const StreamHandler& on_result, const std::string& token) const;

  // Sets *connected to whether the request got as far as being sent.
  Result<Poco::JSON::Object::Ptr> Attempt(const std::string& endpoint, std::string_view path,
                                          const std::string& body, const std::string& token,
                                          bool* connected) const;

  Status StreamFrom(const std::string& endpoint, std::string_view path, const std::string& body,
                    const std::string& token, std::chrono::nanoseconds receive_timeout,
                    CancelToken* cancel, const StreamHandler& on_result, bool* connected) const;

  GatewayOptions options_;
};

// The Status for a non-200 gateway answer: the gateway's own {"code",
// "message"} when the body has them, else a description of the HTTP status.
Status GatewayErrorFromResponse(const std::string& endpoint, std::string_view path, int http_status,
                                const std::string& reason, const std::string& body);

}  // namespace shadekv::ctl
