// HeartbeatMonitor: listens to the publishers' heartbeats on its own SUB
// sockets (topic "H" only), so the shadow can tell, per publisher, when it
// last heard from it and which cluster it belongs to. The subscriber driver
// keeps that inside its sequencer; this is a read-only second ear on the
// same PUB endpoints and never sends anything.
//
// Threads: Start runs a background thread until the destructor; Snapshot
// may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bus/subscriber/subscriber.h"
#include "shadekv/common/status.h"

namespace shadekv::shadow {

struct PublisherHeard {
  std::string endpoint;
  // Steady-clock ms of the last valid heartbeat; nullopt: never heard.
  std::optional<int64_t> last_heartbeat_ms;
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  int64_t latest_revision = 0;
};

class HeartbeatMonitor {
 public:
  // Connects one SUB per endpoint and starts listening (as a CURVE client
  // when `curve` is set). kInvalidArgument for an endpoint ZeroMQ refuses.
  static Result<std::unique_ptr<HeartbeatMonitor>> Start(
      const std::vector<std::string>& endpoints,
      const std::optional<bus::SubscriberCurve>& curve = std::nullopt);
  ~HeartbeatMonitor();

  std::vector<PublisherHeard> Snapshot() const;
  // The cluster id of the most recent heartbeat (0 until one arrived).
  uint64_t cluster_id() const { return cluster_id_.load(); }

  static int64_t SteadyNowMs();

 private:
  struct Sockets;
  HeartbeatMonitor(std::vector<std::string> endpoints, std::unique_ptr<Sockets> sockets);
  void Loop();

  std::unique_ptr<Sockets> sockets_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> cluster_id_{0};
  mutable std::mutex mu_;
  std::vector<PublisherHeard> heard_;  // guarded by mu_
  std::thread thread_;
};

}  // namespace shadekv::shadow
