// Raft core overhead: entries committed per second by a simulated 3-member
// cluster with a perfect network and no faults. Everything runs on one thread:
// the three RawNodes, their hosts (in-memory storage), the simulated network
// and the invariant checker, so the number bounds what the core can do per
// core, not what a real cluster does over disks and sockets.
//
// Arguments: proposals per batch (one simulation tick commits a batch), and
// bytes per entry.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/raft/sim/sim_cluster.h"

namespace shadekv::raft::sim {
namespace {

void BM_CommitThreeNodes(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  const std::vector<std::string> proposals(static_cast<size_t>(batch),
                                           std::string(static_cast<size_t>(state.range(1)), 'x'));
  SimOptions options;
  options.seed = 1;
  options.voters = 3;
  options.tuning.max_size_per_msg = 1 << 20;
  options.tuning.max_inflight_msgs = 256;
  SimCluster cluster(options);
  const NodeId leader = cluster.WaitForLeader(1000);
  if (leader == kNoNode) {
    state.SkipWithError("no leader elected");
    return;
  }
  uint64_t committed = 0;
  for (auto _ : state) {
    const uint64_t target = cluster.node(leader)->applied() + batch;
    if (!cluster.ProposeBatchAt(leader, proposals).ok()) {
      state.SkipWithError("proposal rejected");
      return;
    }
    for (int round = 0; cluster.node(leader)->applied() < target; ++round) {
      if (round == 100 || cluster.violation().has_value()) {
        state.SkipWithError("batch did not commit");
        return;
      }
      cluster.RunTicks(1);
    }
    committed += batch;
  }
  state.SetItemsProcessed(static_cast<int64_t>(committed));
  state.counters["entries/s"] =
      benchmark::Counter(static_cast<double>(committed), benchmark::Counter::kIsRate);
  state.counters["msgs/entry"] =
      static_cast<double>(cluster.stats().delivered) / static_cast<double>(committed);
}

BENCHMARK(BM_CommitThreeNodes)
    ->ArgNames({"batch", "bytes"})
    ->Args({1, 64})
    ->Args({16, 64})
    ->Args({128, 64})
    ->Args({128, 1024});

}  // namespace
}  // namespace shadekv::raft::sim

BENCHMARK_MAIN();
