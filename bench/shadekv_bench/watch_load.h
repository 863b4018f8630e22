// The watch workload of shadekv-bench: --watchers streams on the run's prefix
// (watch_fanout's WatchStreamSet: one epoll thread, raw sockets) on the first
// endpoint, and --writers keep-alive connections putting --total keys under
// that prefix (bus_bench's RunPutLoad, paced by --rate). Reports
// put-to-event latency (put sent -> event received, per watcher and put) and
// the fan-out correctness tally of fanout_analysis.
#pragma once

#include <string>

#include "bench/shadekv_bench/bench_flags.h"
#include "bench/shadekv_bench/bench_result.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

// Fills the request, latency and watch fields of `result`. Fails when the
// streams cannot be opened; a writer failure or an undelivered event is
// reported in `result` (errors, missed) and also returned, so the caller
// exits non-zero after printing.
Status RunWatchLoad(const BenchFlags& flags, const std::string& prefix, int64_t deadline_ns,
                    bool show_progress, BenchResult* result);

}  // namespace shadekv::bench
