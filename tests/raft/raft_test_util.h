// A small in-memory cluster for the Raft scenario tests: RawNodes over
// MemoryStorage, and a router that delivers their messages by stepping them
// into each other. Deliberately simple (no delays, no crashes); the fault-
// injecting simulation lives in tests/raft/sim/.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "shadekv/raft/memory_storage.h"
#include "shadekv/raft/raw_node.h"

namespace shadekv::raft::testing {

// One member: its storage ("disk"), its core, and what it applied.
struct TestNode {
  MemoryStorage storage;
  std::unique_ptr<RawNode> raw;
  std::vector<Entry> applied;          // every applied entry, in order
  std::vector<ReadState> read_states;  // every read state delivered
  std::vector<Snapshot> installed;     // snapshots received from the leader
  ConfState conf;                      // membership after the last applied change
};

Config DefaultConfig(NodeId id);

class TestCluster {
 public:
  // Nodes `voters` and `learners` all start with that membership. tweak may
  // adjust each node's config (pre_vote, check_quorum, limits...).
  TestCluster(std::vector<NodeId> voters, std::vector<NodeId> learners = {},
              std::function<void(Config&)> tweak = nullptr);

  // Adds a node with an empty log, as a host starts a joining member: with
  // the membership it was told (the cluster's current one; empty when it is
  // to learn it from a snapshot). It becomes a member only when the leader's
  // conf change adding it is applied.
  void AddEmptyNode(NodeId id, const ConfState& conf = {});
  // Restarts a node from its storage (unsynced state is not modelled here).
  void Restart(NodeId id);

  RawNode& raw(NodeId id) { return *nodes_.at(id)->raw; }
  TestNode& node(NodeId id) { return *nodes_.at(id); }
  MemoryStorage& storage(NodeId id) { return nodes_.at(id)->storage; }
  std::vector<NodeId> ids() const;

  // Performs every pending Ready of id (persist, apply, advance) and returns
  // the messages it produced, without delivering them.
  std::vector<Message> Flush(NodeId id);
  // Flushes every node, returning all messages.
  std::vector<Message> FlushAll();
  // Steps each message into its recipient (dropped if cut); returns the
  // status of each Step.
  void Deliver(const std::vector<Message>& messages);
  // Flush and deliver until no node has anything left to do.
  void Stabilize();

  // Elects id: campaign, then stabilize.
  void Elect(NodeId id);
  void Tick(NodeId id, int times = 1);
  void TickAll(int times = 1);

  // Connectivity. Cut messages are dropped silently.
  void Isolate(NodeId id);
  void Cut(NodeId a, NodeId b);
  void Heal() { cut_.clear(); }
  bool Connected(NodeId from, NodeId to) const;
  // A filter consulted before delivering (return false to drop).
  void SetFilter(std::function<bool(const Message&)> filter) { filter_ = std::move(filter); }

  // Proposes on id and stabilizes.
  Status ProposeAndStabilize(NodeId id, const std::string& data);

  // Compacts id's storage into a snapshot at its last applied index.
  void Snapshot(NodeId id, const std::string& data);

  // The data of the normal, non-empty entries id applied.
  std::vector<std::string> AppliedData(NodeId id) const;
  NodeId Leader() const;

 private:
  void Persist(TestNode& n, const Ready& rd);
  void Apply(TestNode& n, const Ready& rd);

  std::function<void(Config&)> tweak_;
  std::map<NodeId, std::unique_ptr<TestNode>> nodes_;
  std::set<std::pair<NodeId, NodeId>> cut_;
  std::function<bool(const Message&)> filter_;
};

// Short helpers for building and describing messages in tests.
Message Msg(MessageType type, NodeId from, NodeId to, uint64_t term);
std::vector<Message> Filter(const std::vector<Message>& messages, MessageType type);
std::string TypeName(MessageType type);
std::string Describe(const Message& m);
Entry NewEntry(uint64_t index, uint64_t term, std::string data = "");

}  // namespace shadekv::raft::testing
