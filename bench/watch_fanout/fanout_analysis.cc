// The correctness tally doubles as a check of the server's watch guarantees
// (no gaps, no duplicates, revision order), so it is computed from the raw
// arrival order, not from anything the streaming loop already filtered.
#include "bench/watch_fanout/fanout_analysis.h"

#include <algorithm>
#include <unordered_map>

namespace shadekv::bench {

Percentiles ComputePercentiles(std::vector<int64_t> values) {
  Percentiles p;
  p.count = values.size();
  if (values.empty()) return p;
  std::sort(values.begin(), values.end());
  // Nearest rank: the smallest value with at least q of the samples <= it.
  auto rank = [&](double q) {
    size_t r = static_cast<size_t>(q * static_cast<double>(values.size()) + 0.999999);
    r = std::clamp<size_t>(r, 1, values.size());
    return values[r - 1];
  };
  p.p50 = rank(0.50);
  p.p90 = rank(0.90);
  p.p99 = rank(0.99);
  p.max = values.back();
  return p;
}

FanoutAnalysis AnalyzeFanout(const std::vector<PutRecord>& puts,
                             const std::vector<std::vector<Delivery>>& deliveries_per_watcher) {
  FanoutAnalysis out;
  std::unordered_map<int64_t, size_t> put_index;
  put_index.reserve(puts.size() * 2);
  std::vector<int64_t> put_latency;
  put_latency.reserve(puts.size());
  for (size_t i = 0; i < puts.size(); ++i) {
    put_index.emplace(puts[i].revision, i);
    put_latency.push_back(puts[i].acked_ns - puts[i].sent_ns);
  }

  std::vector<int64_t> ack_to_delivered;
  std::vector<int64_t> sent_to_delivered;
  ack_to_delivered.reserve(puts.size() * deliveries_per_watcher.size());
  sent_to_delivered.reserve(puts.size() * deliveries_per_watcher.size());
  std::vector<bool> seen(puts.size());
  for (const std::vector<Delivery>& deliveries : deliveries_per_watcher) {
    std::fill(seen.begin(), seen.end(), false);
    size_t seen_count = 0;
    int64_t highest = 0;
    for (const Delivery& d : deliveries) {
      auto it = put_index.find(d.revision);
      if (it == put_index.end()) {
        ++out.unexpected;
        continue;
      }
      if (seen[it->second]) {
        ++out.duplicated;
        continue;
      }
      seen[it->second] = true;
      ++seen_count;
      if (d.revision < highest) ++out.out_of_order;
      highest = std::max(highest, d.revision);
      const PutRecord& put = puts[it->second];
      const int64_t signed_latency = d.received_ns - put.acked_ns;
      if (signed_latency < 0) ++out.delivered_before_ack;
      ack_to_delivered.push_back(std::max<int64_t>(signed_latency, 0));
      sent_to_delivered.push_back(d.received_ns - put.sent_ns);
    }
    out.missed += puts.size() - seen_count;
  }
  out.ack_to_delivered = ComputePercentiles(std::move(ack_to_delivered));
  out.sent_to_delivered = ComputePercentiles(std::move(sent_to_delivered));
  out.put_latency = ComputePercentiles(std::move(put_latency));
  return out;
}

}  // namespace shadekv::bench
