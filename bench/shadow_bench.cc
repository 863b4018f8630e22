// shadow_bench: what a shadekv-shadow adds and what the audit plugin costs
// (docs/benchmarks.md "Shadow and audit").
//   lag:  paced, stamped puts on the primary; one watch stream on the SHADOW
//         and one on the PRIMARY (both from the current revision), so the
//         report shows ack -> event and send -> event on each side by side.
//   load: the initial-sync data set, N keys in txns of K puts.
//   puts: puts only, for the audit overhead (same load with and without it).
// Orchestration (agents, shadows, plugins, A/B alternation) is in
// bench/shadow.sh and bench/audit_overhead.sh; this program only measures.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "agent/api/go_base64.h"
#include "bench/bus_bench/put_load.h"
#include "bench/shadow_bench/shadow_bench_flags.h"
#include "bench/shadow_bench/txn_load.h"
#include "bench/watch_fanout/fanout_analysis.h"
#include "bench/watch_fanout/watch_stream_set.h"

namespace shadekv::bench {
namespace {

constexpr int64_t kSecondNs = 1'000'000'000;

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string DefaultKeyPrefix(const std::string& mode) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return "/bench/shadow/" + mode + "/" + std::to_string(ms) + "/";
}

// The bucket's burst: burst_ms worth of sends at the rate; unpaced runs ask
// for a rate no client reaches, so the bucket never makes anyone wait.
PutLoadPlan PlanFor(const ShadowBenchFlags& flags, const std::string& prefix, int64_t deadline) {
  PutLoadPlan plan;
  plan.host = flags.primary_host;
  plan.port = flags.primary_port;
  plan.key_prefix = prefix;
  plan.puts = flags.events;
  plan.rate_per_s = flags.rate > 0 ? flags.rate : 10'000'000;
  plan.burst = flags.rate > 0 ? static_cast<int>(std::clamp<int64_t>(
                                    int64_t{flags.rate} * flags.burst_ms / 1000, 1, 1 << 30))
                              : 1 << 30;
  plan.clients = flags.clients;
  plan.value_bytes = flags.value_bytes;
  plan.deadline_ns = deadline;
  return plan;
}

double AchievedRate(const std::vector<PutRecord>& puts) {
  int64_t first_sent = INT64_MAX, last_acked = 0;
  for (const PutRecord& p : puts) {
    first_sent = std::min(first_sent, p.sent_ns);
    last_acked = std::max(last_acked, p.acked_ns);
  }
  if (puts.size() < 2 || last_acked <= first_sent) return 0;
  return static_cast<double>(puts.size()) * 1e9 / static_cast<double>(last_acked - first_sent);
}

// One watch stream on one server, pumped on its own thread until told to
// stop. `reached` is the highest revision the caller asked about (`want`)
// that the stream has delivered; the set itself is touched only by the
// pumping thread (WatchStreamSet is single-threaded).
class PumpedWatch {
 public:
  PumpedWatch(const std::string& host, int port, const std::string& prefix) {
    WatchStreamOptions options;
    options.host = host;
    options.port = port;
    options.streams = 1;
    std::string end = prefix;
    end.back() = static_cast<char>(end.back() + 1);  // prefix ends in '/': range_end '0'
    options.create_body = "{\"create_request\":{\"key\":\"" + api::EncodeBase64(prefix) +
                          "\",\"range_end\":\"" + api::EncodeBase64(end) + "\"}}";
    set_ = std::make_unique<WatchStreamSet>(options);
  }

  Status Open(int64_t deadline_ns) { return set_->OpenAll(deadline_ns); }

  void Start(int64_t deadline_ns) {
    thread_ = std::thread([this, deadline_ns] {
      result_ = set_->Pump(deadline_ns, [this](const WatchStreamSet& s) {
        const int64_t w = want_.load();
        if (w > 0 && s.AllLiveStreamsReached(w)) reached_.store(w);
        return stop_.load() || s.failed_streams() > 0;
      });
    });
  }

  void Want(int64_t revision) { want_.store(revision); }
  bool Reached(int64_t revision) const { return reached_.load() >= revision; }

  // Stops the pump; the deliveries and the pump's outcome (a failed stream
  // or the deadline).
  Status Stop(std::vector<Delivery>* deliveries) {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
    if (set_->failed_streams() > 0) return Status::Unavailable(set_->first_failure());
    std::vector<std::vector<Delivery>> all = set_->TakeDeliveries();
    if (!all.empty()) *deliveries = std::move(all[0]);
    return result_;
  }

