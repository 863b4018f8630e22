// CURVE on the peer transport: the key-matching rule, and real transports on
// 127.0.0.1 (one zmq context each, as in the agent) where only members with
// an authorized key get frames through.
#include "agent/transport/peer_curve.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "agent/transport/peer_transport.h"

namespace shadekv::agent {
namespace {

using namespace std::chrono_literals;

constexpr uint64_t kCluster = 7;

bus::CurveKeyPair NewPair() {
  Result<bus::CurveKeyPair> pair = bus::GenerateCurveKeyPair();
  EXPECT_TRUE(pair.ok());
  return *pair;
}

TEST(PeerCurveOptionsTest, MapsMemberNamesAndUrlLabelsToServerKeys) {
  bus::CurveKeyPair a = NewPair(), b = NewPair(), d = NewPair(), client = NewPair();
  std::vector<bus::AuthorizedKey> authorized = {{a.public_key, "a"},
                                                {b.public_key, "b"},
                                                {d.public_key, "tcp://10.0.0.4:2380"},
                                                {client.public_key, ""}};
  std::vector<PeerCurveMember> members = {{"a", {"tcp://10.0.0.1:2380"}},
                                          {"b", {"tcp://10.0.0.2:2380", "tcp://10.0.0.3:2380"}}};
  Result<PeerCurveOptions> options = BuildPeerCurveOptions(a, authorized, members, "a");
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->authorized_client_keys.size(), 4u);
  EXPECT_EQ(options->server_key_by_url.at("tcp://10.0.0.2:2380"), b.public_key);
  EXPECT_EQ(options->server_key_by_url.at("tcp://10.0.0.3:2380"), b.public_key);
  EXPECT_EQ(options->server_key_by_url.at("tcp://10.0.0.4:2380"), d.public_key);
  EXPECT_EQ(options->server_key_by_url.at("tcp://10.0.0.1:2380"), a.public_key);
}

TEST(PeerCurveOptionsTest, RefusesMissingAndConflictingKeys) {
  bus::CurveKeyPair a = NewPair(), b = NewPair(), other = NewPair();
  std::vector<PeerCurveMember> members = {{"a", {"tcp://10.0.0.1:2380"}},
                                          {"b", {"tcp://10.0.0.2:2380"}}};
  Result<PeerCurveOptions> no_b =
      BuildPeerCurveOptions(a, {{a.public_key, "a"}, {other.public_key, "x"}}, members, "a");
  ASSERT_EQ(no_b.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_b.status().message().find("member \"b\""), std::string::npos);

  Result<PeerCurveOptions> not_self =
      BuildPeerCurveOptions(a, {{b.public_key, "b"}, {other.public_key, "a"}}, members, "a");
  ASSERT_EQ(not_self.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(not_self.status().message().find("own public key"), std::string::npos);

  Result<PeerCurveOptions> twice = BuildPeerCurveOptions(
      a, {{a.public_key, "a"}, {b.public_key, "b"}, {other.public_key, "b"}}, members, "a");
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
}

raft::Message Heartbeat(raft::NodeId from, raft::NodeId to) {
  raft::Message m;
  m.type = raft::MessageType::kHeartbeat;
  m.from = from;
  m.to = to;
  m.term = 1;
  return m;
}

// A member: its own context (one ZAP handler per context) and transport.
struct CurveMember {
  zmq::context_t context;
  std::unique_ptr<PeerTransport> transport;
};

std::unique_ptr<CurveMember> Listen(raft::NodeId id, const bus::CurveKeyPair& keys,
                                    const std::vector<std::string>& authorized) {
  auto member = std::make_unique<CurveMember>();
  PeerTransportOptions options;
  options.cluster_id = kCluster;
  options.self = id;
  options.curve = PeerCurveOptions{keys, authorized, {}};
  Result<std::unique_ptr<PeerTransport>> t =
      PeerTransport::Create(member->context, options, "tcp://127.0.0.1:*");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  member->transport = std::move(t).value();
  return member;
}

// A client-side transport that knows `server`'s key for its endpoint.
std::unique_ptr<CurveMember> Dialer(raft::NodeId id, const bus::CurveKeyPair& keys,
                                    const std::vector<std::string>& authorized,
                                    const std::string& url, const std::string& server_key) {
  auto member = std::make_unique<CurveMember>();
  PeerTransportOptions options;
  options.cluster_id = kCluster;
  options.self = id;
  options.curve = PeerCurveOptions{keys, authorized, {{url, server_key}}};
  Result<std::unique_ptr<PeerTransport>> t =
      PeerTransport::Create(member->context, options, "tcp://127.0.0.1:*");
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  member->transport = std::move(t).value();
  return member;
}

// Sends a heartbeat every 20 ms for `period`, returning how many frames the
// receiver got.
size_t SendFor(PeerTransport& from, PeerTransport& to, raft::NodeId from_id, raft::NodeId to_id,
               std::chrono::milliseconds period) {
  size_t got = 0;
  auto until = std::chrono::steady_clock::now() + period;
  while (std::chrono::steady_clock::now() < until) {
    (void)from.Send({Heartbeat(from_id, to_id)});
    got += to.Receive(20ms).size();
  }
  return got;
}

TEST(PeerTransportCurveTest, AuthorizedMemberGetsThroughAndAStrangerDoesNot) {
  bus::CurveKeyPair a_keys = NewPair(), b_keys = NewPair(), stranger_keys = NewPair();
  std::vector<std::string> authorized = {a_keys.public_key, b_keys.public_key};
  auto b = Listen(2, b_keys, authorized);
  std::string b_url = b->transport->bound_endpoint();
  auto a = Dialer(1, a_keys, authorized, b_url, b_keys.public_key);
  auto stranger = Dialer(3, stranger_keys, {stranger_keys.public_key}, b_url, b_keys.public_key);
  ASSERT_TRUE(a->transport->AddPeer(2, b_url).ok());
  ASSERT_TRUE(stranger->transport->AddPeer(2, b_url).ok());

  EXPECT_GT(SendFor(*a->transport, *b->transport, 1, 2, 1500ms), 0u);
  EXPECT_EQ(SendFor(*stranger->transport, *b->transport, 3, 2, 1500ms), 0u);
  // The authorized member still gets through after the stranger's attempts.
  EXPECT_GT(SendFor(*a->transport, *b->transport, 1, 2, 500ms), 0u);
  (void)b->transport->Receive(0ms);  // refreshes the counter
  EXPECT_GE(b->transport->stats().curve_refused, 1u);
  EXPECT_EQ(b->transport->stats().bad_frames, 0u);
}

TEST(PeerTransportCurveTest, WrongServerKeyAndPlaintextGetNothingThrough) {
  bus::CurveKeyPair a_keys = NewPair(), b_keys = NewPair(), impostor = NewPair();
  std::vector<std::string> authorized = {a_keys.public_key, b_keys.public_key};
  auto b = Listen(2, b_keys, authorized);
  std::string b_url = b->transport->bound_endpoint();
  // a believes b's key is someone else's: the handshake cannot complete.
  auto a = Dialer(1, a_keys, authorized, b_url, impostor.public_key);
  ASSERT_TRUE(a->transport->AddPeer(2, b_url).ok());
  EXPECT_EQ(SendFor(*a->transport, *b->transport, 1, 2, 1000ms), 0u);

  zmq::context_t plain_ctx;
  PeerTransportOptions plain_options;
  plain_options.cluster_id = kCluster;
  plain_options.self = 4;
  auto plain = PeerTransport::Create(plain_ctx, plain_options, "tcp://127.0.0.1:*");
  ASSERT_TRUE(plain.ok());
  ASSERT_TRUE((*plain)->AddPeer(2, b_url).ok());
  EXPECT_EQ(SendFor(**plain, *b->transport, 4, 2, 1000ms), 0u);
}

TEST(PeerTransportCurveTest, UnknownPeerUrlIsRefusedClearly) {
  bus::CurveKeyPair a_keys = NewPair();
  auto a = Listen(1, a_keys, {a_keys.public_key});
  Status added = a->transport->AddPeer(2, "tcp://127.0.0.1:1");
  ASSERT_EQ(added.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(added.message().find("no CURVE public key"), std::string::npos);
  EXPECT_FALSE(a->transport->HasPeer(2));
}

TEST(PeerTransportCurveTest, SecondCurveTransportInOneContextIsRefused) {
  bus::CurveKeyPair keys = NewPair();
  zmq::context_t ctx;
  PeerTransportOptions options;
  options.cluster_id = kCluster;
  options.self = 1;
  options.curve = PeerCurveOptions{keys, {keys.public_key}, {}};
  auto first = PeerTransport::Create(ctx, options, "tcp://127.0.0.1:*");
  ASSERT_TRUE(first.ok());
  auto second = PeerTransport::Create(ctx, options, "tcp://127.0.0.1:*");
  EXPECT_EQ(second.status().code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace shadekv::agent
