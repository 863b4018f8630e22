// Prometheus text rendering.
#include "agent/metrics/metrics.h"

#include <cstdio>

namespace shadekv::metrics {
namespace {

std::string FormatDouble(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

std::string WithLabel(const std::string& labels, const std::string& extra) {
  if (labels.empty()) return "{" + extra + "}";
  return "{" + labels + "," + extra + "}";
}

std::string Braced(const std::string& labels) { return labels.empty() ? "" : "{" + labels + "}"; }

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::Observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(value * 1e6), std::memory_order_relaxed);
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < bounds_.size() ? FormatDouble(bounds_[i]) : "+Inf";
    *out += name + "_bucket" + WithLabel(labels, "le=\"" + le + "\"") + " " +
            std::to_string(cumulative) + "\n";
  }
  *out += name + "_sum" + Braced(labels) + " " +
          FormatDouble(static_cast<double>(sum_micros_.load()) / 1e6) + "\n";
  *out += name + "_count" + Braced(labels) + " " + std::to_string(count_.load()) + "\n";
}

std::vector<double> LatencyBuckets() {
  std::vector<double> bounds;
  for (double b = 0.0005; b <= 8.0; b *= 2) bounds.push_back(b);
  return bounds;
}

std::atomic<uint64_t>* MetricsRegistry::Counter(const std::string& name, const std::string& help,
                                                const std::string& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "counter";
  auto& slot = f.counters[labels];
  if (!slot) slot = std::make_unique<std::atomic<uint64_t>>(0);
  return slot.get();
}

Histogram* MetricsRegistry::Latency(const std::string& name, const std::string& help,
                                    const std::string& labels) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "histogram";
  auto& slot = f.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(LatencyBuckets());
  return slot.get();
}

void MetricsRegistry::Gauge(const std::string& name, const std::string& help,
                            std::function<double()> read) {
  std::lock_guard<std::mutex> lock(mu_);
  Family& f = families_[name];
  f.help = help;
  f.type = "gauge";
  f.gauge = std::move(read);
}

std::string MetricsRegistry::Render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
    for (const auto& [labels, c] : f.counters) {
      out += name + Braced(labels) + " " + std::to_string(c->load()) + "\n";
    }
    for (const auto& [labels, h] : f.histograms) h->Render(name, labels, &out);
    if (f.gauge) out += name + " " + FormatDouble(f.gauge()) + "\n";
  }
  return out;
}

}  // namespace shadekv::metrics