  ~PumpedWatch() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::unique_ptr<WatchStreamSet> set_;
  std::thread thread_;
  std::atomic<int64_t> want_{0};
  std::atomic<int64_t> reached_{0};
  std::atomic<bool> stop_{false};
  Status result_;
};

// Polls (1 ms) until both watches delivered `revision`, bounded by deadline.
bool WaitBoth(const PumpedWatch& a, const PumpedWatch& b, int64_t revision, int64_t deadline_ns) {
  while (SteadyNowNs() < deadline_ns) {
    if (a.Reached(revision) && b.Reached(revision)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return a.Reached(revision) && b.Reached(revision);
}

void PrintLatency(const char* name, const FanoutAnalysis& a) {
  std::printf(
      "  %s: ack -> event (ms) p50 %.3f  p90 %.3f  p99 %.3f  max %.3f;"
      "  send -> event p50 %.3f  p99 %.3f; missed %" PRIu64 ", dup %" PRIu64
      ", out of order %" PRIu64 "\n",
      name, Ms(a.ack_to_delivered.p50), Ms(a.ack_to_delivered.p90), Ms(a.ack_to_delivered.p99),
      Ms(a.ack_to_delivered.max), Ms(a.sent_to_delivered.p50), Ms(a.sent_to_delivered.p99),
      a.missed, a.duplicated, a.out_of_order);
}

bool Sound(const FanoutAnalysis& a) {
  return a.missed == 0 && a.duplicated == 0 && a.out_of_order == 0 && a.unexpected == 0;
}

Status RunLag(const ShadowBenchFlags& flags) {
  const int64_t deadline = SteadyNowNs() + int64_t{flags.timeout_s} * kSecondNs;
  const std::string prefix = flags.key_prefix.empty() ? DefaultKeyPrefix("lag") : flags.key_prefix;
  PumpedWatch on_shadow(flags.shadow_host, flags.shadow_port, prefix);
  PumpedWatch on_primary(flags.primary_host, flags.primary_port, prefix);
  SHADEKV_RETURN_IF_ERROR(on_shadow.Open(deadline));
  SHADEKV_RETURN_IF_ERROR(on_primary.Open(deadline));
  on_shadow.Start(deadline);
  on_primary.Start(deadline);

  // A warm-up put both streams must see: the shadow is then following live
  // and both watchers are in place before the measured puts.
  PutLoadPlan plan = PlanFor(flags, prefix + "warmup/", deadline);
  plan.puts = 1;
  plan.clients = 1;
  std::vector<PutRecord> warmup;
  SHADEKV_RETURN_IF_ERROR(RunPutLoad(plan, &warmup));
  const int64_t warm = warmup.at(0).revision;
  on_shadow.Want(warm);
  on_primary.Want(warm);
  if (!WaitBoth(on_shadow, on_primary, warm, std::min(deadline, SteadyNowNs() + 30 * kSecondNs))) {
    return Status::DeadlineExceeded("the watches did not see the warm-up put (revision " +
                                    std::to_string(warm) +
                                    ") within 30 s: is the shadow following this primary?");
  }

  plan = PlanFor(flags, prefix, deadline);
  std::vector<PutRecord> puts;
  puts.reserve(static_cast<size_t>(flags.events));
  const Status load = RunPutLoad(plan, &puts);
  int64_t last = warm;
  for (const PutRecord& p : puts) last = std::max(last, p.revision);
  on_shadow.Want(last);
  on_primary.Want(last);
  const bool drained = WaitBoth(on_shadow, on_primary, last, deadline);
  std::vector<Delivery> shadow_deliveries, primary_deliveries;
  const Status shadow_status = on_shadow.Stop(&shadow_deliveries);
  const Status primary_status = on_primary.Stop(&primary_deliveries);
  auto measured = [warm](std::vector<Delivery> d) {
    d.erase(std::remove_if(d.begin(), d.end(),
                           [warm](const Delivery& x) { return x.revision <= warm; }),
            d.end());
    return std::vector<std::vector<Delivery>>{std::move(d)};
  };
  const FanoutAnalysis shadow = AnalyzeFanout(puts, measured(shadow_deliveries));
  const FanoutAnalysis primary = AnalyzeFanout(puts, measured(primary_deliveries));
  const double achieved = AchievedRate(puts);
  const bool ok = load.ok() && drained && shadow_status.ok() && primary_status.ok() &&
                  Sound(shadow) && Sound(primary) &&
                  puts.size() == static_cast<size_t>(flags.events);

  std::printf("%s: target %d/s, %zu of %d puts at %.0f/s achieved%s\n", flags.label.c_str(),
              flags.rate, puts.size(), flags.events, achieved,
              achieved < 0.95 * flags.rate ? " (target NOT reached)" : "");
  const FanoutAnalysis& a = shadow;
  std::printf("  put latency (ms): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", Ms(a.put_latency.p50),
              Ms(a.put_latency.p90), Ms(a.put_latency.p99), Ms(a.put_latency.max));
  PrintLatency("shadow watch ", shadow);
  PrintLatency("primary watch", primary);
  std::printf(
      "RESULT label=%s mode=lag target_rate=%d events=%d sent=%zu achieved_rate=%.1f "
      "put_p50_ms=%.3f put_p99_ms=%.3f "
      "shadow_ack_p50_ms=%.3f shadow_ack_p90_ms=%.3f shadow_ack_p99_ms=%.3f "
      "shadow_ack_max_ms=%.3f shadow_send_p50_ms=%.3f shadow_send_p90_ms=%.3f "
      "shadow_send_p99_ms=%.3f shadow_send_max_ms=%.3f shadow_before_ack=%zu "
      "shadow_samples=%zu shadow_missed=%" PRIu64 " shadow_dup=%" PRIu64
      " shadow_out_of_order=%" PRIu64
      " "
      "primary_ack_p50_ms=%.3f primary_ack_p90_ms=%.3f primary_ack_p99_ms=%.3f "
      "primary_ack_max_ms=%.3f primary_send_p50_ms=%.3f primary_send_p90_ms=%.3f "
      "primary_send_p99_ms=%.3f primary_send_max_ms=%.3f primary_before_ack=%zu "
      "primary_samples=%zu primary_missed=%" PRIu64 " primary_dup=%" PRIu64
      " primary_out_of_order=%" PRIu64 " ok=%d\n",
      flags.label.c_str(), flags.rate, flags.events, puts.size(), achieved, Ms(a.put_latency.p50),
      Ms(a.put_latency.p99), Ms(shadow.ack_to_delivered.p50), Ms(shadow.ack_to_delivered.p90),
      Ms(shadow.ack_to_delivered.p99), Ms(shadow.ack_to_delivered.max),
      Ms(shadow.sent_to_delivered.p50), Ms(shadow.sent_to_delivered.p90),
      Ms(shadow.sent_to_delivered.p99), Ms(shadow.sent_to_delivered.max),
      shadow.delivered_before_ack, shadow.ack_to_delivered.count, shadow.missed, shadow.duplicated,
      shadow.out_of_order, Ms(primary.ack_to_delivered.p50), Ms(primary.ack_to_delivered.p90),
      Ms(primary.ack_to_delivered.p99), Ms(primary.ack_to_delivered.max),
      Ms(primary.sent_to_delivered.p50), Ms(primary.sent_to_delivered.p90),
      Ms(primary.sent_to_delivered.p99), Ms(primary.sent_to_delivered.max),
      primary.delivered_before_ack, primary.ack_to_delivered.count, primary.missed,
      primary.duplicated, primary.out_of_order, ok ? 1 : 0);
  std::fflush(stdout);
  SHADEKV_RETURN_IF_ERROR(load);
  if (!shadow_status.ok()) return Status::Unavailable("shadow watch: " + shadow_status.message());
  if (!primary_status.ok()) {
    return Status::Unavailable("primary watch: " + primary_status.message());
  }
  if (!drained) {
    return Status::DeadlineExceeded("the watches did not reach revision " + std::to_string(last) +
                                    " before the timeout");
  }
  if (!ok) return Status::DataLoss("a watch missed, repeated or reordered revisions");
  return Status::Ok();
}

Status RunLoad(const ShadowBenchFlags& flags) {
  TxnLoadPlan plan;
  plan.host = flags.primary_host;
  plan.port = flags.primary_port;
  plan.key_prefix = flags.key_prefix.empty() ? DefaultKeyPrefix("sync") : flags.key_prefix;
  plan.keys = flags.keys;
  plan.batch = flags.batch;
  plan.clients = flags.clients;
  plan.value_bytes = flags.value_bytes;
  plan.deadline_ns = SteadyNowNs() + int64_t{flags.timeout_s} * kSecondNs;
  TxnLoadOutcome outcome;
  const int64_t start = SteadyNowNs();
  const Status status = RunTxnLoad(plan, &outcome);
  const double seconds = static_cast<double>(SteadyNowNs() - start) / 1e9;
  const bool ok = status.ok() && outcome.keys_written == flags.keys;
  std::printf("%s: %" PRId64 " of %d keys in %" PRId64 " txns of <= %d in %.1f s (%.0f keys/s)\n",
              flags.label.c_str(), outcome.keys_written, flags.keys, outcome.txns, flags.batch,
              seconds, seconds > 0 ? static_cast<double>(outcome.keys_written) / seconds : 0.0);
  std::printf("RESULT label=%s mode=load keys=%d written=%" PRId64 " txns=%" PRId64
              " batch=%d clients=%d value_bytes=%d seconds=%.3f keys_per_s=%.1f "
              "last_revision=%" PRId64 " request_bytes=%" PRId64 " ok=%d\n",
              flags.label.c_str(), flags.keys, outcome.keys_written, outcome.txns, flags.batch,
              flags.clients, flags.value_bytes, seconds,
              seconds > 0 ? static_cast<double>(outcome.keys_written) / seconds : 0.0,
              outcome.last_revision, outcome.request_bytes, ok ? 1 : 0);
  std::fflush(stdout);
  return status;
}

Status RunPuts(const ShadowBenchFlags& flags) {
  const int64_t deadline = SteadyNowNs() + int64_t{flags.timeout_s} * kSecondNs;
  const std::string prefix = flags.key_prefix.empty() ? DefaultKeyPrefix("puts") : flags.key_prefix;
  std::vector<PutRecord> puts;
  puts.reserve(static_cast<size_t>(flags.events));
  const Status status = RunPutLoad(PlanFor(flags, prefix, deadline), &puts);
  std::vector<int64_t> latencies;
  latencies.reserve(puts.size());
  for (const PutRecord& p : puts) latencies.push_back(p.acked_ns - p.sent_ns);
  const Percentiles lat = ComputePercentiles(std::move(latencies));
  const double achieved = AchievedRate(puts);
  const bool ok = status.ok() && puts.size() == static_cast<size_t>(flags.events);
  std::printf(
      "%s: %zu of %d puts, %d clients, %.0f puts/s; latency (ms) p50 %.3f  p90 %.3f  "
      "p99 %.3f  max %.3f\n",
      flags.label.c_str(), puts.size(), flags.events, flags.clients, achieved, Ms(lat.p50),
      Ms(lat.p90), Ms(lat.p99), Ms(lat.max));
  std::printf(
      "RESULT label=%s mode=puts target_rate=%d events=%d sent=%zu clients=%d "
      "value_bytes=%d achieved_rate=%.1f put_p50_ms=%.3f put_p90_ms=%.3f "
      "put_p99_ms=%.3f put_max_ms=%.3f ok=%d\n",
      flags.label.c_str(), flags.rate, flags.events, puts.size(), flags.clients, flags.value_bytes,
      achieved, Ms(lat.p50), Ms(lat.p90), Ms(lat.p99), Ms(lat.max), ok ? 1 : 0);
  std::fflush(stdout);
  return status;
}

}  // namespace
}  // namespace shadekv::bench

int main(int argc, char** argv) {
  using namespace shadekv::bench;
  auto flags = ParseShadowBenchFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::fprintf(stderr, "shadow_bench: %s\n", flags.status().message().c_str());
    return 2;
  }
  if (flags->help) {
    std::fputs(ShadowBenchUsage().c_str(), stdout);
    return 0;
  }
  const shadekv::Status status = flags->mode == ShadowBenchMode::kLag    ? RunLag(*flags)
                                 : flags->mode == ShadowBenchMode::kLoad ? RunLoad(*flags)
                                                                         : RunPuts(*flags);
  if (!status.ok()) {
    std::fprintf(stderr, "shadow_bench: error: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
