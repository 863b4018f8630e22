// Milliseconds in both renderings: the unit etcd's benchmark reports in and
// the one people compare by eye; nanoseconds stay inside the histogram.
#include "bench/shadekv_bench/bench_result.h"

#include <cstdio>
#include <sstream>

#include "shadekv/codec/json_string.h"

namespace shadekv::bench {
namespace {

std::string Ms(int64_t ns) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(ns) / 1e6);
  return buf;
}

std::string Fixed(double v, int decimals) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "%.*f", decimals, v);
  return buf;
}

void Line(std::ostringstream& out, const std::string& name, const std::string& value) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%-22s", name.c_str());
  out << buf << value << "\n";
}

std::string LatencyLine(const LatencySummary& l) {
  return "min " + Ms(l.min) + "  p50 " + Ms(l.p50) + "  p90 " + Ms(l.p90) + "  p99 " + Ms(l.p99) +
         "  p99.9 " + Ms(l.p999) + "  max " + Ms(l.max) + "  (mean " + Ms(l.mean) + ")";
}

std::string LatencyJson(const LatencySummary& l) {
  return "{\"count\":" + std::to_string(l.count) + ",\"min\":" + Ms(l.min) +
         ",\"mean\":" + Ms(l.mean) + ",\"p50\":" + Ms(l.p50) + ",\"p90\":" + Ms(l.p90) +
         ",\"p99\":" + Ms(l.p99) + ",\"p99_9\":" + Ms(l.p999) + ",\"max\":" + Ms(l.max) + "}";
}

}  // namespace

std::string FormatTable(const BenchResult& r) {
  std::ostringstream out;
  Line(out, "workload",
       r.workload + (r.consistency.empty() ? "" : " (consistency " + r.consistency + ")"));
  Line(out, "label", r.label);
  Line(out, "endpoints", r.endpoints);
  Line(out, "conns / clients", std::to_string(r.conns) + " / " + std::to_string(r.clients));
  Line(out, "key / value bytes",
       std::to_string(r.key_size) + " / " + std::to_string(r.val_size) + ", key space " +
           std::to_string(r.key_space_size));
  if (r.rate_limit > 0) Line(out, "rate limit", Fixed(r.rate_limit, 0) + " req/s");
  Line(out, "requests", std::to_string(r.requests) + " (" + std::to_string(r.ok) + " ok)");
  Line(out, "elapsed", Fixed(r.elapsed_s, 3) + " s");
  Line(out, "throughput", Fixed(r.throughput, 1) + " req/s");
  Line(out, r.watchers > 0 ? "put-to-event ms" : "latency ms", LatencyLine(r.latency));
  if (r.watchers > 0) {
    Line(out, "put latency ms", LatencyLine(r.put_latency));
    Line(out, "watchers / writers", std::to_string(r.watchers) + " / " + std::to_string(r.writers));
    Line(out, "events",
         std::to_string(r.latency.count) + " of " + std::to_string(r.events_expected) +
             " expected; missed " + std::to_string(r.missed) + ", duplicated " +
             std::to_string(r.duplicated) + ", out of order " + std::to_string(r.out_of_order) +
             ", failed streams " + std::to_string(r.failed_streams));
  }
  Line(out, "client cpu", Fixed(r.client_cpu_s, 3) + " s");
  if (r.errors.empty()) {
    Line(out, "errors", "none");
  } else {
    std::string errors;
    for (const auto& [kind, count] : r.errors) {
      errors += (errors.empty() ? "" : ", ") + kind + " " + std::to_string(count);
    }
    Line(out, "errors", errors);
    Line(out, "first error", r.first_error);
  }
  if (r.check_ran) {
    Line(out, "check",
         std::string(r.check_passed ? "PASSED" : "FAILED") + ": expected " +
             std::to_string(r.check_expected) + " keys on the prefix, found " +
             std::to_string(r.check_found) +
             (r.check_detail.empty() ? "" : " (" + r.check_detail + ")"));
  }
  return out.str();
}

std::string FormatJson(const BenchResult& r) {
  std::string errors = "{";
  for (const auto& [kind, count] : r.errors) {
    if (errors.size() > 1) errors += ",";
    errors += codec::GoJsonString(kind) + ":" + std::to_string(count);
  }
  errors += "}";
  std::string out = "{\"label\":" + codec::GoJsonString(r.label) +
                    ",\"workload\":" + codec::GoJsonString(r.workload) +
                    ",\"endpoints\":" + codec::GoJsonString(r.endpoints) +
                    ",\"conns\":" + std::to_string(r.conns) +
                    ",\"clients\":" + std::to_string(r.clients) +
                    ",\"key_size\":" + std::to_string(r.key_size) +
                    ",\"val_size\":" + std::to_string(r.val_size) +
                    ",\"key_space_size\":" + std::to_string(r.key_space_size) +
                    ",\"rate_limit\":" + Fixed(r.rate_limit, 1);
  if (!r.consistency.empty()) out += ",\"consistency\":" + codec::GoJsonString(r.consistency);
  out += ",\"requests\":" + std::to_string(r.requests) + ",\"ok\":" + std::to_string(r.ok) +
         ",\"errors\":" + errors;
  if (!r.first_error.empty()) out += ",\"first_error\":" + codec::GoJsonString(r.first_error);
  out += ",\"elapsed_s\":" + Fixed(r.elapsed_s, 6) + ",\"throughput\":" + Fixed(r.throughput, 3) +
         ",\"latency_ms\":" + LatencyJson(r.latency) +
         ",\"client_cpu_s\":" + Fixed(r.client_cpu_s, 3);
  if (r.watchers > 0) {
    out += ",\"watch\":{\"watchers\":" + std::to_string(r.watchers) +
           ",\"writers\":" + std::to_string(r.writers) +
           ",\"events_expected\":" + std::to_string(r.events_expected) +
           ",\"events\":" + std::to_string(r.latency.count) +
           ",\"missed\":" + std::to_string(r.missed) +
           ",\"duplicated\":" + std::to_string(r.duplicated) +
           ",\"out_of_order\":" + std::to_string(r.out_of_order) +
           ",\"failed_streams\":" + std::to_string(r.failed_streams) +
           ",\"put_latency_ms\":" + LatencyJson(r.put_latency) + "}";
  }
  if (r.check_ran) {
    out += std::string(",\"check\":{\"passed\":") + (r.check_passed ? "true" : "false") +
           ",\"expected\":" + std::to_string(r.check_expected) +
           ",\"found\":" + std::to_string(r.check_found);
    if (!r.check_detail.empty()) out += ",\"detail\":" + codec::GoJsonString(r.check_detail);
    out += "}";
  }
  return out + "}";
}

}  // namespace shadekv::bench
