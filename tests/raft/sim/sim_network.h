// The simulated network between the members of a simulated Raft cluster.
//
// Messages travel with a delay measured in ticks. The network may drop,
// duplicate and reorder them (chaos), and may cut links one way or both ways
// (partitions). All randomness comes from the RNG the owner passes in, so the
// same seed and the same calls give the same deliveries.
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "shadekv/raft/raw_node.h"

namespace shadekv::raft::sim {

// How badly the network misbehaves while chaos is on. With chaos off, every
// message is delivered exactly once, in order, after base_delay ticks.
struct NetworkChaos {
  double drop = 0.0;       // probability a message is lost
  double duplicate = 0.0;  // probability a message is delivered twice
  double reorder = 0.0;    // probability a message gets an extra random delay
  int max_delay = 0;       // extra delay in ticks, uniform in [0, max_delay]
  // Rarely, a message is held much longer (a stale message from an old term
  // arriving after elections have moved on).
  double long_delay = 0.0;
  int max_long_delay = 0;
};

// A message dropped by the network, reported to the owner so the sender's host
// can tell its RawNode (ReportUnreachable / ReportSnapshot).
struct DroppedMessage {
  Message message;
  bool by_partition = false;  // a cut link, rather than random loss
};

class SimNetwork {
 public:
  // rng is not owned and must outlive the network.
  explicit SimNetwork(std::mt19937_64* rng) : rng_(rng) {}

  void SetChaos(const NetworkChaos& chaos) { chaos_ = chaos; }
  void SetChaosEnabled(bool enabled) { chaos_enabled_ = enabled; }
  bool chaos_enabled() const { return chaos_enabled_; }

  // Link cuts. A cut from -> to loses every message on that link, including
  // those already in flight when they come due.
  void Cut(NodeId from, NodeId to) { cuts_.insert({from, to}); }
  void CutBoth(NodeId a, NodeId b) {
    Cut(a, b);
    Cut(b, a);
  }
  void HealAll() { cuts_.clear(); }
  bool IsCut(NodeId from, NodeId to) const { return cuts_.count({from, to}) > 0; }
  bool HasCuts() const { return !cuts_.empty(); }

  // Queues a message sent at tick `now`.
  void Send(const Message& message, uint64_t now);

  // Puts back a message taken by TakeDue but not delivered, due at `due`
  // (no chaos: it already went through the network once).
  void Requeue(const Message& message, uint64_t due) { Enqueue(message, due); }

  // Removes and returns, in delivery order, the messages due at or before
  // `now`. Messages on cut links are not returned but reported as dropped.
  std::vector<Message> TakeDue(uint64_t now);

  // Loses every message in flight to `node` (it crashed: its socket and what
  // it held are gone). Messages it sent before crashing still arrive.
  void DropTrafficTo(NodeId node);

  // Messages lost since the last call, in the order they were lost.
  std::vector<DroppedMessage> TakeDropped();

  size_t in_flight() const { return queue_.size(); }
  uint64_t delivered() const { return delivered_; }
  uint64_t dropped() const { return dropped_; }

 private:
  double Uniform() { return std::uniform_real_distribution<double>(0.0, 1.0)(*rng_); }
  void Enqueue(const Message& message, uint64_t due);

  std::mt19937_64* rng_;
  NetworkChaos chaos_;
  bool chaos_enabled_ = false;
  std::set<std::pair<NodeId, NodeId>> cuts_;
  // Keyed by (due tick, sequence number): delivery order.
  std::map<std::pair<uint64_t, uint64_t>, Message> queue_;
  uint64_t next_seq_ = 0;
  std::vector<DroppedMessage> dropped_messages_;
  uint64_t delivered_ = 0;
  uint64_t dropped_ = 0;
};

}  // namespace shadekv::raft::sim
