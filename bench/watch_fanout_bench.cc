// watch_fanout_bench: N watch streams on one key prefix of an etcd v3 JSON
// gateway (shadekv or etcd), M puts under that prefix, and how long each
// event takes to reach every watcher (docs/benchmarks.md "Watch fan-out").
//
// Threads: the main thread runs the single epoll loop over all watch
// streams; one writer thread does the puts. They share only the put records,
// handed over once the writer has finished.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "agent/api/go_base64.h"
#include "bench/watch_fanout/fanout_analysis.h"
#include "bench/watch_fanout/fanout_flags.h"
#include "bench/watch_fanout/proc_stats.h"
#include "bench/watch_fanout/put_writer.h"
#include "bench/watch_fanout/watch_stream_set.h"

namespace shadekv::bench {
namespace {

// etcd's prefix end: the prefix with its last byte below 0xff incremented
// and everything after it dropped.
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

double ThreadCpuSeconds(int who) {
  rusage usage{};
  getrusage(who, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Each watch stream is one socket; the client needs that many descriptors.
Status RaiseFdLimit(int needed) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return Status::Internal("getrlimit failed");
  if (limit.rlim_cur < static_cast<rlim_t>(needed)) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, static_cast<rlim_t>(needed));
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < static_cast<rlim_t>(needed)) {
    return Status::ResourceExhausted("need " + std::to_string(needed) +
                                     " file descriptors but the limit is " +
                                     std::to_string(limit.rlim_cur) + " (raise ulimit -n)");
  }
  return Status::Ok();
}

struct ServerSample {
  int64_t rss_kb = -1;  // -1: not sampled
  double cpu_s = -1;
};

ServerSample SampleServer(int pid) {
  ServerSample sample;
  if (pid == 0) return sample;
  if (auto rss = ReadVmRssKb(pid); rss.ok()) sample.rss_kb = *rss;
  if (auto cpu = ReadCpuSeconds(pid); cpu.ok()) sample.cpu_s = *cpu;
  return sample;
}

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

struct Outcome {
  FanoutAnalysis analysis;
  int puts_done = 0;
  int failed_streams = 0;
  std::string failure;
  double open_s = 0;
  double put_phase_s = 0;
  double drain_s = 0;  // last put acked -> last event delivered to all
  ServerSample before, open, after;
  double server_cpu_s = -1;
  double client_loop_cpu_s = 0;
  double client_total_cpu_s = 0;
};

void PrintReport(const FanoutFlags& flags, const std::string& prefix, const Outcome& o) {
  const FanoutAnalysis& a = o.analysis;
  auto kb = [](int64_t v) { return v < 0 ? std::string("n/a") : std::to_string(v) + " KiB"; };
  std::printf("watch fan-out against %s (%s:%d), prefix \"%s\"\n", flags.label.c_str(),
              flags.host.c_str(), flags.port, prefix.c_str());
  std::printf("  watchers %d (all created in %.2f s), puts %d of %d in %.2f s (%.0f puts/s)\n",
              flags.watchers, o.open_s, o.puts_done, flags.puts, o.put_phase_s,
              o.put_phase_s > 0 ? o.puts_done / o.put_phase_s : 0.0);
  std::printf("  %-34s %9s %9s %9s %9s %9s\n", "latency (ms)", "samples", "p50", "p90", "p99",
              "max");
  auto row = [](const char* name, const Percentiles& p) {
    std::printf("  %-34s %9zu %9.3f %9.3f %9.3f %9.3f\n", name, p.count, Ms(p.p50), Ms(p.p90),
                Ms(p.p99), Ms(p.max));
  };
  row("put acked -> delivered (>=0)", a.ack_to_delivered);
  row("put sent -> delivered", a.sent_to_delivered);
  row("put sent -> acked", a.put_latency);
  std::printf(
      "  delivered before the put's ack: %zu of %zu (%.1f %%; counted as 0 above)\n",
      a.delivered_before_ack, a.ack_to_delivered.count,
      a.ack_to_delivered.count ? 100.0 * a.delivered_before_ack / a.ack_to_delivered.count : 0.0);
  std::printf("  events missed %" PRIu64 ", duplicated %" PRIu64 ", out of order %" PRIu64
              ", unexpected %" PRIu64 ", failed streams %d\n",
              a.missed, a.duplicated, a.out_of_order, a.unexpected, o.failed_streams);
  if (!o.failure.empty()) std::printf("  first failure: %s\n", o.failure.c_str());
  std::printf("  server VmRSS: before %s, %d watchers open %s, after puts %s\n",
              kb(o.before.rss_kb).c_str(), flags.watchers, kb(o.open.rss_kb).c_str(),
              kb(o.after.rss_kb).c_str());
  if (o.server_cpu_s >= 0) {
    std::printf("  server CPU during puts+delivery: %.2f s over %.2f s wall\n", o.server_cpu_s,
                o.put_phase_s + o.drain_s);
  }
  std::printf("  client CPU during puts+delivery: loop thread %.2f s, whole client %.2f s\n",
              o.client_loop_cpu_s, o.client_total_cpu_s);

  const bool ok = o.failure.empty() && o.failed_streams == 0 && o.puts_done == flags.puts &&
                  a.missed == 0 && a.duplicated == 0 && a.out_of_order == 0 && a.unexpected == 0;
  const double rss_per_watcher_kb =
      (o.before.rss_kb >= 0 && o.open.rss_kb >= 0)
          ? static_cast<double>(o.open.rss_kb - o.before.rss_kb) / flags.watchers
          : -1;
  std::printf(
      "RESULT label=%s watchers=%d puts=%d samples=%zu open_s=%.3f put_phase_s=%.3f drain_s=%.3f "
      "ack_p50_ms=%.3f ack_p90_ms=%.3f ack_p99_ms=%.3f ack_max_ms=%.3f before_ack=%zu "
      "sent_p50_ms=%.3f sent_p99_ms=%.3f put_p50_ms=%.3f put_p99_ms=%.3f "
      "missed=%" PRIu64 " duplicated=%" PRIu64 " out_of_order=%" PRIu64 " unexpected=%" PRIu64
      " failed_streams=%d rss_before_kb=%" PRId64 " rss_open_kb=%" PRId64 " rss_after_kb=%" PRId64
      " rss_per_watcher_kb=%.2f server_cpu_s=%.3f client_loop_cpu_s=%.3f client_cpu_s=%.3f "
      "ok=%d\n",
      flags.label.c_str(), flags.watchers, o.puts_done, a.ack_to_delivered.count, o.open_s,
      o.put_phase_s, o.drain_s, Ms(a.ack_to_delivered.p50), Ms(a.ack_to_delivered.p90),
      Ms(a.ack_to_delivered.p99), Ms(a.ack_to_delivered.max), a.delivered_before_ack,
      Ms(a.sent_to_delivered.p50), Ms(a.sent_to_delivered.p99), Ms(a.put_latency.p50),
      Ms(a.put_latency.p99), a.missed, a.duplicated, a.out_of_order, a.unexpected, o.failed_streams,
      o.before.rss_kb, o.open.rss_kb, o.after.rss_kb, rss_per_watcher_kb, o.server_cpu_s,
      o.client_loop_cpu_s, o.client_total_cpu_s, ok ? 1 : 0);
}

int Run(const FanoutFlags& flags) {
  const int64_t start_ns = WatchStreamSet::NowNs();
  const int64_t deadline_ns = start_ns + int64_t{flags.timeout_s} * 1'000'000'000;
  if (Status st = RaiseFdLimit(flags.watchers + 64); !st.ok()) {
    std::fprintf(stderr, "watch_fanout_bench: error: %s\n", st.message().c_str());
    return 1;
  }
  const std::string prefix =
      !flags.key_prefix.empty()
          ? flags.key_prefix
          : "/bench/watch-fanout/" + std::to_string(getpid()) + "-" +
                std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count()) +
                "/";
  if (flags.server_pid != 0) {
    if (auto rss = ReadVmRssKb(flags.server_pid); !rss.ok()) {
      std::fprintf(stderr, "watch_fanout_bench: error: --server-pid %d: %s\n", flags.server_pid,
                   rss.status().message().c_str());
      return 1;
    }
  }

