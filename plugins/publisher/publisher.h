// The publisher (bus/PROTOCOL.md): binds PUB and ROUTER, and runs two
// threads. ZeroMQ sockets are not thread-safe, so each socket has exactly one
// owning thread:
//  - the live thread owns PUB: events (handed over by on_event's thread on
//    an inproc PUSH/PULL pair) and heartbeats on their timer;
//  - the catch-up thread owns the ROUTER: it serves one request at a time,
//    reading history in bounded chunks and streaming snapshots from a spool
//    file, so a long catch-up never delays a live event or a heartbeat
//    (subscribers would otherwise think the publisher dead and fail over).
// Shutdown stops both promptly: the catch-up thread checks a stop flag
// between chunks, in its reply sends and inside a snapshot export.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <zmq.hpp>

#include "plugins/publisher/publisher_config.h"
#include "shadekv/bus/curve_authenticator.h"
#include "shadekv/common/status.h"
#include "shadekv/plugin.h"

namespace shadekv::publisher {

struct PublisherCounters {
  std::atomic<uint64_t> events_published{0};
  std::atomic<uint64_t> events_rejected{0};  // on_event bytes that are not an EVENT
  std::atomic<uint64_t> heartbeats{0};
  std::atomic<uint64_t> catchup_requests{0};
  std::atomic<uint64_t> malformed_requests{0};  // answered with ERROR
  std::atomic<uint64_t> abandoned_streams{0};   // peer gone or full too long, or stopping
};

// The number of CURVE handshakes refused (unauthorized subscriber keys); 0
// without CURVE.

class Publisher {
 public:
  // Binds both sockets (errors name the endpoint: bad address, in use) and
  // starts both threads. `host` must outlive the publisher. With CURVE
  // configured, reads the key files first (their errors name the file and
  // the config key) and makes both sockets CURVE servers.
  static Result<std::unique_ptr<Publisher>> Start(const PublisherConfig& config,
                                                  const shadekv_plugin_host* host);
  ~Publisher();  // stops and joins both threads

  // One EVENT body from the plugin host's thread. Checks it is an EVENT
  // (kInvalidArgument otherwise) and passes it to the I/O thread; blocks
  // only while the inproc pipe is full, never on a subscriber.
  Status Publish(std::string_view body);

  const std::string& pub_endpoint() const { return pub_endpoint_; }
  const std::string& catchup_endpoint() const { return catchup_endpoint_; }
  const PublisherCounters& counters() const { return counters_; }
  uint64_t curve_refused() const { return authenticator_ ? authenticator_->refused() : 0; }

 private:
  Publisher(const PublisherConfig& config, const shadekv_plugin_host* host);
  void Run();         // the live thread
  void RunCatchup();  // the catch-up thread
  void SendHeartbeat();
  void HandleRequest();
  // Sends one reply frame pair to `identity`; false when the peer is gone,
  // stays full for too long, or the publisher is stopping.
  bool Reply(const zmq::message_t& identity, const std::string& body);

  const PublisherConfig config_;
  const shadekv_plugin_host* host_;
  zmq::context_t context_;
  // CURVE only: the ZAP handler of context_ (so declared after it), which
  // allows the authorized subscribers on both PUB and ROUTER.
  std::unique_ptr<bus::CurveAuthenticator> authenticator_;
  zmq::socket_t pub_;
  zmq::socket_t router_;    // the catch-up thread only, once started
  zmq::socket_t pipe_in_;   // PULL, I/O thread
  zmq::socket_t pipe_out_;  // PUSH, the plugin host's thread
  zmq::socket_t stop_in_;   // PULL, I/O thread
  zmq::socket_t stop_out_;  // PUSH, the destroying thread
  std::string pub_endpoint_;
  std::string catchup_endpoint_;
  int64_t last_published_ = 0;
  std::thread thread_;
  std::thread catchup_thread_;
  std::atomic<bool> stopping_{false};
  PublisherCounters counters_;
};

}  // namespace shadekv::publisher
