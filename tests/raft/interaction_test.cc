// Data-driven interaction tests in the style of etcd's raft/testdata.
//
// Each file in tests/raft/testdata/ is a script of commands; each command is
// followed by `----` and the output it must produce, ended by a blank line:
//
//   # comment
//   add-nodes 3
//   ----
//   ok
//
// Run with SHADEKV_REWRITE_TESTDATA=1 to rewrite the expected output from the
// actual output (then review the diff: it must be correct Raft behaviour).
//
// Commands (ids are node ids; `k=v` are options):
//   add-nodes N [voters=1,2,3] [learners=4] [prevote=false] [checkquorum=false]
//             [inflight=N] [chunk=N] [max-size=N]
//       N nodes with the next free ids; membership defaults to voters = the
//       new ids (`voters=` with no list means no membership at all).
//   campaign ID | propose ID DATA | propose-conf-change ID v4|l4|r4
//   read-index ID CTX | transfer-leadership FROM TO
//   tick ID [N] | tick-heartbeat ID | tick-election ID   (2*election_tick ticks)
//   process-ready ID... | deliver-msgs [drop] ID... | stabilize [ID...]
//   isolate ID | heal | compact ID DATA (snapshot at applied, then compact)
//   report-snapshot LEADER PEER ok|fail | report-unreachable LEADER PEER
//   status ID | raft-log ID
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "shadekv/raft/memory_storage.h"
#include "shadekv/raft/raw_node.h"
#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::Describe;

struct Case {
  std::string command;
  std::string expected;
  std::vector<std::string> preamble;  // comments and blank lines before it
};

std::vector<std::string> SplitWords(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::vector<NodeId> ParseIds(const std::string& list) {
  std::vector<NodeId> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(std::stoull(item));
  }
  return out;
}

std::string RoleName(Role role) {
  switch (role) {
    case Role::kFollower:
      return "StateFollower";
    case Role::kPreCandidate:
      return "StatePreCandidate";
    case Role::kCandidate:
      return "StateCandidate";
    case Role::kLeader:
      return "StateLeader";
  }
  return "?";
}

std::string ProgressStateName(Progress::State s) {
  switch (s) {
    case Progress::State::kProbe:
      return "StateProbe";
    case Progress::State::kReplicate:
      return "StateReplicate";
    case Progress::State::kSnapshot:
      return "StateSnapshot";
  }
  return "?";
}

std::string Ids(const std::vector<NodeId>& ids) {
  std::string out = "(";
  for (size_t i = 0; i < ids.size(); ++i) out += (i ? " " : "") + std::to_string(ids[i]);
  return out + ")";
}

std::string DescribeEntry(const Entry& e) {
  std::string out = std::to_string(e.term) + "/" + std::to_string(e.index);
  if (e.type == EntryType::kConfChange) {
    auto cc = DecodeConfChange(e.data);
    if (!cc.ok()) return out + " EntryConfChange <garbage>";
    static const char* const kCc[] = {"v", "r", "l"};
    return out + " EntryConfChange " + kCc[static_cast<int>(cc->type)] +
           std::to_string(cc->node_id);
  }
  return out + " EntryNormal \"" + e.data + "\"";
}

