// The seeded cluster simulation: many seeds of faults per scenario, with the
// safety invariants checked after every step and liveness checked once the
// faults stop.
//
// Seeds: each scenario runs seeds 1..N, N its CI default or SHADEKV_SIM_SEEDS.
// SHADEKV_SIM_SEED=S runs exactly seed S. A failure prints the seed, the broken
// invariant, the last steps, and the command that replays it.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tests/raft/sim/invariants.h"
#include "tests/raft/sim/sim_cluster.h"
#include "tests/raft/sim/sim_node.h"

namespace shadekv::raft::sim {
namespace {

std::optional<uint64_t> EnvNumber(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::strtoull(value, nullptr, 10);
}

std::string ReplayCommand(uint64_t seed) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return "SHADEKV_SIM_SEED=" + std::to_string(seed) +
         " ./build/bin/raft_sim_test --gtest_filter=" + info->test_suite_name() + "." +
         info->name();
}

struct SeedRun {
  uint64_t seeds = 0;
  SimStats total;
};

void Add(SimStats* total, const SimStats& s) {
  total->ticks += s.ticks;
  total->leader_terms += s.leader_terms;
  total->max_commit += s.max_commit;
  total->crashes += s.crashes;
  total->lost_writes += s.lost_writes;
  total->restores += s.restores;
  total->snapshot_chunks += s.snapshot_chunks;
  total->compactions += s.compactions;
  total->conf_changes += s.conf_changes;
  total->transfers += s.transfers;
  total->proposals_applied += s.proposals_applied;
  total->reads_served += s.reads_served;
  total->delivered += s.delivered;
  total->dropped += s.dropped;
}

// SHADEKV_SIM_SEED alone, else 1..SHADEKV_SIM_SEEDS, else 1..default_seeds.
std::vector<uint64_t> SelectedSeeds(uint64_t default_seeds) {
  std::vector<uint64_t> seeds;
  if (std::optional<uint64_t> one = EnvNumber("SHADEKV_SIM_SEED")) {
    seeds.push_back(*one);
  } else {
    uint64_t n = EnvNumber("SHADEKV_SIM_SEEDS").value_or(default_seeds);
    for (uint64_t s = 1; s <= n; ++s) seeds.push_back(s);
  }
  return seeds;
}

// Runs the scenario for every selected seed; stops at the first failure.
SeedRun RunSeeds(uint64_t default_seeds, const std::function<SimOptions(uint64_t)>& make) {
  SeedRun run;
  for (uint64_t seed : SelectedSeeds(default_seeds)) {
    SimCluster cluster(make(seed));
    SimResult result = cluster.Run();
    ++run.seeds;
    Add(&run.total, result.stats);
    if (result.violation.has_value()) {
      ADD_FAILURE() << "seed " << seed << " broke " << result.violation->invariant << ": "
                    << result.violation->detail << "\nlast steps:\n"
                    << result.trace_tail << "replay: " << ReplayCommand(seed);
      break;
    }
  }
  std::cout << "[ sim      ] " << run.seeds << " seeds, " << run.total.ticks << " ticks, "
            << run.total.leader_terms << " leader terms, " << run.total.max_commit << " committed, "
            << run.total.crashes << " crashes (" << run.total.lost_writes
            << " unsynced writes lost), " << run.total.restores << " snapshot installs ("
            << run.total.snapshot_chunks << " chunks), " << run.total.conf_changes
            << " conf changes, " << run.total.transfers << " transfers, " << run.total.reads_served
            << " reads\n";
  return run;
}

NetworkChaos Chaos() {
  NetworkChaos chaos;
  chaos.drop = 0.1;
  chaos.duplicate = 0.05;
  chaos.reorder = 0.3;
  chaos.max_delay = 4;
  chaos.long_delay = 0.01;
  chaos.max_long_delay = 40;
  return chaos;
}

// Partitions, crashes, message chaos, a few transfers and compactions.
SimOptions Chaotic(uint64_t seed, int voters) {
  SimOptions o;
  o.seed = seed;
  o.voters = voters;
  o.fault_ticks = 300;
  o.chaos = Chaos();
  o.faults.partition = 0.03;
  o.faults.heal = 0.04;
  o.faults.crash = 0.02;
  o.faults.restart = 0.04;
  o.faults.chaos = 0.04;
  o.faults.transfer = 0.005;
  o.faults.compact = 0.01;
  // Some seeds run without PreVote or CheckQuorum, to cover those paths too.
  o.tuning.pre_vote = seed % 5 != 4;
  o.tuning.check_quorum = seed % 7 != 6;
  return o;
}

TEST(RaftSim, ThreeNodesSurviveChaos) {
  SeedRun run = RunSeeds(400, [](uint64_t seed) { return Chaotic(seed, 3); });
  EXPECT_GT(run.total.crashes, 0u);
  EXPECT_GT(run.total.max_commit, run.seeds);
}

TEST(RaftSim, FiveNodesSurviveChaos) {
  SeedRun run = RunSeeds(250, [](uint64_t seed) { return Chaotic(seed, 5); });
  EXPECT_GT(run.total.crashes, 0u);
  EXPECT_GT(run.total.max_commit, run.seeds);
}

TEST(RaftSim, MembershipChangesUnderFaults) {
  SeedRun run = RunSeeds(300, [](uint64_t seed) {
    SimOptions o = Chaotic(seed, seed % 2 ? 3 : 5);
    o.learners = 1;
    o.faults.membership = 0.06;
    o.faults.crash = 0.01;
    o.faults.compact = 0.04;  // new members often join by snapshot
    o.tuning.max_snapshot_chunk_bytes = 128;
    return o;
  });
  // Beyond the founding members' own: changes were applied, not just proposed.
  EXPECT_GT(run.total.conf_changes, run.seeds);
}

TEST(RaftSim, LeaderTransferUnderFaults) {
  SeedRun run = RunSeeds(250, [](uint64_t seed) {
    SimOptions o = Chaotic(seed, 3 + 2 * (seed % 2));
    o.faults.transfer = 0.06;
    o.faults.partition = 0.015;
    return o;
  });
  EXPECT_GT(run.total.transfers, run.seeds);
}

TEST(RaftSim, SnapshotCatchUpUnderFaults) {
  SeedRun run = RunSeeds(250, [](uint64_t seed) {
    SimOptions o = Chaotic(seed, 3);
    o.faults.compact = 0.1;
    o.faults.restart = 0.02;
    o.tuning.max_snapshot_chunk_bytes = 64;
    return o;
  });
  EXPECT_GT(run.total.restores, 0u);
  // Images are far larger than a chunk: installs took many chunks each.
  EXPECT_GT(run.total.snapshot_chunks, 4 * run.total.restores);
}

TEST(RaftSim, CrashLosingUnsyncedWrites) {
  SeedRun run = RunSeeds(300, [](uint64_t seed) {
    SimOptions o = Chaotic(seed, 3 + 2 * (seed % 2));
    o.unsynced_loss = 1.0;
    o.faults.crash = 0.06;
    o.faults.restart = 0.08;
    o.faults.compact = 0.03;
    return o;
  });
  EXPECT_GT(run.total.lost_writes, 0u);
}

// CheckQuorum + PreVote: a follower that can send but not receive keeps timing
// out, but its pre-votes cannot win and do not bump terms, so nobody's term
// moves and the leader stays (thesis §9.6).
TEST(RaftSim, AsymmetricPartitionDoesNotDisruptLeader) {
  for (uint64_t seed : SelectedSeeds(150)) {
    SimOptions o;
    o.seed = seed;
    o.voters = 3 + 2 * (seed % 2);
    SimCluster cluster(o);
    NodeId leader = cluster.WaitForLeader(200);
    ASSERT_NE(leader, kNoNode) << "replay: " << ReplayCommand(seed);
    ASSERT_TRUE(cluster.ProposeAndWait("before", 200)) << "replay: " << ReplayCommand(seed);

    std::vector<NodeId> members = cluster.live_members();
    NodeId deaf = members[seed % members.size()];
    if (deaf == leader) deaf = members[(seed + 1) % members.size()];
    std::map<NodeId, uint64_t> terms;
    for (NodeId id : members) terms[id] = cluster.node(id)->hard_state().term;
    for (NodeId id : members) {
      if (id != deaf) cluster.network().Cut(id, deaf);
    }
    uint64_t commit_before = cluster.checker().max_commit();
    cluster.RunTicks(200);  // 20 election timeouts of the deaf follower
    ASSERT_EQ(cluster.Leader(), leader) << "replay: " << ReplayCommand(seed);
    ASSERT_TRUE(cluster.ProposeAt(leader, "during").ok());
    cluster.RunTicks(20);
    EXPECT_GT(cluster.checker().max_commit(), commit_before) << "replay: " << ReplayCommand(seed);
    EXPECT_EQ(cluster.Leader(), leader) << "replay: " << ReplayCommand(seed);
    for (NodeId id : members) {
      EXPECT_EQ(cluster.node(id)->hard_state().term, terms[id])
          << "node " << id << " (deaf: " << deaf << ") replay: " << ReplayCommand(seed);
    }

    cluster.network().HealAll();
    EXPECT_TRUE(cluster.ProposeAndWait("after", 200)) << "replay: " << ReplayCommand(seed);
    EXPECT_EQ(cluster.Leader(), leader) << "replay: " << ReplayCommand(seed);
    ASSERT_FALSE(cluster.violation().has_value())
        << "seed " << seed << " broke " << cluster.violation()->invariant << ": "
        << cluster.violation()->detail << "\nlast steps:\n"
        << cluster.TraceTail() << "replay: " << ReplayCommand(seed);
    if (::testing::Test::HasFailure()) break;
  }
}

// CheckQuorum: a leader cut off from everyone steps down within an election
// timeout or two, and the others elect a leader of a higher term.
TEST(RaftSim, IsolatedLeaderStepsDown) {
  for (uint64_t seed : SelectedSeeds(100)) {
    SimOptions o;
    o.seed = seed;
    o.voters = 3 + 2 * (seed % 2);
    SimCluster cluster(o);
    NodeId old_leader = cluster.WaitForLeader(200);
    ASSERT_NE(old_leader, kNoNode) << "replay: " << ReplayCommand(seed);
    uint64_t old_term = cluster.node(old_leader)->hard_state().term;
    for (NodeId id : cluster.live_members()) {
      if (id != old_leader) cluster.network().CutBoth(old_leader, id);
    }
    cluster.RunTicks(2 * o.tuning.election_tick + 1);
    EXPECT_NE(cluster.node(old_leader)->soft_state().role, Role::kLeader)
        << "replay: " << ReplayCommand(seed);
    NodeId new_leader = cluster.WaitForLeader(200);
    EXPECT_NE(new_leader, old_leader) << "replay: " << ReplayCommand(seed);
    EXPECT_GT(cluster.node(new_leader)->hard_state().term, old_term);
    // The old leader's pre-votes never raised its term while it was cut off.
    EXPECT_EQ(cluster.node(old_leader)->hard_state().term, old_term);
    cluster.network().HealAll();
    EXPECT_TRUE(cluster.ProposeAndWait("healed", 300)) << "replay: " << ReplayCommand(seed);
    ASSERT_FALSE(cluster.violation().has_value())
        << "seed " << seed << " broke " << cluster.violation()->invariant << ": "
        << cluster.violation()->detail << "\nlast steps:\n"
        << cluster.TraceTail() << "replay: " << ReplayCommand(seed);
    if (::testing::Test::HasFailure()) break;
  }
}

// The checker itself: a host that acknowledges writes it never synced must be
// caught (lost votes, lost terms, or committed entries on too few disks).
// With the durability check off, the consequences must be caught too.
std::map<std::string, int> ViolationsWithoutSync(bool check_durability) {
  std::map<std::string, int> by_invariant;
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    SimOptions o = Chaotic(seed, 3);
    o.hosts_ignore_sync = true;
    o.check_durability = check_durability;
    o.unsynced_loss = 1.0;
    o.faults.crash = 0.08;
    o.faults.restart = 0.1;
    o.recovery_ticks = 60;  // broken hosts may never recover; do not wait long
    SimResult result = SimCluster(o).Run();
    if (result.violation.has_value()) ++by_invariant[result.violation->invariant];
  }
  for (const auto& [name, count] : by_invariant) {
    std::cout << "  " << name << ": " << count << " seeds\n";
  }
  return by_invariant;
}

