// Helpers for bus tests with real sockets on 127.0.0.1: free endpoints, the
// real publisher plugin loaded through the real PluginHost, a recording
// consumer, bounded waiting.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

#include "bus/subscriber/subscriber.h"
#include "shadekv/plugin_host/plugin_host.h"

namespace shadekv::bus::testing {

// An endpoint on 127.0.0.1 with a port the kernel just handed out (bound
// and released, so a later bind there almost surely succeeds).
inline std::string FreeEndpoint() {
  zmq::context_t context(1);
  zmq::socket_t socket(context, zmq::socket_type::pub);
  socket.set(zmq::sockopt::linger, 0);
  socket.bind("tcp://127.0.0.1:*");
  return socket.get(zmq::sockopt::last_endpoint);
}

// Polls `done` every 5 ms until it holds or `limit` passes.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return done();
}

struct LoadedPublisher {
  std::string pub;
  std::string catchup;
  std::unique_ptr<plugin_host::PluginHost> host;
};

// Loads build/plugins/libshadekv_publisher.so with its own free endpoints
// and `extra` settings (KEY, VALUE).
inline Result<LoadedPublisher> LoadPublisher(
    plugin_host::HostServices* services,
    const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  LoadedPublisher out;
  out.pub = FreeEndpoint();
  // Port 0 for the catch-up endpoint: heartbeats carry the real one.
  out.catchup = "tcp://127.0.0.1:*";
  std::vector<plugin_host::PluginSetting> settings = {{"publisher", "listen", out.pub},
                                                      {"publisher", "catchup", out.catchup},
                                                      {"publisher", "heartbeat_ms", "100"}};
  for (const auto& [k, v] : extra) settings.push_back({"publisher", k, v});
  SHADEKV_ASSIGN_OR_RETURN(
      out.host, plugin_host::PluginHost::Load({PUBLISHER_PLUGIN_PATH}, settings, services));
  return out;
}

// Records what the driver hands over; checks the order itself so a test
// fails at the first wrong revision, not only at the end.
class RecordingConsumer : public SubscriberConsumer {
 public:
  explicit RecordingConsumer(int64_t applied, std::chrono::milliseconds delay_first = {})
      : applied_(applied), delay_first_(delay_first) {}

  Status InstallSnapshot(int64_t revision, std::string_view data) override {
    std::lock_guard<std::mutex> lock(mu_);
    snapshots_.emplace_back(revision, std::string(data));
    applied_ = revision;
    return Status::Ok();
  }

  Status ApplyEvent(int64_t revision, std::string_view body) override {
    if (delay_first_.count() > 0) {
      // A consumer that stalls while the publisher floods: PUB and SUB
      // buffers overflow and messages are dropped.
      std::this_thread::sleep_for(delay_first_);
      delay_first_ = {};
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (revision != applied_ + 1) {
      return Status::Internal("consumer got revision " + std::to_string(revision) + " after " +
                              std::to_string(applied_));
    }
    applied_ = revision;
    events_.emplace_back(revision, std::string(body));
    return Status::Ok();
  }

  int64_t applied() {
    std::lock_guard<std::mutex> lock(mu_);
    return applied_;
  }
  std::vector<std::pair<int64_t, std::string>> events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<std::pair<int64_t, std::string>> snapshots() {
    std::lock_guard<std::mutex> lock(mu_);
    return snapshots_;
  }

 private:
  std::mutex mu_;
  int64_t applied_;
  std::chrono::milliseconds delay_first_;
  std::vector<std::pair<int64_t, std::string>> events_;
  std::vector<std::pair<int64_t, std::string>> snapshots_;
};

// Runs a Subscriber on its own thread until destroyed.
class RunningSubscriber {
 public:
  explicit RunningSubscriber(std::unique_ptr<Subscriber> s) : subscriber_(std::move(s)) {
    thread_ = std::thread([this] { result_ = subscriber_->Run(stop_); });
  }
  ~RunningSubscriber() { (void)Stop(); }
  Status Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return result_;
  }
  SubscriberStats Stats() const { return subscriber_->Stats(); }

 private:
  std::unique_ptr<Subscriber> subscriber_;
  std::atomic<bool> stop_{false};
  Status result_;
  std::thread thread_;
};

}  // namespace shadekv::bus::testing