// The cluster the script drives. Messages produced by process-ready wait in
// a mailbox until deliver-msgs (or stabilize) hands them to their recipient.
class InteractionEnv {
 public:
  std::string Run(const std::vector<std::string>& args) {
    out_.str("");
    const std::string& cmd = args.at(0);
    if (cmd == "add-nodes") {
      AddNodes(args);
    } else if (cmd == "campaign") {
      node(Id(args, 1)).raw->Campaign();
    } else if (cmd == "propose") {
      PrintStatus(node(Id(args, 1)).raw->Propose(args.at(2)));
    } else if (cmd == "propose-conf-change") {
      const std::string& spec = args.at(2);
      ConfChange cc;
      cc.type = spec[0] == 'v'   ? ConfChangeType::kAddVoter
                : spec[0] == 'l' ? ConfChangeType::kAddLearner
                                 : ConfChangeType::kRemoveNode;
      cc.node_id = std::stoull(spec.substr(1));
      PrintStatus(node(Id(args, 1)).raw->ProposeConfChange(cc));
    } else if (cmd == "read-index") {
      node(Id(args, 1)).raw->ReadIndex(args.at(2));
    } else if (cmd == "transfer-leadership") {
      node(Id(args, 1)).raw->TransferLeader(Id(args, 2));
    } else if (cmd == "tick") {
      const int n = args.size() > 2 ? std::stoi(args[2]) : 1;
      for (int i = 0; i < n; ++i) node(Id(args, 1)).raw->Tick();
    } else if (cmd == "tick-heartbeat") {
      node(Id(args, 1)).raw->Tick();
    } else if (cmd == "tick-election") {
      for (int i = 0; i < 2 * kElectionTick; ++i) node(Id(args, 1)).raw->Tick();
    } else if (cmd == "process-ready") {
      for (size_t i = 1; i < args.size(); ++i) ProcessReady(std::stoull(args[i]));
    } else if (cmd == "deliver-msgs") {
      bool drop = false;
      for (size_t i = 1; i < args.size(); ++i) {
        if (args[i] == "drop") {
          drop = true;
        } else {
          DeliverMsgs(std::stoull(args[i]), drop);
        }
      }
    } else if (cmd == "stabilize") {
      std::vector<NodeId> ids;
      for (size_t i = 1; i < args.size(); ++i) ids.push_back(std::stoull(args[i]));
      if (ids.empty()) {
        for (const auto& [id, n] : nodes_) ids.push_back(id);
      }
      Stabilize(ids);
    } else if (cmd == "isolate") {
      isolated_.insert(Id(args, 1));
    } else if (cmd == "heal") {
      isolated_.clear();
    } else if (cmd == "compact") {
      Compact(Id(args, 1), args.at(2));
    } else if (cmd == "report-snapshot") {
      node(Id(args, 1)).raw->ReportSnapshot(Id(args, 2), args.at(3) == "ok");
    } else if (cmd == "report-unreachable") {
      node(Id(args, 1)).raw->ReportUnreachable(Id(args, 2));
    } else if (cmd == "status") {
      PrintNodeStatus(Id(args, 1));
    } else if (cmd == "raft-log") {
      RaftLog(Id(args, 1));
    } else {
      ADD_FAILURE() << "unknown command " << cmd;
    }
    std::string s = out_.str();
    return s.empty() ? "ok\n" : s;
  }

 private:
  static constexpr int kElectionTick = 10;

  struct Node {
    MemoryStorage storage;
    std::unique_ptr<RawNode> raw;
    ConfState conf;
  };

  static NodeId Id(const std::vector<std::string>& args, size_t i) {
    return std::stoull(args.at(i));
  }
  Node& node(NodeId id) { return *nodes_.at(id); }

  void PrintStatus(const shadekv::Status& s) {
    if (!s.ok()) out_ << "error: " << s.ToString() << "\n";
  }

  void AddNodes(const std::vector<std::string>& args) {
    const int n = std::stoi(args.at(1));
    std::vector<NodeId> ids;
    NodeId next = nodes_.empty() ? 1 : nodes_.rbegin()->first + 1;
    for (int i = 0; i < n; ++i) ids.push_back(next + i);
    ConfState conf{ids, {}};
    Config tmpl;
    tmpl.election_tick = kElectionTick;
    tmpl.heartbeat_tick = 1;
    for (size_t i = 2; i < args.size(); ++i) {
      const size_t eq = args[i].find('=');
      const std::string key = args[i].substr(0, eq);
      const std::string value = eq == std::string::npos ? "" : args[i].substr(eq + 1);
      if (key == "voters") {
        conf.voters = ParseIds(value);
      } else if (key == "learners") {
        conf.learners = ParseIds(value);
      } else if (key == "prevote") {
        tmpl.pre_vote = value == "true";
      } else if (key == "checkquorum") {
        tmpl.check_quorum = value == "true";
      } else if (key == "inflight") {
        tmpl.max_inflight_msgs = std::stoi(value);
      } else if (key == "chunk") {
        tmpl.max_snapshot_chunk_bytes = std::stoull(value);
      } else if (key == "max-size") {
        tmpl.max_size_per_msg = std::stoull(value);
      } else {
        ADD_FAILURE() << "unknown add-nodes option " << key;
      }
    }
    for (NodeId id : ids) {
      auto n = std::make_unique<Node>();
      n->conf = conf;
      n->storage.SetConfState(conf);
      Config c = tmpl;
      c.id = id;
      c.seed = id;
      c.storage = &n->storage;
      auto raw = RawNode::Create(c);
      EXPECT_TRUE(raw.ok()) << raw.status().ToString();
      n->raw = std::move(raw).value();
      nodes_[id] = std::move(n);
    }
  }

