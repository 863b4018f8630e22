// CurveAuthenticator: the ZAP handler (ZeroMQ RFC 27) that decides which
// CURVE clients a context's server sockets accept.
//
// Why it exists: a CURVE server socket that only has its secret key accepts
// every client that knows its public key. libzmq asks the ZAP handler bound
// at inproc://zeromq.zap.01 in the same context about every handshake; this
// one allows exactly the configured client public keys and refuses the rest
// (status 400), logging refusals with the key's prefix and the peer address
// (the first 10, then every 1000th, so a flood cannot flood the log).
//
// One per zmq context: Start binds the ZAP endpoint, so a second one in the
// same context fails (kAlreadyExists). The authenticator must be destroyed
// before its context (its socket would block the context's termination);
// declare it after the context member. Requests that arrive before Start
// returns are queued by the bound socket and answered once the thread runs.
//
// Threads: one handler thread owns the socket; the counters may be read
// from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "shadekv/common/status.h"

namespace shadekv::bus {

struct ZapRequest;

class CurveAuthenticator {
 public:
  // `allowed_public_keys` are Z85 (checked: kInvalidArgument for a bad one,
  // and for an empty list, which would refuse everyone). `log_name` is the
  // Poco logger name ("shadekv.transport", "shadekv.publisher").
  static Result<std::unique_ptr<CurveAuthenticator>> Start(
      zmq::context_t& context, const std::vector<std::string>& allowed_public_keys,
      std::string log_name);
  ~CurveAuthenticator();  // stops and joins the thread, closes the socket

  CurveAuthenticator(const CurveAuthenticator&) = delete;
  CurveAuthenticator& operator=(const CurveAuthenticator&) = delete;

  uint64_t allowed() const { return allowed_.load(); }
  uint64_t refused() const { return refused_.load(); }
  // Malformed ZAP requests (never sent by a sane libzmq), answered 500.
  uint64_t malformed() const { return malformed_.load(); }

 private:
  CurveAuthenticator(zmq::context_t& context, std::string log_name);
  void Run();
  void HandleOne();

  // Fixed after construction.
  std::set<std::string> allowed_keys_;  // 32-byte binary keys
  const std::string log_name_;
  zmq::socket_t socket_;  // the handler thread only, once started
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> allowed_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> malformed_{0};
};

}  // namespace shadekv::bus
