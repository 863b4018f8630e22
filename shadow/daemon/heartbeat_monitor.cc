// Heartbeat listener for the shadow's status: SUB sockets on topic "H".
#include "shadow/daemon/heartbeat_monitor.h"

#include <zmq.hpp>

#include <chrono>

#include "shadekv/bus/codec.h"
#include "shadekv/bus/messages.h"

namespace shadekv::shadow {

struct HeartbeatMonitor::Sockets {
  zmq::context_t context{1};
  std::vector<zmq::socket_t> subs;
};

int64_t HeartbeatMonitor::SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<HeartbeatMonitor>> HeartbeatMonitor::Start(
    const std::vector<std::string>& endpoints, const std::optional<bus::SubscriberCurve>& curve) {
  auto sockets = std::make_unique<Sockets>();
  for (size_t i = 0; i < endpoints.size(); ++i) {
    const std::string& endpoint = endpoints[i];
    try {
      zmq::socket_t sub(sockets->context, zmq::socket_type::sub);
      sub.set(zmq::sockopt::linger, 0);
      if (curve) {
        const std::vector<std::string>& keys = curve->server_public_keys;
        sub.set(zmq::sockopt::curve_serverkey, keys.size() == 1 ? keys[0] : keys.at(i));
        sub.set(zmq::sockopt::curve_publickey, curve->keys.public_key);
        sub.set(zmq::sockopt::curve_secretkey, curve->keys.secret_key);
      }
      sub.set(zmq::sockopt::subscribe, bus::kHeartbeatTopic);
      sub.connect(endpoint);
      sockets->subs.push_back(std::move(sub));
    } catch (const zmq::error_t& e) {
      return Status::InvalidArgument("heartbeat monitor: cannot connect to \"" + endpoint +
                                     "\": " + e.what());
    }
  }
  std::unique_ptr<HeartbeatMonitor> monitor(new HeartbeatMonitor(endpoints, std::move(sockets)));
  monitor->thread_ = std::thread([m = monitor.get()] { m->Loop(); });
  return monitor;
}

HeartbeatMonitor::HeartbeatMonitor(std::vector<std::string> endpoints,
                                   std::unique_ptr<Sockets> sockets)
    : sockets_(std::move(sockets)) {
  for (std::string& e : endpoints) heard_.push_back(PublisherHeard{std::move(e), {}, 0, 0, 0});
}

HeartbeatMonitor::~HeartbeatMonitor() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

std::vector<PublisherHeard> HeartbeatMonitor::Snapshot() const {
  std::lock_guard lock(mu_);
  return heard_;
}

void HeartbeatMonitor::Loop() {
  std::vector<zmq::pollitem_t> items;
  for (zmq::socket_t& s : sockets_->subs) items.push_back({s.handle(), 0, ZMQ_POLLIN, 0});
  while (!stop_) {
    try {
      zmq::poll(items.data(), items.size(), std::chrono::milliseconds(100));
    } catch (const zmq::error_t&) {
      continue;  // EINTR
    }
    for (size_t i = 0; i < items.size(); ++i) {
      if (!(items[i].revents & ZMQ_POLLIN)) continue;
      // Bounded per wake-up so a flood on one socket cannot hold the others.
      for (int n = 0; n < 100; ++n) {
        std::vector<zmq::message_t> frames;
        try {
          zmq::message_t frame;
          if (!sockets_->subs[i].recv(frame, zmq::recv_flags::dontwait)) break;
          bool more = frame.more();
          frames.push_back(std::move(frame));
          while (more) {
            zmq::message_t next;
            (void)sockets_->subs[i].recv(next, zmq::recv_flags::none);
            more = next.more();
            if (frames.size() < 3) frames.push_back(std::move(next));
          }
        } catch (const zmq::error_t&) {
          break;
        }
        // Anything but [H][heartbeat body] is the subscriber's business
        // (it counts malformed frames); here it is just ignored.
        if (frames.size() != 2 || frames[0].size() != 1) continue;
        Result<bus::Heartbeat> hb = bus::DecodeHeartbeat(
            std::string_view(static_cast<const char*>(frames[1].data()), frames[1].size()));
        if (!hb.ok()) continue;
        std::lock_guard lock(mu_);
        heard_[i].last_heartbeat_ms = SteadyNowMs();
        heard_[i].member_id = hb->member_id;
        heard_[i].cluster_id = hb->cluster_id;
        heard_[i].latest_revision = hb->latest_revision;
        cluster_id_ = hb->cluster_id;
      }
    }
  }
}

}  // namespace shadekv::shadow
