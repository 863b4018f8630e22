// Tests for the ZeroMQ peer transport on real sockets bound to 127.0.0.1.
#include "agent/transport/peer_transport.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>

namespace shadekv::agent {
namespace {

using namespace std::chrono_literals;
using raft::Message;
using raft::MessageType;

constexpr uint64_t kCluster = 42;

std::unique_ptr<PeerTransport> Listen(zmq::context_t& ctx, raft::NodeId self,
                                      uint64_t cluster = kCluster) {
  PeerTransportOptions options;
  options.cluster_id = cluster;
  options.self = self;
  Result<std::unique_ptr<PeerTransport>> t =
      PeerTransport::Create(ctx, options, "tcp://127.0.0.1:*");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  return std::move(t).value();
}

Message Heartbeat(raft::NodeId from, raft::NodeId to, uint64_t term) {
  Message m;
  m.type = MessageType::kHeartbeat;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

// Polls until `want` frames arrived or the deadline passed.
std::vector<PeerFrame> ReceiveFrames(PeerTransport& t, size_t want,
                                     std::chrono::milliseconds deadline = 5000ms) {
  std::vector<PeerFrame> got;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (got.size() < want && std::chrono::steady_clock::now() < until) {
    for (PeerFrame& f : t.Receive(50ms)) got.push_back(std::move(f));
  }
  return got;
}

// Sends until a first frame gets through: PUSH with ZMQ_IMMEDIATE drops
// frames until the TCP connection is up.
void SendUntilConnected(PeerTransport& from, PeerTransport& to, const Message& m) {
  auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until) {
    if (from.Send({m}).empty() && !to.Receive(100ms).empty()) return;
    std::this_thread::sleep_for(10ms);
  }
  FAIL() << "no connection from member " << m.from << " to member " << m.to;
}

TEST(PeerTransportTest, DeliversBatchesGroupedPerDestination) {
  zmq::context_t ctx;
  auto a = Listen(ctx, 1);
  auto b = Listen(ctx, 2);
  auto c = Listen(ctx, 3);
  ASSERT_TRUE(a->AddPeer(2, b->bound_endpoint()).ok());
  ASSERT_TRUE(a->AddPeer(3, c->bound_endpoint()).ok());
  SendUntilConnected(*a, *b, Heartbeat(1, 2, 1));
  SendUntilConnected(*a, *c, Heartbeat(1, 3, 1));

  uint64_t sent_before = a->stats().frames_sent;
  std::vector<raft::NodeId> dropped =
      a->Send({Heartbeat(1, 2, 5), Heartbeat(1, 3, 5), Heartbeat(1, 2, 6)});
  EXPECT_TRUE(dropped.empty());
  EXPECT_EQ(a->stats().frames_sent - sent_before, 2u);  // one frame per destination

  std::vector<PeerFrame> at_b = ReceiveFrames(*b, 1);
  ASSERT_EQ(at_b.size(), 1u);
  ASSERT_EQ(at_b[0].messages.size(), 2u);
  EXPECT_EQ(at_b[0].messages[0].term, 5u);
  EXPECT_EQ(at_b[0].messages[1].term, 6u);
  std::vector<PeerFrame> at_c = ReceiveFrames(*c, 1);
  ASSERT_EQ(at_c.size(), 1u);
  EXPECT_EQ(at_c[0].messages[0], Heartbeat(1, 3, 5));
}

TEST(PeerTransportTest, DropsAndReportsFramesForUnknownOrDeadPeers) {
  zmq::context_t ctx;
  auto a = Listen(ctx, 1);
  // Member 9 is unknown; member 2 is configured but nobody listens there.
  ASSERT_TRUE(a->AddPeer(2, "tcp://127.0.0.1:1").ok());
  std::vector<raft::NodeId> dropped = a->Send({Heartbeat(1, 9, 1), Heartbeat(1, 2, 1)});
  EXPECT_EQ(dropped, (std::vector<raft::NodeId>{2, 9}));
  // A dead peer never grows memory: every further send is dropped at once.
  for (int i = 0; i < 10000; ++i) a->Send({Heartbeat(1, 2, 1)});
  EXPECT_EQ(a->stats().frames_dropped, 10002u);
  EXPECT_EQ(a->stats().frames_sent, 0u);
}

TEST(PeerTransportTest, ReconnectsWhenAPeerRestartsOnTheSameEndpoint) {
  zmq::context_t ctx;
  auto a = Listen(ctx, 1);
  auto b = Listen(ctx, 2);
  std::string endpoint = b->bound_endpoint();
  ASSERT_TRUE(a->AddPeer(2, endpoint).ok());
  SendUntilConnected(*a, *b, Heartbeat(1, 2, 1));

  b.reset();  // member 2 goes away...
  PeerTransportOptions options;
  options.cluster_id = kCluster;
  options.self = 2;
  // ...and comes back. ZeroMQ closes a socket's listener on its I/O thread
  // after the socket is gone, so the port may still be bound for a moment:
  // retry the bind for a bounded time, as a restarting member would.
  Result<std::unique_ptr<PeerTransport>> again = PeerTransport::Create(ctx, options, endpoint);
  for (int attempt = 0; !again.ok() && attempt < 100; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    again = PeerTransport::Create(ctx, options, endpoint);
  }
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  SendUntilConnected(*a, **again, Heartbeat(1, 2, 2));
}

TEST(PeerTransportTest, CountsAndDropsGarbageWithoutStopping) {
  zmq::context_t ctx;
  auto b = Listen(ctx, 2);
  zmq::socket_t raw(ctx, zmq::socket_type::push);
  raw.set(zmq::sockopt::linger, 0);
  raw.connect(b->bound_endpoint());

  std::mt19937_64 rng(7);
  const int kGarbage = 500;
  for (int i = 0; i < kGarbage; ++i) {
    std::string junk(rng() % 200, '\0');
    for (char& ch : junk) ch = static_cast<char>(rng());
    raw.send(zmq::buffer(junk), zmq::send_flags::none);
  }
  // A truncated valid frame too.
  PeerFrame f{kCluster, 1, {Heartbeat(1, 2, 3)}};
  std::string valid = EncodePeerFrame(f);
  raw.send(zmq::buffer(valid.substr(0, valid.size() - 1)), zmq::send_flags::none);
  // Then a good frame: it must still get through.
  raw.send(zmq::buffer(valid), zmq::send_flags::none);

  std::vector<PeerFrame> got = ReceiveFrames(*b, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].messages[0], Heartbeat(1, 2, 3));
  EXPECT_EQ(b->stats().frames_received, kGarbage + 2u);
  // Random bytes can by chance form a valid empty frame; nearly all are bad.
  EXPECT_GE(b->stats().bad_frames, kGarbage - 5u);
}

TEST(PeerTransportTest, DropsFramesFromAnotherClusterOrForAnotherMember) {
  zmq::context_t ctx;
  auto b = Listen(ctx, 2);
  auto stranger = Listen(ctx, 1, /*cluster=*/99);
  auto misrouted = Listen(ctx, 1);
  ASSERT_TRUE(stranger->AddPeer(2, b->bound_endpoint()).ok());
  ASSERT_TRUE(misrouted->AddPeer(3, b->bound_endpoint()).ok());  // thinks b is member 3

  auto until = std::chrono::steady_clock::now() + 5s;
  while (b->stats().foreign_frames < 2 && std::chrono::steady_clock::now() < until) {
    if (b->stats().foreign_frames == 0) stranger->Send({Heartbeat(1, 2, 1)});
    misrouted->Send({Heartbeat(1, 3, 1)});
    EXPECT_TRUE(b->Receive(50ms).empty());
  }
  EXPECT_GE(b->stats().foreign_frames, 2u);
}

TEST(PeerTransportTest, RejectsBadEndpointsWithAdvice) {
  zmq::context_t ctx;
  PeerTransportOptions options;
  options.self = 1;
  Result<std::unique_ptr<PeerTransport>> bad =
      PeerTransport::Create(ctx, options, "http://127.0.0.1:2380");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("expected a ZeroMQ endpoint"), std::string::npos)
      << bad.status().message();

  auto a = Listen(ctx, 1);
  Result<std::unique_ptr<PeerTransport>> taken =
      PeerTransport::Create(ctx, options, a->bound_endpoint());
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.status().code(), StatusCode::kUnavailable);

  Status peer = a->AddPeer(2, "not an endpoint");
  EXPECT_EQ(peer.code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace shadekv::agent
