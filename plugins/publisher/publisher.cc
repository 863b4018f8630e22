#include "plugins/publisher/publisher.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <vector>

#include "plugins/publisher/catchup_server.h"
#include "shadekv/bus/codec.h"
#include "shadekv/bus/curve_keys.h"

namespace shadekv::publisher {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kPipeEndpoint[] = "inproc://publisher-events";
constexpr char kStopEndpoint[] = "inproc://publisher-stop";
// Replies to one subscriber wait at most kReplySendTimeoutMs for room before
// the stream is abandoned (the subscriber times out and asks again), in
// slices so a stop is seen within one slice.
constexpr int kReplySendTimeoutMs = 2000;
constexpr int kReplySendSliceMs = 50;
// How often the catch-up thread looks at the stop flag while idle.
constexpr int kCatchupIdlePollMs = 50;

std::string LastEndpoint(zmq::socket_t& socket) { return socket.get(zmq::sockopt::last_endpoint); }

}  // namespace

Publisher::Publisher(const PublisherConfig& config, const shadekv_plugin_host* host)
    : config_(config),
      host_(host),
      context_(1),
      pub_(context_, zmq::socket_type::pub),
      router_(context_, zmq::socket_type::router),
      pipe_in_(context_, zmq::socket_type::pull),
      pipe_out_(context_, zmq::socket_type::push),
      stop_in_(context_, zmq::socket_type::pull),
      stop_out_(context_, zmq::socket_type::push) {}

Result<std::unique_ptr<Publisher>> Publisher::Start(const PublisherConfig& config,
                                                    const shadekv_plugin_host* host) {
  if (host == nullptr) return Status::InvalidArgument("publisher: no host table");
  std::unique_ptr<Publisher> p(new Publisher(config, host));
  std::optional<bus::CurveKeyPair> curve_keys;
  if (!config.curve_key.empty()) {
    Result<bus::CurveKeyPair> keys = bus::LoadCurveKeyPair(config.curve_key);
    if (!keys.ok()) return keys.status().WithContext("publisher.curve_key");
    Result<std::vector<bus::AuthorizedKey>> authorized =
        bus::LoadAuthorizedKeys(config.curve_authorized);
    if (!authorized.ok()) return authorized.status().WithContext("publisher.curve_authorized");
    std::vector<std::string> allowed;
    for (const bus::AuthorizedKey& key : *authorized) allowed.push_back(key.public_key);
    SHADEKV_ASSIGN_OR_RETURN(p->authenticator_, bus::CurveAuthenticator::Start(
                                                    p->context_, allowed, "shadekv.publisher"));
    curve_keys = *keys;
  }
  const std::string* binding = &config.listen;
  try {
    if (curve_keys) {
      // Subscribers read nothing without a handshake the ZAP handler allowed,
      // on the live stream and on catch-up alike.
      for (zmq::socket_t* socket : {&p->pub_, &p->router_}) {
        socket->set(zmq::sockopt::curve_server, 1);
        socket->set(zmq::sockopt::curve_secretkey, curve_keys->secret_key);
        socket->set(zmq::sockopt::zap_domain, "shadekv-bus");
      }
    }
    p->pub_.set(zmq::sockopt::sndhwm, config.send_hwm);
    p->pub_.set(zmq::sockopt::linger, 0);
    p->pub_.bind(config.listen);
    binding = &config.catchup;
    p->router_.set(zmq::sockopt::linger, 0);
    // Fail instead of silently dropping replies to a full or vanished peer.
    p->router_.set(zmq::sockopt::router_mandatory, 1);
    p->router_.set(zmq::sockopt::sndtimeo, kReplySendSliceMs);
    p->router_.bind(config.catchup);
    binding = nullptr;
    p->pub_endpoint_ = LastEndpoint(p->pub_);
    p->catchup_endpoint_ = LastEndpoint(p->router_);
    p->pipe_in_.set(zmq::sockopt::rcvhwm, 10000);
    p->pipe_out_.set(zmq::sockopt::sndhwm, 10000);
    p->pipe_out_.set(zmq::sockopt::linger, 0);
    p->pipe_in_.bind(kPipeEndpoint);
    p->pipe_out_.connect(kPipeEndpoint);
    p->stop_in_.bind(kStopEndpoint);
    p->stop_out_.connect(kStopEndpoint);
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument(
        binding != nullptr ? "publisher: cannot bind \"" + *binding + "\": " + e.what() +
                                 " (check the address, or whether another process uses the port)"
                           : std::string("publisher: socket setup failed: ") + e.what());
  }
  p->thread_ = std::thread([raw = p.get()] { raw->Run(); });
  p->catchup_thread_ = std::thread([raw = p.get()] { raw->RunCatchup(); });
  return p;
}

