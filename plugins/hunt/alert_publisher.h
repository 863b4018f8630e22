// Publishes ALERT bodies on a PUB socket under topic "A" (bus/PROTOCOL.md).
// ZeroMQ sockets are not thread-safe, so one I/O thread owns PUB; the
// caller's thread hands each alert over an inproc PUSH/PULL pipe without
// waiting: when the pipe is full the alert is dropped and counted (it is in
// the alerts file anyway), so the plugin's on_event never blocks on the bus.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <zmq.hpp>

#include "shadekv/common/status.h"

namespace shadekv::hunt {

class AlertPublisher {
 public:
  // Binds PUB at `endpoint` with send HWM `send_hwm` (errors name the
  // endpoint: bad address, address in use) and starts the I/O thread.
  static Result<std::unique_ptr<AlertPublisher>> Start(const std::string& endpoint, int send_hwm);
  ~AlertPublisher();  // stops and joins the I/O thread

  // One ALERT body; never blocks. Returns false when it was dropped.
  bool Publish(std::string_view body);

  // The bound endpoint (port resolved when `*` or 0 was given).
  const std::string& endpoint() const { return endpoint_; }
  uint64_t published() const { return published_.load(); }
  uint64_t dropped() const { return dropped_.load(); }

 private:
  AlertPublisher();
  void Run();

  zmq::context_t context_;
  zmq::socket_t pub_;       // I/O thread only (after Start)
  zmq::socket_t pipe_in_;   // PULL, I/O thread
  zmq::socket_t pipe_out_;  // PUSH, the publishing thread
  zmq::socket_t stop_in_;   // PULL, I/O thread
  zmq::socket_t stop_out_;  // PUSH, the destroying thread
  std::string endpoint_;
  std::atomic<uint64_t> published_{0};
  std::atomic<uint64_t> dropped_{0};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace shadekv::hunt
