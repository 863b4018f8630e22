// bus_bench: the change-event bus under a fixed write rate
// (docs/benchmarks.md "Change-event bus"). Mode bus: puts through a shadekv
// agent at R/s, N subscriber threads on its publisher plugin, and how long
// each change takes from the client's send to every subscriber. Mode zmq:
// the same rate, size and fan-out through plain ZeroMQ, the floor.
//
// Threads: the main thread drives the run; the put clients, the subscribers
// (or the zmq PUB and SUBs) run on their own threads and hand their records
// over once joined.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bus_bench/bus_bench_flags.h"
#include "bench/bus_bench/bus_receivers.h"
#include "bench/bus_bench/put_load.h"
#include "bench/bus_bench/receipt_analysis.h"
#include "bench/bus_bench/zmq_reference.h"
#include "bench/watch_fanout/proc_stats.h"
#include "bench/watch_fanout/put_writer.h"
#include "shadekv/bus/codec.h"

namespace shadekv::bench {
namespace {

// The subscribers must be receiving before the measured puts start; a
// subscriber that missed the warm-up event catches up, bounded by this.
constexpr int64_t kWarmupTimeoutNs = 20'000'000'000;

// The bucket's burst: --burst-ms worth of sends at the target rate.
int Burst(const BusBenchFlags& flags) {
  return static_cast<int>(
      std::clamp<int64_t>(int64_t{flags.rate} * flags.burst_ms / 1000, 1, 1 << 30));
}

double Ms(int64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string DefaultKeyPrefix() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return "/bench/bus/" + std::to_string(getpid()) + "-" + std::to_string(ms) + "/";
}

// The EVENT body a put of that key and value produces on the bus, with
// realistic header fields (member ids are 64-bit hashes, times are ms since
// 1970), so the zmq reference moves the same number of bytes.
size_t TypicalEventBytes(const std::string& key_prefix, int value_bytes) {
  bus::ChangeEvent event;
  event.revision = 1'000'000;
  event.leader_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  event.member_id = 0x8e9e05c52164694dull;
  event.request_id = 1'000'000;
  event.client_address = "127.0.0.1:54321";
  store::KeyChange change;
  change.kv.key = PutKey(key_prefix, 1);
  change.kv.value = std::string(static_cast<size_t>(value_bytes), 'v');
  change.kv.create_revision = change.kv.mod_revision = event.revision;
  change.kv.version = 1;
  event.changes.push_back(change);
  return bus::EncodeEvent(event).size();
}

struct Report {
  std::string label;
  std::string mode;
  int subscribers = 0;
  int target_rate = 0;
  int events = 0;   // asked for
  size_t sent = 0;  // puts acknowledged, or messages sent
  double achieved_rate = 0;
  RunAnalysis analysis;
  uint64_t catchups = 0;
  uint64_t overflows = 0;
  uint64_t malformed = 0;
  uint64_t snapshots = 0;
  uint64_t unstamped = 0;
  double message_bytes = 0;
  double server_cpu_s = -1;
  bool ok = false;
  // One "events/s (catch-ups)" entry per subscriber, in order.
  std::string per_subscriber;
};

void PrintReport(const Report& r) {
  const RunAnalysis& a = r.analysis;
  std::printf("%s: %d subscriber(s), target %d/s, %zu of %d sent at %.0f/s achieved\n",
              r.label.c_str(), r.subscribers, r.target_rate, r.sent, r.events, r.achieved_rate);
  std::printf("  events/s per subscriber: min %.0f, mean %.0f\n", a.min_events_per_s,
              a.mean_events_per_s);
  if (!r.per_subscriber.empty()) {
    std::printf("  per subscriber, events/s (catch-ups): %s\n", r.per_subscriber.c_str());
  }
  std::printf("  send -> subscriber (ms): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f  (%zu samples)\n",
              Ms(a.sent_to_received.p50), Ms(a.sent_to_received.p90), Ms(a.sent_to_received.p99),
              Ms(a.sent_to_received.max), a.sent_to_received.count);
  if (r.mode == "bus") {
    std::printf("  put latency (ms):        p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
                Ms(a.put_latency.p50), Ms(a.put_latency.p90), Ms(a.put_latency.p99),
                Ms(a.put_latency.max));
    std::printf("  ack -> subscriber (ms):  p50 %.3f  p99 %.3f  (%.1f%% arrived before the ack)\n",
                Ms(a.acked_to_received.p50), Ms(a.acked_to_received.p99),
                a.acked_to_received.count ? 100.0 * static_cast<double>(a.received_before_ack) /
                                                static_cast<double>(a.acked_to_received.count)
                                          : 0.0);
  }
  std::printf("  received %" PRIu64 ", missing %" PRIu64 ", duplicates %" PRIu64
              ", out of order %" PRIu64 ", unexpected %" PRIu64 "; catch-ups %" PRIu64
              ", overflows %" PRIu64 ", malformed %" PRIu64 "\n",
              a.total.received, a.total.missing, a.total.duplicates, a.total.out_of_order,
              a.total.unexpected, r.catchups, r.overflows, r.malformed);
  std::printf(
      "RESULT label=%s mode=%s subscribers=%d target_rate=%d events=%d sent=%zu "
      "achieved_rate=%.1f min_events_per_s=%.1f mean_events_per_s=%.1f lat_p50_ms=%.3f "
      "lat_p90_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f ack_p50_ms=%.3f ack_p99_ms=%.3f "
      "before_ack=%" PRIu64 " put_p50_ms=%.3f put_p99_ms=%.3f samples=%zu received=%" PRIu64
      " missing=%" PRIu64 " duplicates=%" PRIu64 " out_of_order=%" PRIu64 " unexpected=%" PRIu64
      " catchups=%" PRIu64 " overflows=%" PRIu64 " malformed=%" PRIu64 " snapshots=%" PRIu64
      " unstamped=%" PRIu64 " message_bytes=%.1f server_cpu_s=%.3f ok=%d\n",
      r.label.c_str(), r.mode.c_str(), r.subscribers, r.target_rate, r.events, r.sent,
      r.achieved_rate, a.min_events_per_s, a.mean_events_per_s, Ms(a.sent_to_received.p50),
      Ms(a.sent_to_received.p90), Ms(a.sent_to_received.p99), Ms(a.sent_to_received.max),
      Ms(a.acked_to_received.p50), Ms(a.acked_to_received.p99), a.received_before_ack,
      Ms(a.put_latency.p50), Ms(a.put_latency.p99), a.sent_to_received.count, a.total.received,
      a.total.missing, a.total.duplicates, a.total.out_of_order, a.total.unexpected, r.catchups,
      r.overflows, r.malformed, r.snapshots, r.unstamped, r.message_bytes, r.server_cpu_s,
      r.ok ? 1 : 0);
  std::fflush(stdout);
}

bool Sound(const Report& r, uint64_t expected_receipts) {
  const SequenceTally& t = r.analysis.total;
  return t.missing == 0 && t.duplicates == 0 && t.out_of_order == 0 && t.unexpected == 0 &&
         t.received == expected_receipts && r.malformed == 0;
}

Status RunBus(const BusBenchFlags& flags, Report* report) {
  const int64_t deadline_ns = SteadyNowNs() + int64_t{flags.timeout_s} * 1'000'000'000;
  const std::string prefix = flags.key_prefix.empty() ? DefaultKeyPrefix() : flags.key_prefix;
  SHADEKV_ASSIGN_OR_RETURN(int64_t start_revision,
                           CurrentRevision(flags.host, flags.port, deadline_ns));
  SHADEKV_ASSIGN_OR_RETURN(
      std::unique_ptr<BusReceivers> receivers,
      BusReceivers::Start(flags.bus, flags.subscribers, start_revision, prefix));

  // One warm-up put every subscriber must receive: then all are joined and
  // the measured range starts right after it.
  PutLoadPlan plan;
  plan.host = flags.host;
  plan.port = flags.port;
  plan.key_prefix = prefix + "warmup/";
  plan.puts = 1;
  plan.rate_per_s = 1;
  plan.burst = 1;
  plan.clients = 1;
  plan.value_bytes = flags.value_bytes;
  plan.deadline_ns = deadline_ns;
  std::vector<PutRecord> warmup;
  SHADEKV_RETURN_IF_ERROR(RunPutLoad(plan, &warmup));
  const int64_t warm_revision = warmup.at(0).revision;
  if (!receivers->WaitAllApplied(warm_revision,
                                 std::min(deadline_ns, SteadyNowNs() + kWarmupTimeoutNs))) {
    (void)receivers->Stop();
    return Status::DeadlineExceeded(
        "the subscribers did not receive the warm-up event (revision " +
        std::to_string(warm_revision) + ") from " + flags.bus + " within 20 s; lowest applied " +
        std::to_string(receivers->MinApplied()) + " (is the publisher plugin loaded?)");
  }

  auto cpu_before = flags.server_pid ? ReadCpuSeconds(flags.server_pid) : Result<double>(-1.0);
  plan.key_prefix = prefix;
  plan.puts = flags.events;
  plan.rate_per_s = flags.rate;
  plan.burst = Burst(flags);
  plan.clients = flags.clients;
  std::vector<PutRecord> puts;
  puts.reserve(static_cast<size_t>(flags.events));
  const int64_t load_start_ns = SteadyNowNs();
  const Status load = RunPutLoad(plan, &puts);
  int64_t last_revision = warm_revision;
  int64_t first_sent = INT64_MAX, last_acked = 0;
  for (const PutRecord& p : puts) {
    last_revision = std::max(last_revision, p.revision);
    first_sent = std::min(first_sent, p.sent_ns);
    last_acked = std::max(last_acked, p.acked_ns);
  }
  // Drain: every subscriber must reach the last acknowledged revision.
  const bool drained = receivers->WaitAllApplied(last_revision, deadline_ns);
  const Status receive = receivers->Stop();
  auto cpu_after = flags.server_pid ? ReadCpuSeconds(flags.server_pid) : Result<double>(-1.0);

  std::vector<std::vector<Receipt>> measured;
  for (const std::vector<Receipt>& receipts : receivers->receipts()) {
    std::vector<Receipt> kept;
    kept.reserve(receipts.size());
    for (const Receipt& r : receipts) {
      if (r.seq > warm_revision) kept.push_back(r);
    }
    measured.push_back(std::move(kept));
  }
  report->sent = puts.size();
  if (!puts.empty() && last_acked > first_sent) {
    report->achieved_rate =
        static_cast<double>(puts.size()) * 1e9 / static_cast<double>(last_acked - first_sent);
  }
  report->analysis = AnalyzeRun(measured, puts, warm_revision + 1, last_revision, load_start_ns);
  uint64_t events = 0, bytes = 0;
  for (size_t i = 0; i < receivers->counters().size(); ++i) {
    const BusReceiverCounters& c = receivers->counters()[i];
    char entry[64];
    std::snprintf(
        entry, sizeof(entry), "%s%.0f (%" PRIu64 ")", i ? ", " : "",
        i < report->analysis.receivers.size() ? report->analysis.receivers[i].events_per_s : 0.0,
        c.catchups);
    report->per_subscriber += entry;
    report->catchups += c.catchups;
    report->overflows += c.buffer_overflows;
    report->malformed += c.malformed;
    report->snapshots += c.snapshots;
    report->unstamped += c.unstamped;
    events += c.events;
    bytes += c.event_bytes;
  }
  report->message_bytes = events ? static_cast<double>(bytes) / static_cast<double>(events) : 0;
  if (cpu_before.ok() && cpu_after.ok() && *cpu_before >= 0) {
    report->server_cpu_s = *cpu_after - *cpu_before;
  }
  // Other writers would make revisions without a stamped put of ours.
  const uint64_t expected = static_cast<uint64_t>(last_revision - warm_revision) *
                            static_cast<uint64_t>(flags.subscribers);
  report->ok = load.ok() && receive.ok() && drained && report->unstamped == 0 &&
               puts.size() == static_cast<size_t>(flags.events) && Sound(*report, expected);
  PrintReport(*report);
  SHADEKV_RETURN_IF_ERROR(load);
  SHADEKV_RETURN_IF_ERROR(receive);
  if (!drained) {
    return Status::DeadlineExceeded("not every subscriber reached revision " +
                                    std::to_string(last_revision) + " before the timeout");
  }
  if (!report->ok) return Status::DataLoss("a subscriber's revisions were not contiguous");
  return Status::Ok();
}

Status RunZmq(const BusBenchFlags& flags, Report* report) {
  ZmqReferencePlan plan;
  plan.subscribers = flags.subscribers;
  plan.messages = flags.events;
  plan.rate_per_s = flags.rate;
  plan.burst = Burst(flags);
  plan.message_bytes =
      flags.message_bytes > 0
          ? flags.message_bytes
          : static_cast<int>(TypicalEventBytes(DefaultKeyPrefix(), flags.value_bytes));
  plan.deadline_ns = SteadyNowNs() + int64_t{flags.timeout_s} * 1'000'000'000;
  SHADEKV_ASSIGN_OR_RETURN(ZmqReferenceOutcome outcome, RunZmqReference(plan));
  report->analysis = AnalyzeRun(outcome.receipts, {}, 1, flags.events, outcome.load_start_ns);
  report->sent = 0;
  for (const auto& r : outcome.receipts) {
    for (const Receipt& receipt : r) report->sent = std::max<size_t>(report->sent, receipt.seq);
  }
  if (outcome.load_end_ns > outcome.load_start_ns) {
    report->achieved_rate = static_cast<double>(flags.events - 1) * 1e9 /
                            static_cast<double>(outcome.load_end_ns - outcome.load_start_ns);
  }
  report->malformed = outcome.malformed;
  report->message_bytes = plan.message_bytes;
  report->ok = Sound(
      *report, static_cast<uint64_t>(flags.events) * static_cast<uint64_t>(flags.subscribers));
  PrintReport(*report);
  if (!report->ok) return Status::DataLoss("a zmq subscriber lost or reordered messages");
  return Status::Ok();
}

}  // namespace
}  // namespace shadekv::bench

int main(int argc, char** argv) {
  using namespace shadekv::bench;
  auto flags = ParseBusBenchFlags(std::vector<std::string>(argv + 1, argv + argc));
  if (!flags.ok()) {
    std::fprintf(stderr, "bus_bench: %s\n", flags.status().message().c_str());
    return 2;
  }
  if (flags->help) {
    std::fputs(BusBenchUsage().c_str(), stdout);
    return 0;
  }
  Report report;
  report.label = flags->label;
  report.mode = flags->mode == BusBenchMode::kBus ? "bus" : "zmq";
  report.subscribers = flags->subscribers;
  report.target_rate = flags->rate;
  report.events = flags->events;
  const shadekv::Status status =
      flags->mode == BusBenchMode::kBus ? RunBus(*flags, &report) : RunZmq(*flags, &report);
  if (!status.ok()) {
    std::fprintf(stderr, "bus_bench: error: %s\n", status.ToString().c_str());
    return 1;
  }
  return 0;
}
