#include "tests/raft/raft_test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace shadekv::raft::testing {

Config DefaultConfig(NodeId id) {
  Config c;
  c.id = id;
  c.election_tick = 10;
  c.heartbeat_tick = 1;
  c.seed = id * 7919;
  return c;
}

TestCluster::TestCluster(std::vector<NodeId> voters, std::vector<NodeId> learners,
                         std::function<void(Config&)> tweak)
    : tweak_(std::move(tweak)) {
  std::vector<NodeId> all = voters;
  all.insert(all.end(), learners.begin(), learners.end());
  for (NodeId id : all) {
    auto n = std::make_unique<TestNode>();
    n->conf = ConfState{voters, learners};
    n->storage.SetConfState(n->conf);
    nodes_[id] = std::move(n);
    Restart(id);
  }
}

void TestCluster::AddEmptyNode(NodeId id, const ConfState& conf) {
  nodes_[id] = std::make_unique<TestNode>();
  nodes_[id]->conf = conf;
  nodes_[id]->storage.SetConfState(conf);
  Restart(id);
}

void TestCluster::Restart(NodeId id) {
  TestNode& n = *nodes_.at(id);
  Config c = DefaultConfig(id);
  if (tweak_) tweak_(c);
  c.storage = &n.storage;
  c.applied = n.applied.empty() ? n.storage.FirstIndex() - 1 : n.applied.back().index;
  auto raw = RawNode::Create(c);
  EXPECT_TRUE(raw.ok()) << raw.status().ToString();
  n.raw = std::move(raw).value();
}

std::vector<NodeId> TestCluster::ids() const {
  std::vector<NodeId> out;
  for (const auto& [id, n] : nodes_) out.push_back(id);
  return out;
}

void TestCluster::Persist(TestNode& n, const Ready& rd) {
  if (!rd.snapshot.empty()) {
    EXPECT_TRUE(n.storage.ApplySnapshot(rd.snapshot).ok());
    n.installed.push_back(rd.snapshot);
  }
  EXPECT_TRUE(n.storage.Append(rd.entries).ok());
  if (rd.hard_state) n.storage.SetHardState(*rd.hard_state);
}

void TestCluster::Apply(TestNode& n, const Ready& rd) {
  if (!rd.snapshot.empty()) n.conf = rd.snapshot.meta.conf_state;
  for (const Entry& e : rd.committed_entries) {
    n.applied.push_back(e);
    if (e.type == EntryType::kConfChange) {
      auto cc = DecodeConfChange(e.data);
      EXPECT_TRUE(cc.ok()) << cc.status().ToString();
      n.conf = n.raw->ApplyConfChange(*cc);
      n.storage.SetConfState(n.conf);
    }
  }
  n.read_states.insert(n.read_states.end(), rd.read_states.begin(), rd.read_states.end());
}

std::vector<Message> TestCluster::Flush(NodeId id) {
  TestNode& n = *nodes_.at(id);
  std::vector<Message> out;
  while (n.raw->HasReady()) {
    Ready rd = n.raw->GetReady();
    Persist(n, rd);
    out.insert(out.end(), rd.messages.begin(), rd.messages.end());
    Apply(n, rd);
    n.raw->Advance(rd);
  }
  return out;
}

std::vector<Message> TestCluster::FlushAll() {
  std::vector<Message> out;
  for (auto& [id, n] : nodes_) {
    std::vector<Message> msgs = Flush(id);
    out.insert(out.end(), msgs.begin(), msgs.end());
  }
  return out;
}

bool TestCluster::Connected(NodeId from, NodeId to) const { return cut_.count({from, to}) == 0; }

void TestCluster::Deliver(const std::vector<Message>& messages) {
  for (const Message& m : messages) {
    if (!Connected(m.from, m.to) || nodes_.count(m.to) == 0) continue;
    if (filter_ && !filter_(m)) continue;
    (void)nodes_.at(m.to)->raw->Step(m);
  }
}

void TestCluster::Stabilize() {
  for (int round = 0; round < 1000; ++round) {
    std::vector<Message> msgs = FlushAll();
    if (msgs.empty()) return;
    Deliver(msgs);
  }
  ADD_FAILURE() << "cluster did not stabilize";
}

void TestCluster::Elect(NodeId id) {
  raw(id).Campaign();
  Stabilize();
}

void TestCluster::Tick(NodeId id, int times) {
  for (int i = 0; i < times; ++i) raw(id).Tick();
}

void TestCluster::TickAll(int times) {
  for (int i = 0; i < times; ++i) {
    for (auto& [id, n] : nodes_) n->raw->Tick();
  }
}

