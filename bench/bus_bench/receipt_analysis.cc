// Receipt tallies and latency percentiles for the bus benchmark.
#include "bench/bus_bench/receipt_analysis.h"

#include <algorithm>
#include <unordered_set>

namespace shadekv::bench {

SequenceTally TallySequence(const std::vector<Receipt>& receipts, int64_t first, int64_t last) {
  SequenceTally tally;
  tally.received = receipts.size();
  std::unordered_set<int64_t> seen;
  int64_t highest = first - 1;
  for (const Receipt& r : receipts) {
    if (r.seq < first || r.seq > last) {
      ++tally.unexpected;
      continue;
    }
    if (!seen.insert(r.seq).second) {
      ++tally.duplicates;
      continue;
    }
    if (r.seq < highest) ++tally.out_of_order;
    highest = std::max(highest, r.seq);
  }
  const int64_t expected = last >= first ? last - first + 1 : 0;
  tally.missing = static_cast<uint64_t>(expected) - seen.size();
  return tally;
}

RunAnalysis AnalyzeRun(const std::vector<std::vector<Receipt>>& per_receiver,
                       const std::vector<PutRecord>& puts, int64_t first, int64_t last,
                       int64_t load_start_ns) {
  RunAnalysis out;
  std::vector<PutRecord> by_revision = puts;
  std::sort(by_revision.begin(), by_revision.end(),
            [](const PutRecord& a, const PutRecord& b) { return a.revision < b.revision; });
  std::vector<int64_t> sent_to_received;
  std::vector<int64_t> acked_to_received;
  double rate_sum = 0;
  for (const std::vector<Receipt>& receipts : per_receiver) {
    ReceiverReport report;
    report.tally = TallySequence(receipts, first, last);
    int64_t last_received = load_start_ns;
    for (const Receipt& r : receipts) {
      last_received = std::max(last_received, r.received_ns);
      // A receipt without a stamp (sent_ns < 0) counts for contiguity only.
      if (r.sent_ns >= 0) {
        sent_to_received.push_back(std::max<int64_t>(0, r.received_ns - r.sent_ns));
      }
      auto put = std::lower_bound(
          by_revision.begin(), by_revision.end(), r.seq,
          [](const PutRecord& p, int64_t revision) { return p.revision < revision; });
      if (put != by_revision.end() && put->revision == r.seq) {
        const int64_t delta = r.received_ns - put->acked_ns;
        if (delta < 0) ++out.received_before_ack;
        acked_to_received.push_back(std::max<int64_t>(0, delta));
      }
    }
    if (!receipts.empty() && last_received > load_start_ns) {
      report.events_per_s = static_cast<double>(receipts.size()) * 1e9 /
                            static_cast<double>(last_received - load_start_ns);
    }
    out.total.received += report.tally.received;
    out.total.missing += report.tally.missing;
    out.total.duplicates += report.tally.duplicates;
    out.total.out_of_order += report.tally.out_of_order;
    out.total.unexpected += report.tally.unexpected;
    out.min_events_per_s = out.receivers.empty()
                               ? report.events_per_s
                               : std::min(out.min_events_per_s, report.events_per_s);
    rate_sum += report.events_per_s;
    out.receivers.push_back(report);
  }
  if (!out.receivers.empty()) {
    out.mean_events_per_s = rate_sum / static_cast<double>(out.receivers.size());
  }
  out.sent_to_received = ComputePercentiles(std::move(sent_to_received));
  out.acked_to_received = ComputePercentiles(std::move(acked_to_received));
  std::vector<int64_t> put_latency;
  put_latency.reserve(puts.size());
  for (const PutRecord& p : puts) put_latency.push_back(p.acked_ns - p.sent_ns);
  out.put_latency = ComputePercentiles(std::move(put_latency));
  return out;
}

}  // namespace shadekv::bench
