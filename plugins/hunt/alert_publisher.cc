// The alert PUB socket and its I/O thread (alert_publisher.h).
#include "plugins/hunt/alert_publisher.h"

#include <cerrno>

#include "shadekv/bus/messages.h"

namespace shadekv::hunt {
namespace {

// Alerts waiting for the I/O thread; beyond this Publish drops.
constexpr int kPipeHwm = 10000;

}  // namespace

AlertPublisher::AlertPublisher()
    : context_(1),
      pub_(context_, zmq::socket_type::pub),
      pipe_in_(context_, zmq::socket_type::pull),
      pipe_out_(context_, zmq::socket_type::push),
      stop_in_(context_, zmq::socket_type::pull),
      stop_out_(context_, zmq::socket_type::push) {}

Result<std::unique_ptr<AlertPublisher>> AlertPublisher::Start(const std::string& endpoint,
                                                              int send_hwm) {
  std::unique_ptr<AlertPublisher> p(new AlertPublisher());
  try {
    p->pub_.set(zmq::sockopt::sndhwm, send_hwm);
    p->pub_.set(zmq::sockopt::linger, 0);
    p->pub_.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("hunt: cannot bind hunt.publish \"" + endpoint +
                                   "\": " + e.what() +
                                   " (check the address, or whether another process uses the "
                                   "port)");
  }
  try {
    p->endpoint_ = p->pub_.get(zmq::sockopt::last_endpoint);
    // Each publisher has its own context, so these inproc names are private.
    p->pipe_in_.set(zmq::sockopt::rcvhwm, kPipeHwm);
    p->pipe_out_.set(zmq::sockopt::sndhwm, kPipeHwm);
    p->pipe_out_.set(zmq::sockopt::linger, 0);
    p->pipe_in_.bind("inproc://hunt-alerts");
    p->pipe_out_.connect("inproc://hunt-alerts");
    p->stop_in_.bind("inproc://hunt-stop");
    p->stop_out_.connect("inproc://hunt-stop");
  } catch (const zmq::error_t& e) {
    return Status::Internal(std::string("hunt: alert socket setup failed: ") + e.what());
  }
  p->thread_ = std::thread([raw = p.get()] { raw->Run(); });
  return p;
}

AlertPublisher::~AlertPublisher() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  try {
    stop_out_.send(zmq::str_buffer("stop"), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    // The loop's bounded poll sees stopping_ within 500 ms anyway.
  }
  thread_.join();
}

bool AlertPublisher::Publish(std::string_view body) {
  try {
    if (pipe_out_.send(zmq::buffer(body.data(), body.size()), zmq::send_flags::dontwait)) {
      return true;
    }
  } catch (const zmq::error_t&) {
    // Counted as dropped below.
  }
  dropped_++;
  return false;
}

void AlertPublisher::Run() {
  zmq::pollitem_t items[] = {{stop_in_.handle(), 0, ZMQ_POLLIN, 0},
                             {pipe_in_.handle(), 0, ZMQ_POLLIN, 0}};
  while (!stopping_) {
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(500));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;  // a signal meant for the process
      return;
    }
    if (items[0].revents & ZMQ_POLLIN) return;
    for (int i = 0; i < 1000 && (items[1].revents & ZMQ_POLLIN); ++i) {
      zmq::message_t body;
      try {
        if (!pipe_in_.recv(body, zmq::recv_flags::dontwait)) break;
        // PUB never blocks: past the HWM ZeroMQ drops for that subscriber.
        pub_.send(zmq::buffer(bus::kAlertTopic, 1), zmq::send_flags::sndmore);
        pub_.send(body, zmq::send_flags::none);
        published_++;
      } catch (const zmq::error_t&) {
        break;
      }
    }
  }
}

}  // namespace shadekv::hunt
