// shadekv-bench: a load generator for any etcd v3 JSON gateway, so that one
// client measures shadekv and etcd alike (bench/compare.sh runs it against
// both). The parts are in bench/shadekv_bench/; this file wires flags, the
// run, the correctness check and the output together.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/bus_bench/put_load.h"
#include "bench/shadekv_bench/bench_flags.h"
#include "bench/shadekv_bench/bench_result.h"
#include "bench/shadekv_bench/key_count_check.h"
#include "bench/shadekv_bench/request_load.h"
#include "bench/shadekv_bench/watch_load.h"
#include "bench/shadekv_bench/workload.h"

namespace shadekv::bench {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "shadekv-bench: error: %s\n", message.c_str());
  return 1;
}

std::string JoinEndpoints(const std::vector<Endpoint>& endpoints) {
  std::string out;
  for (const Endpoint& e : endpoints) out += (out.empty() ? "" : ",") + e.ToString();
  return out;
}

// Unique per run and short, so repeated runs on one server never see each
// other's keys and the default --key-size 32 leaves room for the digits.
std::string DefaultPrefix() {
  char buf[32];
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  std::snprintf(buf, sizeof(buf), "skb/%x%04x/", static_cast<unsigned>(now / 1000000),
                static_cast<unsigned>(getpid()) & 0xffff);
  return buf;
}

int Run(const std::vector<std::string>& args) {
  Result<BenchFlags> parsed = ParseBenchFlags(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "shadekv-bench: error: %s\n", parsed.status().message().c_str());
    return 2;
  }
  BenchFlags flags = *parsed;
  if (flags.help) {
    std::fputs(BenchUsage().c_str(), stdout);
    return 0;
  }
  const std::string prefix = flags.prefix.empty() ? DefaultPrefix() : flags.prefix;
  if (flags.workload == Workload::kWatch) {
    if (flags.duration_s > 0 || flags.warmup > 0) {
      std::fprintf(stderr,
                   "shadekv-bench: error: watch takes --total puts; --duration and --warmup "
                   "are not supported for it\n");
      return 2;
    }
  } else if (Status st = ValidateKeyLayout(prefix, flags.key_size, flags.key_space_size);
             !st.ok()) {
    std::fprintf(stderr, "shadekv-bench: error: %s\n", st.message().c_str());
    return 2;
  }
  const int64_t deadline_ns = SteadyNowNs() + static_cast<int64_t>(flags.timeout_s) * 1'000'000'000;
  const bool show_progress = flags.progress && isatty(STDERR_FILENO) == 1;

  BenchResult result;
  result.label = flags.label;
  result.workload = WorkloadName(flags.workload);
  result.endpoints = JoinEndpoints(flags.endpoints);
  result.conns = flags.workload == Workload::kWatch ? flags.writers : flags.conns;
  result.clients = flags.workload == Workload::kWatch ? flags.writers : flags.clients;
  result.key_size =
      flags.workload == Workload::kWatch ? static_cast<int>(prefix.size()) + 8 : flags.key_size;
  result.val_size = flags.val_size;
  result.key_space_size = flags.workload == Workload::kWatch ? flags.total : flags.key_space_size;
  result.rate_limit = flags.rate;
  if (flags.workload == Workload::kRange || flags.workload == Workload::kMixed) {
    result.consistency = flags.consistency == "s" ? "serializable" : "linearizable";
  }

  int64_t expected_keys = -1;
  bool uncertain_writes = false;
  std::string expected_detail;
  Status run_status = Status::Ok();
  if (flags.workload == Workload::kWatch) {
    run_status = RunWatchLoad(flags, prefix, deadline_ns, show_progress, &result);
    expected_keys = static_cast<int64_t>(result.ok);
    uncertain_writes = result.ok < result.requests;
    expected_detail = "puts acknowledged";
  } else {
    Result<LoadOutcome> outcome = RunRequestLoad(flags, prefix, deadline_ns, show_progress);
    if (!outcome.ok()) return Fail("setup: " + outcome.status().message());
    result.requests = outcome->requests;
    result.ok = outcome->ok;
    result.errors = outcome->errors;
    result.first_error = outcome->first_error;
    result.elapsed_s = outcome->elapsed_s;
    result.throughput =
        outcome->elapsed_s > 0 ? static_cast<double>(outcome->ok) / outcome->elapsed_s : 0;
    result.latency = outcome->latency.Summarize();
    result.client_cpu_s = outcome->client_cpu_s;
    expected_keys = outcome->expected_keys;
    uncertain_writes = outcome->uncertain_writes;
    expected_detail = outcome->expected_detail;
  }

  if (flags.check && WritesKeys(flags.workload) && expected_keys >= 0) {
    result.check_ran = true;
    result.check_expected = expected_keys;
    const int timeout_ms =
        static_cast<int>(std::max<int64_t>((deadline_ns - SteadyNowNs()) / 1'000'000, 5000));
    Result<int64_t> found = CountKeysOnPrefix(flags.check_endpoint, prefix, timeout_ms);
    if (!found.ok()) {
      result.check_found = -1;
      result.check_detail = "count failed: " + found.status().message();
    } else {
      result.check_found = *found;
      result.check_passed = KeyCountMatches(expected_keys, *found, uncertain_writes);
      result.check_detail = expected_detail + ", counted at " + flags.check_endpoint.ToString();
    }
  }

  const std::string out =
      flags.output == OutputFormat::kJson ? FormatJson(result) + "\n" : FormatTable(result);
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);

  if (!run_status.ok()) return Fail(run_status.message());
  if (result.check_ran && !result.check_passed) {
    return Fail("correctness check FAILED: expected " + std::to_string(result.check_expected) +
                " keys on prefix \"" + prefix + "\", found " + std::to_string(result.check_found) +
                " (" + result.check_detail + ")");
  }
  if (result.requests > 0 && result.ok == 0) {
    return Fail("every request failed; first error: " + result.first_error);
  }
  return 0;
}

}  // namespace
}  // namespace shadekv::bench

int main(int argc, char** argv) {
  return shadekv::bench::Run(std::vector<std::string>(argv + 1, argv + argc));
}