TEST(RaftSim, CheckerCatchesHostThatSkipsSync) {
  EXPECT_GE(ViolationsWithoutSync(/*check_durability=*/true)["CommittedEntryDurable"], 50);
  std::map<std::string, int> later = ViolationsWithoutSync(/*check_durability=*/false);
  EXPECT_GT(later["TermNeverDecreases"] + later["VoteStable"], 0);
  EXPECT_GT(later["ElectionSafety"] + later["LogMatching"] + later["StateMachineSafety"] +
                later["LeaderCompleteness"] + later["CommittedEntryNeverOverwritten"],
            0);
}

TEST(RaftSim, SameSeedReplaysIdentically) {
  for (uint64_t seed : {7u, 8u, 9u}) {
    SimOptions o = Chaotic(seed, 5);
    o.learners = 1;
    o.faults.membership = 0.05;
    SimResult first = SimCluster(o).Run();
    SimResult second = SimCluster(o).Run();
    EXPECT_EQ(first.trace_tail, second.trace_tail) << "seed " << seed;
    EXPECT_EQ(first.stats.delivered, second.stats.delivered) << "seed " << seed;
    EXPECT_EQ(first.stats.max_commit, second.stats.max_commit) << "seed " << seed;
    EXPECT_EQ(first.stats.ticks, second.stats.ticks) << "seed " << seed;
    EXPECT_GT(first.stats.delivered, 0u);
  }
}

}  // namespace
}  // namespace shadekv::raft::sim