Publisher::~Publisher() {
  stopping_ = true;
  if (catchup_thread_.joinable()) catchup_thread_.join();
  if (thread_.joinable()) {
    try {
      stop_out_.send(zmq::str_buffer("stop"), zmq::send_flags::none);
    } catch (const zmq::error_t&) {
      // The context is alive until we return; a failed send only means the
      // loop sees the stop late, and its bounded poll still ends it.
    }
    thread_.join();
  }
}

Status Publisher::Publish(std::string_view body) {
  // Decoding costs one pass; it keeps garbage off the bus and gives the
  // revision heartbeats report.
  Result<bus::ChangeEvent> event = bus::DecodeEvent(body);
  if (!event.ok()) {
    counters_.events_rejected++;
    return event.status();
  }
  try {
    // [revision][body]: the I/O thread needs the revision for heartbeats.
    int64_t revision = event->revision;
    pipe_out_.send(zmq::buffer(&revision, sizeof(revision)), zmq::send_flags::sndmore);
    pipe_out_.send(zmq::buffer(body.data(), body.size()), zmq::send_flags::none);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("publisher: handing the event over failed: ") +
                               e.what());
  }
  return Status::Ok();
}

void Publisher::SendHeartbeat() {
  bus::Heartbeat hb;
  // Asked at every heartbeat, not once at init: the agent loads plugins
  // before its member exists, so the identity arrives after init.
  if (SHADEKV_HOST_HAS(host_, identity) && host_->identity != nullptr) {
    uint64_t member = 0, cluster = 0;
    if (host_->identity(host_->context, &member, &cluster) == SHADEKV_PLUGIN_OK) {
      hb.member_id = member;
      hb.cluster_id = cluster;
    }
  }
  hb.latest_revision = last_published_;
  hb.catchup_endpoint = catchup_endpoint_;
  hb.interval_ms = config_.heartbeat_ms;
  int64_t current = 0, compact = 0;
  if (host_->revisions != nullptr &&
      host_->revisions(host_->context, &current, &compact) == SHADEKV_PLUGIN_OK) {
    hb.compact_revision = compact;
    // Before our first event, the store's revision is what we stand for:
    // everything up to it is in history. After it, only what PUB really
    // carried (PROTOCOL.md section 4 rule 3 relies on that).
    if (last_published_ == 0) hb.latest_revision = current;
  }
  std::string body = bus::EncodeHeartbeat(hb);
  try {
    pub_.send(zmq::buffer(bus::kHeartbeatTopic, 1), zmq::send_flags::sndmore);
    pub_.send(zmq::buffer(body), zmq::send_flags::none);
    counters_.heartbeats++;
  } catch (const zmq::error_t&) {
    // PUB never blocks; an error here is a closing context: nothing to do.
  }
}

