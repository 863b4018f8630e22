// ZeroMQ PUSH/PULL transport for Raft peer frames.
#include "agent/transport/peer_transport.h"

#include <Poco/Logger.h>

#include <utility>

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.transport"); }

// Bad input is logged for the first few frames and then every 1000th, so a
// flood of garbage cannot flood the log too.
bool ShouldLog(uint64_t count) { return count <= 10 || count % 1000 == 0; }

}  // namespace

PeerTransport::PeerTransport(zmq::context_t& context, const PeerTransportOptions& options)
    : context_(context), options_(options), inbound_(context, zmq::socket_type::pull) {}

Result<std::unique_ptr<PeerTransport>> PeerTransport::Create(zmq::context_t& context,
                                                             const PeerTransportOptions& options,
                                                             const std::string& listen_url) {
  std::unique_ptr<PeerTransport> transport(new PeerTransport(context, options));
  if (options.curve) {
    SHADEKV_ASSIGN_OR_RETURN(
        transport->authenticator_,
        bus::CurveAuthenticator::Start(context, options.curve->authorized_client_keys,
                                       "shadekv.transport"));
  }
  try {
    if (options.curve) {
      transport->inbound_.set(zmq::sockopt::curve_server, 1);
      transport->inbound_.set(zmq::sockopt::curve_secretkey, options.curve->keys.secret_key);
      transport->inbound_.set(zmq::sockopt::zap_domain, "shadekv-peer");
    }
    transport->inbound_.set(zmq::sockopt::linger, 0);
    // Peers that send frames above the limit are disconnected by ZeroMQ before
    // the bytes reach us.
    transport->inbound_.set(zmq::sockopt::maxmsgsize,
                            static_cast<int64_t>(options.limits.max_frame_bytes));
    transport->inbound_.bind(listen_url);
    transport->bound_endpoint_ = transport->inbound_.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    std::string message = "binding the peer listener on '" + listen_url + "': " + e.what();
    if (e.num() == EINVAL || e.num() == EPROTONOSUPPORT) {
      return Status::InvalidArgument(message +
                                     " (expected a ZeroMQ endpoint like tcp://127.0.0.1:2380)");
    }
    return Status::Unavailable(message + " (is another process using this address?)");
  }
  return transport;
}

Status PeerTransport::AddPeer(raft::NodeId id, const std::string& url) {
  if (id == options_.self) return Status::Ok();
  auto existing = peers_.find(id);
  if (existing != peers_.end() && existing->second.url == url) return Status::Ok();
  const std::string* server_key = nullptr;
  if (options_.curve) {
    auto found = options_.curve->server_key_by_url.find(url);
    if (found == options_.curve->server_key_by_url.end()) {
      return Status::FailedPrecondition(
          "member " + std::to_string(id) + " at " + url +
          ": no CURVE public key for this peer URL in --peer-curve-authorized (label its key "
          "with the member name from --initial-cluster or with the URL itself)");
    }
    server_key = &found->second;
  }
  try {
    zmq::socket_t socket(context_, zmq::socket_type::push);
    if (server_key != nullptr) {
      socket.set(zmq::sockopt::curve_serverkey, *server_key);
      socket.set(zmq::sockopt::curve_publickey, options_.curve->keys.public_key);
      socket.set(zmq::sockopt::curve_secretkey, options_.curve->keys.secret_key);
    }
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::sndhwm, options_.send_queue_frames);
    // Queue only for peers we are actually connected to: a dead peer's frames
    // are dropped at once instead of piling up until it returns.
    socket.set(zmq::sockopt::immediate, 1);
    // A peer that is not up yet is retried soon (members of a new cluster
    // start within milliseconds of each other), then ever less often: the
    // interval doubles up to the maximum.
    socket.set(zmq::sockopt::reconnect_ivl, 10);
    socket.set(zmq::sockopt::reconnect_ivl_max, 2000);
    socket.connect(url);
    peers_.erase(id);
    peers_.emplace(id, Peer{url, std::move(socket)});
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument("connecting to member " + std::to_string(id) + " at '" + url +
                                   "': " + e.what() +
                                   " (expected a ZeroMQ endpoint like tcp://10.0.0.2:2380)");
  }
  return Status::Ok();
}

void PeerTransport::RemovePeer(raft::NodeId id) { peers_.erase(id); }

std::vector<raft::NodeId> PeerTransport::Send(const std::vector<raft::Message>& messages) {
  std::map<raft::NodeId, PeerFrame> frames;
  for (const raft::Message& m : messages) {
    PeerFrame& frame = frames[m.to];
    frame.cluster_id = options_.cluster_id;
    frame.from = options_.self;
    frame.messages.push_back(m);
  }
  std::vector<raft::NodeId> dropped;
  for (auto& [to, frame] : frames) {
    auto peer = peers_.find(to);
    if (peer == peers_.end()) {
      ++stats_.frames_dropped;
      dropped.push_back(to);
      continue;
    }
    std::string bytes = EncodePeerFrame(frame);
    zmq::send_result_t sent;
    try {
      sent = peer->second.socket.send(zmq::buffer(bytes), zmq::send_flags::dontwait);
    } catch (const zmq::error_t& e) {
      Log().warning("sending " + std::to_string(bytes.size()) + " bytes to member " +
                    std::to_string(to) + " failed: " + e.what());
    }
    if (sent) {
      ++stats_.frames_sent;
    } else {
      ++stats_.frames_dropped;
      dropped.push_back(to);
    }
  }
  return dropped;
}

void PeerTransport::RecordBadFrame(const std::string& why) {
  ++stats_.bad_frames;
  if (ShouldLog(stats_.bad_frames)) {
    Log().warning("dropped an undecodable peer frame (" + std::to_string(stats_.bad_frames) +
                  " so far): " + why);
  }
}

std::vector<PeerFrame> PeerTransport::Receive(std::chrono::milliseconds timeout) {
  std::vector<PeerFrame> frames;
  zmq::pollitem_t item{inbound_.handle(), 0, ZMQ_POLLIN, 0};
  try {
    if (zmq::poll(&item, 1, timeout) == 0) return frames;
    zmq::message_t message;
    while (inbound_.recv(message, zmq::recv_flags::dontwait)) {
      ++stats_.frames_received;
      Result<PeerFrame> frame = DecodePeerFrame(
          std::string_view(static_cast<const char*>(message.data()), message.size()),
          options_.limits);
      if (!frame.ok()) {
        RecordBadFrame(frame.status().message());
        continue;
      }
      bool foreign = frame->cluster_id != options_.cluster_id;
      for (const raft::Message& m : frame->messages) foreign = foreign || m.to != options_.self;
      if (foreign) {
        ++stats_.foreign_frames;
        if (ShouldLog(stats_.foreign_frames)) {
          Log().warning("dropped a frame from member " + std::to_string(frame->from) +
                        " of cluster " + std::to_string(frame->cluster_id) +
                        " addressed elsewhere (this is member " + std::to_string(options_.self) +
                        " of cluster " + std::to_string(options_.cluster_id) +
                        "): check --initial-cluster and the peer URLs");
        }
        continue;
      }
      frames.push_back(std::move(frame).value());
    }
  } catch (const zmq::error_t& e) {
    // Only context shutdown (ETERM) can end up here; the caller is stopping.
    Log().information(std::string("peer receive stopped: ") + e.what());
  }
  return frames;
}

}  // namespace shadekv::agent