  Outcome o;
  o.before = SampleServer(flags.server_pid);

  WatchStreamOptions options;
  options.host = flags.host;
  options.port = flags.port;
  options.streams = flags.watchers;
  options.open_concurrency = flags.open_concurrency;
  options.create_body = "{\"create_request\":{\"key\":\"" + api::EncodeBase64(prefix) +
                        "\",\"range_end\":\"" + api::EncodeBase64(PrefixEnd(prefix)) + "\"}}";
  WatchStreamSet streams(options);
  if (Status st = streams.OpenAll(deadline_ns); !st.ok()) {
    std::fprintf(stderr, "watch_fanout_bench: error: opening %d watch streams on %s:%d: %s\n",
                 flags.watchers, flags.host.c_str(), flags.port, st.message().c_str());
    return 1;
  }
  const int64_t open_ns = WatchStreamSet::NowNs();
  o.open_s = (open_ns - start_ns) / 1e9;
  o.open = SampleServer(flags.server_pid);

  // The writer hands over its records once, when it is done.
  std::vector<PutRecord> records;
  records.reserve(static_cast<size_t>(flags.puts));
  Status writer_status;
  std::atomic<bool> writer_done{false};
  std::atomic<int64_t> last_revision{0};
  std::atomic<int64_t> writer_end_ns{0};
  PutPlan plan{flags.host, flags.port, prefix, flags.puts, flags.value_bytes, flags.put_interval_ms,
               deadline_ns};