  // Performs one Ready of id; returns false when there was none.
  bool ProcessReady(NodeId id) {
    Node& n = node(id);
    if (!n.raw->HasReady()) return false;
    Ready rd = n.raw->GetReady();
    out_ << "> " << id << " handling Ready\n";
    out_ << "  Ready MustSync=" << (rd.must_sync ? "true" : "false") << ":\n";
    if (rd.soft_state) {
      out_ << "  Lead:" << rd.soft_state->leader << " State:" << RoleName(rd.soft_state->role)
           << "\n";
    }
    if (rd.hard_state) {
      out_ << "  HardState Term:" << rd.hard_state->term << " Vote:" << rd.hard_state->vote
           << " Commit:" << rd.hard_state->commit << "\n";
    }
    if (!rd.snapshot.empty()) {
      out_ << "  Snapshot Index:" << rd.snapshot.meta.index << " Term:" << rd.snapshot.meta.term
           << " ConfState:Voters:" << Ids(rd.snapshot.meta.conf_state.voters)
           << " Learners:" << Ids(rd.snapshot.meta.conf_state.learners) << " Data:\""
           << rd.snapshot.data << "\"\n";
    }
    if (!rd.entries.empty()) {
      out_ << "  Entries:\n";
      for (const Entry& e : rd.entries) out_ << "  " << DescribeEntry(e) << "\n";
    }
    if (!rd.committed_entries.empty()) {
      out_ << "  CommittedEntries:\n";
      for (const Entry& e : rd.committed_entries) out_ << "  " << DescribeEntry(e) << "\n";
    }
    if (!rd.messages.empty()) {
      out_ << "  Messages:\n";
      for (const Message& m : rd.messages) out_ << "  " << Describe(m) << "\n";
    }
    for (const ReadState& rs : rd.read_states) {
      out_ << "  ReadState Index:" << rs.index << " Ctx:" << rs.request_ctx << "\n";
    }
    // Persist, send, apply, advance - the documented order.
    if (!rd.snapshot.empty()) {
      EXPECT_TRUE(n.storage.ApplySnapshot(rd.snapshot).ok());
      n.conf = rd.snapshot.meta.conf_state;
    }
    EXPECT_TRUE(n.storage.Append(rd.entries).ok());
    if (rd.hard_state) n.storage.SetHardState(*rd.hard_state);
    for (const Message& m : rd.messages) mailbox_[m.to].push_back(m);
    for (const Entry& e : rd.committed_entries) {
      if (e.type != EntryType::kConfChange) continue;
      auto cc = DecodeConfChange(e.data);
      EXPECT_TRUE(cc.ok());
      n.conf = n.raw->ApplyConfChange(*cc);
      n.storage.SetConfState(n.conf);
      out_ << "  INFO " << id << " switched to configuration voters=" << Ids(n.conf.voters)
           << " learners=" << Ids(n.conf.learners) << "\n";
    }
    n.raw->Advance(rd);
    return true;
  }

  // Delivers id's queued messages; returns false when there were none.
  bool DeliverMsgs(NodeId id, bool drop) {
    std::vector<Message> msgs = std::move(mailbox_[id]);
    mailbox_.erase(id);
    if (msgs.empty()) return false;
    out_ << "> " << id << (drop ? " dropping messages" : " receiving messages") << "\n";
    for (const Message& m : msgs) {
      const bool cut = isolated_.count(m.from) != 0 || isolated_.count(m.to) != 0;
      out_ << "  " << Describe(m) << (cut && !drop ? " (dropped: partition)" : "") << "\n";
      if (drop || cut || nodes_.count(id) == 0) continue;
      shadekv::Status s = node(id).raw->Step(m);
      if (!s.ok()) out_ << "  refused: " << s.ToString() << "\n";
    }
    return true;
  }

  void Stabilize(const std::vector<NodeId>& ids) {
    for (int round = 0; round < 1000; ++round) {
      bool progress = false;
      for (NodeId id : ids) {
        while (ProcessReady(id)) progress = true;
      }
      for (NodeId id : ids) progress |= DeliverMsgs(id, false);
      if (!progress) return;
    }
    ADD_FAILURE() << "stabilize did not converge";
  }

