// Seeded randomized runs of a small cluster over a lossy, reordering,
// duplicating, partitioning network with restarts and compaction, checking
// the safety properties of Figure 3 after every step: Election Safety (at
// most one leader per term) and State Machine Safety (no two nodes apply
// different entries at the same index). The heavy, fault-injecting
// simulation lives in tests/raft/sim/; this is the core's own smoke check.
// Also fuzzes Step() with arbitrary messages: nothing may abort.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "tests/raft/raft_test_util.h"

namespace shadekv::raft {
namespace {

using testing::TestCluster;

class SafetyChecker {
 public:
  void Check(TestCluster& c) {
    for (NodeId id : c.ids()) {
      NodeStatus s = c.raw(id).GetStatus();
      if (s.soft_state.role == Role::kLeader) {
        auto [it, inserted] = leaders_.emplace(s.hard_state.term, id);
        ASSERT_EQ(it->second, id) << "two leaders in term " << s.hard_state.term;
      }
      const std::vector<Entry>& applied = c.node(id).applied;
      for (size_t i = checked_[id]; i < applied.size(); ++i) {
        const Entry& e = applied[i];
        auto [it, inserted] = committed_.emplace(e.index, e);
        ASSERT_EQ(it->second, e) << "node " << id << " applied a different entry at " << e.index;
      }
      checked_[id] = applied.size();
    }
  }
  size_t committed_count() const { return committed_.size(); }

 private:
  std::map<uint64_t, NodeId> leaders_;
  std::map<uint64_t, Entry> committed_;
  std::map<NodeId, size_t> checked_;
};

void RunRandomized(uint64_t seed, bool pre_vote) {
  std::mt19937_64 rng(seed);
  auto chance = [&rng](int percent) { return static_cast<int>(rng() % 100) < percent; };
  TestCluster c({1, 2, 3, 4, 5}, {6}, [seed, pre_vote](Config& cfg) {
    cfg.seed = seed * 31 + cfg.id;
    cfg.pre_vote = pre_vote;
    cfg.check_quorum = pre_vote;
    cfg.max_inflight_msgs = 4;
    cfg.max_size_per_msg = 16;
    cfg.max_snapshot_chunk_bytes = 3;
  });
  SafetyChecker checker;
  std::vector<Message> in_flight;
  int proposals = 0;
  for (int step = 0; step < 1500; ++step) {
    const NodeId node = 1 + rng() % 6;
    const int action = static_cast<int>(rng() % 100);
    if (action < 40) {
      c.Tick(node);
    } else if (action < 55) {
      if (c.raw(node).Propose("p" + std::to_string(proposals)).ok()) ++proposals;
    } else if (action < 58) {
      c.Isolate(node);
    } else if (action < 63) {
      c.Heal();
    } else if (action < 65) {
      c.Restart(node);  // everything was persisted by the last Flush
    } else if (action < 67 && !c.node(node).applied.empty()) {
      const uint64_t applied = c.node(node).applied.back().index;
      if (applied >= c.storage(node).FirstIndex()) c.Snapshot(node, "img" + std::to_string(step));
    } else if (action < 68) {
      c.raw(node).TransferLeader(1 + rng() % 5);
    } else if (action < 70) {
      c.raw(node).ReadIndex("r" + std::to_string(step));
    }
    std::vector<Message> out = c.FlushAll();
    in_flight.insert(in_flight.end(), out.begin(), out.end());
    // Deliver a random subset, reordered; drop some, duplicate some.
    std::shuffle(in_flight.begin(), in_flight.end(), rng);
    std::vector<Message> keep;
    std::vector<Message> now;
    for (const Message& m : in_flight) {
      if (chance(10)) continue;  // lost
      if (chance(20)) {
        keep.push_back(m);  // delayed
      } else {
        now.push_back(m);
        if (chance(5)) now.push_back(m);  // duplicated
      }
    }
    in_flight = std::move(keep);
    c.Deliver(now);
    checker.Check(c);
    if (::testing::Test::HasFatalFailure()) return;
  }
  // Liveness once the network heals: a leader emerges and the log commits.
  c.Heal();
  for (int i = 0; i < 200; ++i) {
    c.TickAll();
    c.Stabilize();
  }
  checker.Check(c);
  const NodeId leader = c.Leader();
  ASSERT_NE(leader, kNoNode) << "seed " << seed;
  ASSERT_TRUE(c.ProposeAndStabilize(leader, "final").ok());
  checker.Check(c);
  for (NodeId id : c.ids()) {
    EXPECT_EQ(c.raw(id).GetStatus().hard_state.commit, c.raw(leader).GetStatus().hard_state.commit)
        << "seed " << seed << " node " << id;
  }
  EXPECT_GT(checker.committed_count(), 1u);
}

// Figure 3 properties under faults, with PreVote + CheckQuorum.
TEST(RaftRandomizedTest, SafetyHoldsUnderFaultsWithPreVoteAndCheckQuorum) {
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RunRandomized(seed, true);
    if (HasFatalFailure()) return;
  }
}

// Figure 3 properties under faults with plain elections.
TEST(RaftRandomizedTest, SafetyHoldsUnderFaultsWithPlainElections) {
  for (uint64_t seed = 100; seed <= 111; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RunRandomized(seed, false);
    if (HasFatalFailure()) return;
  }
}

// Arbitrary messages from the network never abort the process: each is
// either refused or handled.
TEST(RaftRandomizedTest, ArbitraryMessagesNeverAbort) {
  std::mt19937_64 rng(42);
  TestCluster c({1, 2, 3}, {4});
  c.Elect(1);
  ASSERT_TRUE(c.ProposeAndStabilize(1, "a").ok());
  auto small = [&rng](uint64_t n) { return rng() % n; };
  for (int i = 0; i < 20000; ++i) {
    Message m;
    m.type = static_cast<MessageType>(small(19));
    m.from = small(6);
    m.to = 1 + small(4);
    m.term = small(8) == 0 ? rng() : small(5);
    m.index = small(8) == 0 ? rng() : small(8);
    m.log_term = small(8) == 0 ? rng() : small(5);
    m.commit = small(8) == 0 ? rng() : small(8);
    m.reject = small(2) == 0;
    m.reject_hint = small(8) == 0 ? rng() : small(8);
    if (small(4) == 0) m.context = small(2) ? "transfer" : "snapshot";
    const uint64_t n = small(4);
    for (uint64_t k = 0; k < n; ++k) {
      Entry e;
      e.term = small(5);
      e.index = small(3) == 0 ? small(10) : m.index + 1 + k;
      e.type = static_cast<EntryType>(small(3));
      if (e.type == EntryType::kConfChange && small(2)) {
        e.data =
            EncodeConfChange(ConfChange{static_cast<ConfChangeType>(small(3)), 1 + small(6), ""});
      } else {
        e.data = std::string(small(4), 'x');
      }
      m.entries.push_back(e);
    }
    m.snapshot.meta.index = small(8) == 0 ? rng() : small(10);
    m.snapshot.meta.term = small(5);
    m.snapshot.meta.conf_state = ConfState{{1, 2, 3}, {}};
    m.snapshot.data = std::string(small(5), 's');
    m.chunk_offset = small(8) == 0 ? rng() : small(6);
    m.chunk_last = small(2) == 0;
    (void)c.raw(m.to).Step(m);
    if (i % 7 == 0) c.Tick(1 + small(4));
    c.Deliver(c.FlushAll());
  }
  SUCCEED();
}

}  // namespace
}  // namespace shadekv::raft
