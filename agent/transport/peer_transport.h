// Carries Raft messages between members over ZeroMQ.
//
// Each member binds one PULL socket on its peer URL and keeps one PUSH socket
// connected to every other member. ZeroMQ reconnects by itself; PUSH sockets
// use ZMQ_IMMEDIATE and a send high-water mark, so a dead or slow peer costs a
// bounded queue and never blocks the Raft loop: a frame that cannot be queued
// is dropped and reported, and Raft's own retries recover. Inbound frames are
// decoded as hostile input: bad ones are counted, logged (rate-limited) and
// dropped.
//
// With PeerTransportOptions::curve set, every link is encrypted and
// authenticated with ZeroMQ CURVE (peer_curve.h): the PULL socket is a CURVE
// server whose context gets a ZAP handler allowing only the authorized keys,
// so a member without one never completes a handshake and its frames never
// reach Raft; each PUSH socket is a CURVE client using the peer's public key.
// The ZAP handler is per zmq context: one CURVE transport per context.
//
// Thread-safety: none. One thread (the agent's Raft loop) owns the transport
// and makes every call, including Receive().
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "agent/transport/peer_codec.h"
#include "agent/transport/peer_curve.h"
#include "shadekv/bus/curve_authenticator.h"
#include "shadekv/common/status.h"
#include "shadekv/raft/raw_node.h"

namespace shadekv::agent {

struct PeerTransportOptions {
  uint64_t cluster_id = 0;
  raft::NodeId self = raft::kNoNode;
  int send_queue_frames = 4096;  // PUSH high-water mark per peer
  PeerFrameLimits limits;
  std::optional<PeerCurveOptions> curve;  // unset: plaintext links
};

struct PeerTransportStats {
  uint64_t frames_sent = 0;
  uint64_t frames_dropped = 0;  // send queue full, or no connected peer
  uint64_t frames_received = 0;
  uint64_t bad_frames = 0;      // undecodable
  uint64_t foreign_frames = 0;  // another cluster id, or addressed to another member
  uint64_t curve_refused = 0;   // CURVE handshakes refused by the ZAP handler
};

class PeerTransport {
 public:
  // Binds the PULL socket on listen_url (a ZeroMQ endpoint such as
  // tcp://127.0.0.1:2380; port 0 or * picks a free port, see bound_endpoint()).
  // Errors: kInvalidArgument for a malformed endpoint, kUnavailable when the
  // address is in use or cannot be bound; the message names the endpoint.
  // With CURVE: kAlreadyExists when `context` already has a ZAP handler, and
  // the authenticator's errors for bad keys.
  static Result<std::unique_ptr<PeerTransport>> Create(zmq::context_t& context,
                                                       const PeerTransportOptions& options,
                                                       const std::string& listen_url);

  // The endpoint actually bound, with the real port.
  const std::string& bound_endpoint() const { return bound_endpoint_; }

  // Connects to a member's peer URL (replacing an earlier URL for the same id).
  // With CURVE, kFailedPrecondition when no public key is known for `url`.
  Status AddPeer(raft::NodeId id, const std::string& url);
  void RemovePeer(raft::NodeId id);
  bool HasPeer(raft::NodeId id) const { return peers_.count(id) != 0; }

  // Sends messages, one frame per destination, without blocking. Returns the
  // members whose frame was dropped (unknown peer, not connected, queue full)
  // so the caller can tell Raft (RawNode::ReportUnreachable / ReportSnapshot).
  std::vector<raft::NodeId> Send(const std::vector<raft::Message>& messages);

  // Waits up to `timeout` for the first frame, then drains whatever else is
  // already queued without waiting. Returns only well-formed frames for this
  // cluster and member; everything else is counted in stats().
  std::vector<PeerFrame> Receive(std::chrono::milliseconds timeout);

  PeerTransportStats stats() const {
    PeerTransportStats stats = stats_;
    if (authenticator_) stats.curve_refused = authenticator_->refused();
    return stats;
  }

  // For a caller that waits on the inbound socket together with other file
  // descriptors (zmq::poll) and then calls Receive(0ms).
  zmq::pollitem_t InboundPollItem() { return {inbound_.handle(), 0, ZMQ_POLLIN, 0}; }

 private:
  PeerTransport(zmq::context_t& context, const PeerTransportOptions& options);
  void RecordBadFrame(const std::string& why);

  zmq::context_t& context_;
  const PeerTransportOptions options_;
  // Before the sockets: ZeroMQ may ask it about a handshake until they close.
  std::unique_ptr<bus::CurveAuthenticator> authenticator_;
  zmq::socket_t inbound_;
  std::string bound_endpoint_;
  struct Peer {
    std::string url;
    zmq::socket_t socket;
  };
  std::map<raft::NodeId, Peer> peers_;
  PeerTransportStats stats_;
};

}  // namespace shadekv::agent