void Publisher::HandleRequest() {
  std::vector<zmq::message_t> frames;
  try {
    zmq::message_t frame;
    do {
      if (!router_.recv(frame, zmq::recv_flags::dontwait)) return;
      // Bound the frames one hostile peer can make us hold.
      if (frames.size() < 8) frames.push_back(std::move(frame));
      frame = zmq::message_t();
    } while (router_.get(zmq::sockopt::rcvmore));
  } catch (const zmq::error_t&) {
    return;
  }
  if (frames.empty()) return;
  counters_.catchup_requests++;
  const zmq::message_t& identity = frames.front();
  bool abandoned = false;
  auto reply = [&](const std::string& body) {
    if (abandoned) return false;
    abandoned = !Reply(identity, body);
    if (abandoned) counters_.abandoned_streams++;
    return !abandoned;
  };
  Result<bus::CatchupRequest> request =
      frames.size() == 2 ? bus::DecodeCatchupRequest(frames[1].to_string_view())
                         : Result<bus::CatchupRequest>(Status::InvalidArgument(
                               "bus CATCHUP_REQUEST: expected one body frame, got " +
                               std::to_string(frames.size() - 1)));
  if (!request.ok()) {
    counters_.malformed_requests++;
    reply(bus::EncodeErrorReply(
        {0, static_cast<uint64_t>(request.status().code()), request.status().message()}));
    return;
  }
  CatchupLimits limits;
  limits.max_chunks_per_request = config_.max_chunks_per_request;
  limits.stop = &stopping_;
  ServeCatchup(*host_, *request, limits, reply);
}

bool Publisher::Reply(const zmq::message_t& identity, const std::string& body) {
  for (int waited = 0; waited < kReplySendTimeoutMs; waited += kReplySendSliceMs) {
    if (stopping_) return false;
    try {
      // With router_mandatory, the identity frame fails with EAGAIN (after
      // the send timeout slice) while the peer's pipe is full, and throws
      // EHOSTUNREACH when the peer is gone.
      if (!router_.send(zmq::buffer(identity.data(), identity.size()), zmq::send_flags::sndmore)) {
        continue;
      }
      return router_.send(zmq::buffer(body), zmq::send_flags::none).has_value();
    } catch (const zmq::error_t&) {
      return false;
    }
  }
  return false;
}

void Publisher::RunCatchup() {
  zmq::pollitem_t items[] = {{router_.handle(), 0, ZMQ_POLLIN, 0}};
  while (!stopping_) {
    try {
      zmq::poll(items, 1, std::chrono::milliseconds(kCatchupIdlePollMs));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      return;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      for (int i = 0; i < 16 && !stopping_; ++i) HandleRequest();
    }
  }
}

void Publisher::Run() {
  const auto interval = std::chrono::milliseconds(config_.heartbeat_ms);
  auto next_heartbeat = Clock::now();
  zmq::pollitem_t items[] = {{stop_in_.handle(), 0, ZMQ_POLLIN, 0},
                             {pipe_in_.handle(), 0, ZMQ_POLLIN, 0}};
  for (;;) {
    auto now = Clock::now();
    if (now >= next_heartbeat) {
      SendHeartbeat();
      next_heartbeat = now + interval;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_heartbeat - now);
    try {
      zmq::poll(items, 2, std::max(wait, std::chrono::milliseconds(1)));
    } catch (const zmq::error_t& e) {
      // A signal meant for the agent may land on this thread: keep going.
      if (e.num() == EINTR) continue;
      return;
    }
    if (items[0].revents & ZMQ_POLLIN) return;
    // A bounded batch, so heartbeats stay on time under a flood of events.
    for (int i = 0; i < 1000 && (items[1].revents & ZMQ_POLLIN); ++i) {
      zmq::message_t revision;
      zmq::message_t body;
      try {
        if (!pipe_in_.recv(revision, zmq::recv_flags::dontwait)) break;
        // Both frames of an inproc message arrive together.
        if (!pipe_in_.recv(body, zmq::recv_flags::none)) break;
        int64_t rev = 0;
        if (revision.size() == sizeof(rev)) std::memcpy(&rev, revision.data(), sizeof(rev));
        last_published_ = std::max(last_published_, rev);
        pub_.send(zmq::buffer(bus::kEventTopic, 1), zmq::send_flags::sndmore);
        pub_.send(body, zmq::send_flags::none);
        counters_.events_published++;
      } catch (const zmq::error_t&) {
        break;
      }
    }
  }
}

}  // namespace shadekv::publisher
