// A small Prometheus registry: counters, gauges and histograms rendered in the
// text exposition format (version 0.0.4) for GET /metrics.
//
// Recording is lock-free (atomics) so request threads never contend on it;
// only rendering and creating a new labelled series take the mutex.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace shadekv::metrics {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Appends `name_bucket{labels,le=".."} n` lines, _sum and _count.
  void Render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  const std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // one per bound, plus +Inf
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};  // sum kept in micro-units to stay integral
};

// Latency buckets in seconds, 0.5 ms to 8 s (etcd uses the same doubling).
std::vector<double> LatencyBuckets();

class MetricsRegistry {
 public:
  // A counter series, created on first use. The pointer stays valid for the
  // registry's lifetime.
  std::atomic<uint64_t>* Counter(const std::string& name, const std::string& help,
                                 const std::string& labels = "");
  Histogram* Latency(const std::string& name, const std::string& help,
                     const std::string& labels = "");
  // A gauge whose value is read when rendering.
  void Gauge(const std::string& name, const std::string& help, std::function<double()> read);

  std::string Render() const;

 private:
  struct Family {
    std::string help;
    std::string type;
    std::map<std::string, std::unique_ptr<std::atomic<uint64_t>>> counters;  // by labels
    std::map<std::string, std::unique_ptr<Histogram>> histograms;
    std::function<double()> gauge;
  };
  mutable std::mutex mu_;
  std::map<std::string, Family> families_;  // guarded by mu_
};

}  // namespace shadekv::metrics