void TestCluster::Isolate(NodeId id) {
  for (const auto& [other, n] : nodes_) {
    if (other == id) continue;
    Cut(id, other);
  }
}

void TestCluster::Cut(NodeId a, NodeId b) {
  cut_.insert({a, b});
  cut_.insert({b, a});
}

Status TestCluster::ProposeAndStabilize(NodeId id, const std::string& data) {
  Status s = raw(id).Propose(data);
  Stabilize();
  return s;
}

void TestCluster::Snapshot(NodeId id, const std::string& data) {
  TestNode& n = *nodes_.at(id);
  const uint64_t applied = n.applied.back().index;
  ASSERT_TRUE(n.storage.CreateSnapshot(applied, n.conf, data).ok());
  ASSERT_TRUE(n.storage.Compact(applied).ok());
}

std::vector<std::string> TestCluster::AppliedData(NodeId id) const {
  std::vector<std::string> out;
  for (const Entry& e : nodes_.at(id)->applied) {
    if (e.type == EntryType::kNormal && !e.data.empty()) out.push_back(e.data);
  }
  return out;
}

NodeId TestCluster::Leader() const {
  for (const auto& [id, n] : nodes_) {
    if (n->raw->GetStatus().soft_state.role == Role::kLeader) return id;
  }
  return kNoNode;
}

Message Msg(MessageType type, NodeId from, NodeId to, uint64_t term) {
  Message m;
  m.type = type;
  m.from = from;
  m.to = to;
  m.term = term;
  return m;
}

std::vector<Message> Filter(const std::vector<Message>& messages, MessageType type) {
  std::vector<Message> out;
  std::copy_if(messages.begin(), messages.end(), std::back_inserter(out),
               [type](const Message& m) { return m.type == type; });
  return out;
}

std::string TypeName(MessageType type) {
  static const char* const kNames[] = {
      "MsgHup",           "MsgBeat",          "MsgProp",           "MsgApp",         "MsgAppResp",
      "MsgVote",          "MsgVoteResp",      "MsgPreVote",        "MsgPreVoteResp", "MsgSnap",
      "MsgHeartbeat",     "MsgHeartbeatResp", "MsgTransferLeader", "MsgTimeoutNow",  "MsgReadIndex",
      "MsgReadIndexResp", "MsgSnapStatus",    "MsgUnreachable"};
  const auto i = static_cast<size_t>(type);
  return i < std::size(kNames) ? kNames[i] : "Msg?" + std::to_string(i);
}

std::string Describe(const Message& m) {
  std::ostringstream out;
  out << m.from << "->" << m.to << " " << TypeName(m.type) << " Term:" << m.term;
  switch (m.type) {
    case MessageType::kApp:
    case MessageType::kVote:
    case MessageType::kPreVote:
      out << " Log:" << m.log_term << "/" << m.index;
      break;
    case MessageType::kAppResp:
    case MessageType::kReadIndexResp:
      out << " Index:" << m.index;
      break;
    default:
      break;
  }
  if (m.commit != 0 || m.type == MessageType::kApp || m.type == MessageType::kHeartbeat) {
    out << " Commit:" << m.commit;
  }
  if (m.reject) out << " Rejected (Hint: " << m.reject_hint << ", LogTerm: " << m.log_term << ")";
  if (!m.entries.empty()) {
    out << " Entries:[";
    for (size_t i = 0; i < m.entries.size(); ++i) {
      const Entry& e = m.entries[i];
      if (i > 0) out << " ";
      out << e.term << "/" << e.index;
      if (e.type == EntryType::kConfChange) {
        auto cc = DecodeConfChange(e.data);
        if (cc.ok()) {
          static const char* const kCc[] = {"v", "r", "l"};
          out << " EntryConfChange " << kCc[static_cast<int>(cc->type)] << cc->node_id;
        } else {
          out << " EntryConfChange <garbage>";
        }
      } else {
        out << " EntryNormal \"" << e.data << "\"";
      }
    }
    out << "]";
  }
  if (m.type == MessageType::kSnap) {
    out << " Snapshot: Index:" << m.snapshot.meta.index << " Term:" << m.snapshot.meta.term
        << " Chunk:" << m.chunk_offset << "+" << m.snapshot.data.size()
        << (m.chunk_last ? " last" : "");
  }
  if (!m.context.empty()) out << " Context:" << m.context;
  return out.str();
}

Entry NewEntry(uint64_t index, uint64_t term, std::string data) {
  return Entry{term, index, EntryType::kNormal, std::move(data)};
}

}  // namespace shadekv::raft::testing