  const double loop_cpu_before = ThreadCpuSeconds(RUSAGE_THREAD);
  const double self_cpu_before = ThreadCpuSeconds(RUSAGE_SELF);
  const ServerSample cpu_before = SampleServer(flags.server_pid);
  const int64_t puts_start_ns = WatchStreamSet::NowNs();
  std::thread writer([&] {
    writer_status = RunPuts(plan, &records);
    last_revision.store(records.empty() ? 0 : records.back().revision, std::memory_order_relaxed);
    writer_end_ns.store(WatchStreamSet::NowNs(), std::memory_order_relaxed);
    writer_done.store(true, std::memory_order_release);
  });
  Status pump = streams.Pump(deadline_ns, [&](const WatchStreamSet& set) {
    if (!writer_done.load(std::memory_order_acquire)) return false;
    return set.AllLiveStreamsReached(last_revision.load(std::memory_order_relaxed));
  });
  const int64_t pump_end_ns = WatchStreamSet::NowNs();
  const ServerSample cpu_after = SampleServer(flags.server_pid);
  o.client_loop_cpu_s = ThreadCpuSeconds(RUSAGE_THREAD) - loop_cpu_before;
  // The writer is bounded by the same deadline, so this join is bounded too.
  writer.join();
  o.client_total_cpu_s = ThreadCpuSeconds(RUSAGE_SELF) - self_cpu_before;
  o.put_phase_s = (writer_end_ns.load() - puts_start_ns) / 1e9;
  o.drain_s = std::max<int64_t>(pump_end_ns - writer_end_ns.load(), 0) / 1e9;
  if (cpu_before.cpu_s >= 0 && cpu_after.cpu_s >= 0) {
    o.server_cpu_s = cpu_after.cpu_s - cpu_before.cpu_s;
  }
  o.after = SampleServer(flags.server_pid);

  o.puts_done = static_cast<int>(records.size());
  if (!writer_status.ok()) {
    o.failure = "writer: " + writer_status.message();
  } else if (!pump.ok()) {
    o.failure =
        "not every event was delivered within --timeout-s " + std::to_string(flags.timeout_s);
  }
  o.failed_streams = streams.failed_streams();
  if (o.failure.empty() && o.failed_streams > 0) o.failure = streams.first_failure();
  o.analysis = AnalyzeFanout(records, streams.TakeDeliveries());
  PrintReport(flags, prefix, o);
  const FanoutAnalysis& a = o.analysis;
  const bool ok = o.failure.empty() && a.missed == 0 && a.duplicated == 0 && a.out_of_order == 0 &&
                  a.unexpected == 0;
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace shadekv::bench

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto flags = shadekv::bench::ParseFanoutFlags(args);
  if (!flags.ok()) {
    std::fprintf(stderr, "watch_fanout_bench: error: %s\n", flags.status().message().c_str());
    return 2;
  }
  if (flags->help) {
    std::fputs(shadekv::bench::FanoutUsage().c_str(), stdout);
    return 0;
  }
  return shadekv::bench::Run(*flags);
}