  void Compact(NodeId id, const std::string& data) {
    Node& n = node(id);
    const uint64_t applied = n.raw->GetStatus().applied;
    auto snap = n.storage.CreateSnapshot(applied, n.conf, data);
    EXPECT_TRUE(snap.ok()) << snap.status().ToString();
    EXPECT_TRUE(n.storage.Compact(applied).ok());
    out_ << "snapshot at " << applied << ", log starts at " << n.storage.FirstIndex() << "\n";
  }

  void PrintNodeStatus(NodeId id) {
    NodeStatus s = node(id).raw->GetStatus();
    out_ << id << ": " << RoleName(s.soft_state.role) << " Term:" << s.hard_state.term
         << " Lead:" << s.soft_state.leader << " Vote:" << s.hard_state.vote
         << " Commit:" << s.hard_state.commit << " Applied:" << s.applied
         << " Last:" << s.last_index << " Voters:" << Ids(s.conf_state.voters)
         << " Learners:" << Ids(s.conf_state.learners);
    if (s.lead_transferee != kNoNode) out_ << " Transferee:" << s.lead_transferee;
    out_ << "\n";
    for (const auto& [peer, pr] : s.progress) {
      out_ << "  " << peer << ": " << ProgressStateName(pr.state) << " match=" << pr.match
           << " next=" << pr.next << (pr.learner ? " learner" : "") << "\n";
    }
  }

  void RaftLog(NodeId id) {
    const MemoryStorage& st = node(id).storage;
    if (st.LastIndex() < st.FirstIndex()) {
      out_ << "log is empty: first index=" << st.FirstIndex() << ", last index=" << st.LastIndex()
           << "\n";
      return;
    }
    auto entries = st.Entries(st.FirstIndex(), st.LastIndex() + 1, UINT64_MAX);
    for (const Entry& e : *entries) out_ << DescribeEntry(e) << "\n";
  }

  std::map<NodeId, std::unique_ptr<Node>> nodes_;
  std::map<NodeId, std::vector<Message>> mailbox_;
  std::set<NodeId> isolated_;
  std::ostringstream out_;
};

std::vector<Case> ParseScript(const std::string& path, std::vector<std::string>* trailer) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::vector<Case> cases;
  std::vector<std::string> preamble;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.empty() || l[0] == '#') {
      preamble.push_back(l);
      continue;
    }
    Case c;
    c.command = l;
    c.preamble = std::move(preamble);
    preamble.clear();
    ++i;
    EXPECT_TRUE(i < lines.size() && lines[i] == "----") << path << ": missing ---- after " << l;
    for (++i; i < lines.size() && !lines[i].empty(); ++i) c.expected += lines[i] + "\n";
    cases.push_back(std::move(c));
  }
  *trailer = std::move(preamble);
  return cases;
}

class InteractionTest : public ::testing::TestWithParam<std::string> {};

TEST_P(InteractionTest, ScriptOutputMatchesExpected) {
  const std::string path = std::string(SHADEKV_RAFT_TESTDATA_DIR) + "/" + GetParam();
  std::vector<std::string> trailer;
  std::vector<Case> cases = ParseScript(path, &trailer);
  ASSERT_FALSE(cases.empty()) << path;
  const char* rewrite_env = std::getenv("SHADEKV_REWRITE_TESTDATA");
  const bool rewrite = rewrite_env != nullptr && std::string(rewrite_env) == "1";
  InteractionEnv env;
  std::ostringstream rewritten;
  for (const Case& c : cases) {
    const std::string actual = env.Run(SplitWords(c.command));
    if (!rewrite) {
      EXPECT_EQ(actual, c.expected) << GetParam() << ": " << c.command;
    }
    for (const std::string& p : c.preamble) rewritten << p << "\n";
    rewritten << c.command << "\n----\n" << actual << "\n";
  }
  for (const std::string& p : trailer) rewritten << p << "\n";
  if (rewrite) {
    std::ofstream out(path, std::ios::trunc);
    out << rewritten.str();
  }
}

std::vector<std::string> Scripts() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(SHADEKV_RAFT_TESTDATA_DIR)) {
    if (e.path().extension() == ".txt") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Testdata, InteractionTest, ::testing::ValuesIn(Scripts()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.size() - 4);
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace shadekv::raft
