// The writers run on their own threads while this thread pumps the streams,
// so an event's arrival is stamped by a loop that never waits on a put.
#include "bench/shadekv_bench/watch_load.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <unordered_map>

#include "agent/api/go_base64.h"
#include "bench/bus_bench/put_load.h"
#include "bench/shadekv_bench/latency_histogram.h"
#include "bench/shadekv_bench/request_load.h"
#include "bench/shadekv_bench/workload.h"
#include "bench/watch_fanout/fanout_analysis.h"
#include "bench/watch_fanout/watch_stream_set.h"

namespace shadekv::bench {

Status RunWatchLoad(const BenchFlags& flags, const std::string& prefix, int64_t deadline_ns,
                    bool show_progress, BenchResult* result) {
  const Endpoint& endpoint = flags.endpoints.front();
  WatchStreamOptions options;
  options.host = endpoint.host;
  options.port = endpoint.port;
  options.streams = flags.watchers;
  options.create_body = "{\"create_request\":{\"key\":\"" + api::EncodeBase64(prefix) +
                        "\",\"range_end\":\"" + api::EncodeBase64(PrefixEnd(prefix)) + "\"}}";
  WatchStreamSet streams(options);
  if (Status st = streams.OpenAll(deadline_ns); !st.ok()) {
    return Status(st.code(), "opening " + std::to_string(flags.watchers) + " watch streams on " +
                                 endpoint.ToString() + ": " + st.message());
  }
  if (show_progress) std::fprintf(stderr, "watch: %d streams open\n", flags.watchers);

  PutLoadPlan plan;
  plan.host = endpoint.host;
  plan.port = endpoint.port;
  plan.key_prefix = prefix;
  plan.puts = static_cast<int>(std::min<int64_t>(flags.total, 100'000'000));
  // RunPutLoad always paces; "no limit" is a rate no loopback server reaches.
  plan.rate_per_s = flags.rate > 0 ? static_cast<int>(std::max(1.0, flags.rate)) : 100'000'000;
  plan.clients = flags.writers;
  plan.value_bytes = flags.val_size;
  plan.deadline_ns = deadline_ns;

  std::vector<PutRecord> records;
  Status writer_status;
  std::atomic<bool> writer_done{false};
  std::atomic<int64_t> last_revision{0};
  const double cpu0 = ProcessCpuSeconds();
  const int64_t start = SteadyNowNs();
  std::thread writer([&] {
    writer_status = RunPutLoad(plan, &records);
    int64_t highest = 0;
    for (const PutRecord& r : records) highest = std::max(highest, r.revision);
    last_revision.store(highest, std::memory_order_relaxed);
    writer_done.store(true, std::memory_order_release);
  });
  Status pump = streams.Pump(deadline_ns, [&](const WatchStreamSet& set) {
    if (!writer_done.load(std::memory_order_acquire)) return false;
    return set.AllLiveStreamsReached(last_revision.load(std::memory_order_relaxed));
  });
  // The writer is bounded by the same deadline, so this join is bounded too.
  writer.join();
  result->elapsed_s = static_cast<double>(SteadyNowNs() - start) / 1e9;
  result->client_cpu_s = ProcessCpuSeconds() - cpu0;

  std::vector<std::vector<Delivery>> deliveries = streams.TakeDeliveries();
  const FanoutAnalysis analysis = AnalyzeFanout(records, deliveries);
  std::unordered_map<int64_t, int64_t> sent_by_revision;
  LatencyHistogram put_latency;
  for (const PutRecord& r : records) {
    sent_by_revision.emplace(r.revision, r.sent_ns);
    put_latency.Record(r.acked_ns - r.sent_ns);
  }
  LatencyHistogram put_to_event;
  for (const std::vector<Delivery>& watcher : deliveries) {
    std::unordered_map<int64_t, bool> seen;
    for (const Delivery& d : watcher) {
      auto it = sent_by_revision.find(d.revision);
      if (it == sent_by_revision.end() || !seen.emplace(d.revision, true).second) continue;
      put_to_event.Record(d.received_ns - it->second);
    }
  }

  result->watchers = flags.watchers;
  result->writers = flags.writers;
  result->requests = static_cast<uint64_t>(plan.puts);
  result->ok = records.size();
  if (result->ok < result->requests) {
    result->errors["put_failed"] = result->requests - result->ok;
    result->first_error = writer_status.message();
  }
  result->throughput =
      result->elapsed_s > 0 ? static_cast<double>(result->ok) / result->elapsed_s : 0;
  result->latency = put_to_event.Summarize();
  result->put_latency = put_latency.Summarize();
  result->events_expected = static_cast<uint64_t>(flags.watchers) * records.size();
  result->missed = analysis.missed;
  result->duplicated = analysis.duplicated;
  result->out_of_order = analysis.out_of_order;
  result->failed_streams = streams.failed_streams();

  if (!writer_status.ok())
    return Status(writer_status.code(), "writers: " + writer_status.message());
  if (!pump.ok()) {
    return Status(pump.code(), "not every event was delivered before --timeout: " + pump.message());
  }
  if (result->failed_streams > 0) return Status::Unavailable(streams.first_failure());
  if (analysis.missed + analysis.duplicated + analysis.out_of_order + analysis.unexpected > 0) {
    return Status::Internal(
        "the watch streams broke a guarantee: " + std::to_string(analysis.missed) + " missed, " +
        std::to_string(analysis.duplicated) + " duplicated, " +
        std::to_string(analysis.out_of_order) + " out of order, " +
        std::to_string(analysis.unexpected) + " unexpected events");
  }
  return Status::Ok();
}

}  // namespace shadekv::bench
