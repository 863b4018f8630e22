#!/usr/bin/env bash
# The main job: installs what is missing, builds shadekv (Release) into build/,
# and runs it. The agent daemon arrives with the agent issue; until then this
# runs what exists: the Raft core in its 3-node simulator and the store
# benchmark, each for a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSHADEKV_BUILD_TESTS=ON >/dev/null
cmake --build build -j "$(nproc)"

echo "== Raft core: entries committed per second in a 3-node simulated cluster"
build/bin/raft_sim_bench --benchmark_min_time=1
echo "== Store: MVCC and Raft log on LevelDB (small key count; full run: see docs/benchmarks.md)"
build/bin/store_bench --benchmark_min_time=0.2 --benchmark_filter='/100000' 
