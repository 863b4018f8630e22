// Flag parsing by hand, like the other bench tools: a few dozen typed flags
// with ranges do not justify Poco::Util::Application.
#include "bench/shadekv_bench/bench_flags.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>

namespace shadekv::bench {
namespace {

constexpr const char* kWorkloadNames[] = {"put",   "range",           "txn-put", "delete",
                                          "watch", "lease-keepalive", "mixed"};

Result<int64_t> ParseInt(const std::string& name, const std::string& value, int64_t lo,
                         int64_t hi) {
  int64_t out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || out < lo ||
      out > hi) {
    return Status::InvalidArgument("--" + name + " must be an integer in [" + std::to_string(lo) +
                                   ", " + std::to_string(hi) + "], got \"" + value + "\"");
  }
  return out;
}

Result<double> ParseDouble(const std::string& name, const std::string& value, double lo,
                           double hi) {
  char* end = nullptr;
  const double out = value.empty() ? NAN : std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(out) || out < lo ||
      out > hi) {
    return Status::InvalidArgument("--" + name + " must be a number in [" + std::to_string(lo) +
                                   ", " + std::to_string(hi) + "], got \"" + value + "\"");
  }
  return out;
}

Result<Endpoint> ParseEndpoint(const std::string& flag, std::string value) {
  const std::string original = value;
  if (value.rfind("http://", 0) == 0) value = value.substr(7);
  if (value.rfind("https://", 0) == 0) {
    return Status::InvalidArgument("--" + flag + ": https is not supported, got \"" + original +
                                   "\"");
  }
  if (!value.empty() && value.back() == '/') value.pop_back();
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("--" + flag + " takes HOST:PORT (e.g. 127.0.0.1:2379), got \"" +
                                   original + "\"");
  }
  Endpoint endpoint;
  endpoint.host = value.substr(0, colon);
  if (endpoint.host == "localhost") endpoint.host = "127.0.0.1";
  in_addr addr{};
  if (inet_pton(AF_INET, endpoint.host.c_str(), &addr) != 1) {
    return Status::InvalidArgument("--" + flag + " host must be an IPv4 address, got \"" +
                                   endpoint.host + "\"");
  }
  SHADEKV_ASSIGN_OR_RETURN(int64_t port,
                           ParseInt(flag + " port", value.substr(colon + 1), 1, 65535));
  endpoint.port = static_cast<int>(port);
  return endpoint;
}

Result<std::vector<Endpoint>> ParseEndpoints(const std::string& value) {
  std::vector<Endpoint> out;
  size_t start = 0;
  while (start <= value.size()) {
    const size_t comma = value.find(',', start);
    const std::string one =
        value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    SHADEKV_ASSIGN_OR_RETURN(Endpoint endpoint, ParseEndpoint("endpoints", one));
    out.push_back(endpoint);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<bool> ParseBool(const std::string& name, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  return Status::InvalidArgument("--" + name + " takes true or false, got \"" + value + "\"");
}

bool IsBoolFlag(const std::string& name) {
  return name == "sequential-keys" || name == "progress" || name == "check";
}

}  // namespace

std::string WorkloadName(Workload workload) { return kWorkloadNames[static_cast<int>(workload)]; }

Result<Workload> ParseWorkload(const std::string& name) {
  for (int i = 0; i < 7; ++i) {
    if (name == kWorkloadNames[i]) return static_cast<Workload>(i);
  }
  return Status::InvalidArgument(
      "unknown workload \"" + name +
      "\"; one of put, range, txn-put, delete, watch, lease-keepalive, mixed");
}

bool WritesKeys(Workload workload) {
  return workload == Workload::kPut || workload == Workload::kTxnPut ||
         workload == Workload::kDelete || workload == Workload::kMixed ||
         workload == Workload::kWatch;
}

std::string BenchUsage() {
  return "usage: shadekv-bench WORKLOAD --endpoints HOST:PORT[,HOST:PORT...] [flags]\n"
         "A load generator for any etcd v3 JSON gateway (shadekv, etcd 3.4), in the spirit of\n"
         "etcd's `benchmark` tool. WORKLOAD is one of:\n"
         "  put              puts of --val-size bytes on keys of the key space\n"
         "  range            single-key ranges on a preloaded key space (--consistency l|s)\n"
         "  txn-put          compare-and-put txns (compare mod_revision, then put)\n"
         "  delete           deletes of keys loaded first, one key per request\n"
         "  watch            --watchers streams on the prefix, --writers putting; put-to-event\n"
         "                   latency, missed/duplicated/out-of-order events\n"
         "  lease-keepalive  one lease per client (granted first), then keep-alives\n"
         "  mixed            ranges and puts on a preloaded key space (--read-ratio)\n"
         "Flags:\n"
         "  --endpoints LIST       client URLs, comma-separated (required)\n"
         "  --conns N              keep-alive HTTP/1.1 connections (default 1)\n"
         "  --clients N            concurrent clients; client i uses connection i % conns, and\n"
         "                         clients sharing a connection take turns (default 1)\n"
         "  --total N              requests (default 10000; watch: puts)\n"
         "  --duration S           run S seconds instead of --total requests\n"
         "  --key-size B           key bytes, prefix included (default 32)\n"
         "  --val-size B           value bytes (default 8)\n"
         "  --key-space-size N     distinct keys, at most 100000000 (default 1)\n"
         "  --sequential-keys      walk the key space in order instead of at random\n"
         "  --rate R               requests per second over all clients (default 0: no limit)\n"
         "  --warmup N             requests before the measured ones, not recorded (default 0)\n"
         "  --consistency l|s      range: linearizable or serializable (default l)\n"
         "  --read-ratio F         mixed: share of ranges in [0, 1] (default 0.5)\n"
         "  --watchers N           watch: streams (default 10)\n"
         "  --writers N            watch: writer connections (default 1)\n"
         "  --lease-ttl S          lease-keepalive: TTL of each lease (default 60)\n"
         "  --prefix P             key prefix (default: unique per run)\n"
         "  --check-endpoint H:P   where the correctness check counts keys (default: first "
         "endpoint)\n"
         "  --check=false          skip the correctness check after a write workload\n"
         "  -w, --write-out F      table or json (default table)\n"
         "  --label NAME           tag in the output (default: first endpoint)\n"
         "  --timeout S            bound on the whole run in seconds (default 600)\n"
         "  --progress=false       no progress line (it is shown only when stderr is a terminal)\n"
         "  --seed N               random key choice (default 1)\n"
         "Exit status: 0 ok, 1 the run or its correctness check failed, 2 bad flags.\n";
}

Result<BenchFlags> ParseBenchFlags(const std::vector<std::string>& args) {
  BenchFlags flags;
  bool have_workload = false;
  bool have_check_endpoint = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      return flags;
    }
    if (arg.rfind("-", 0) != 0) {
      if (have_workload) {
        return Status::InvalidArgument("unexpected argument \"" + arg +
                                       "\" (one workload, flags start with --)");
      }
      SHADEKV_ASSIGN_OR_RETURN(flags.workload, ParseWorkload(arg));
      have_workload = true;
      continue;
    }
    std::string name = arg == "-w" ? "write-out" : arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (IsBoolFlag(name)) {
      value = "true";  // a bare boolean flag never takes the next argument
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    static const char* const kKnown[] = {
        "endpoints",       "conns",          "clients",  "total",
        "duration",        "key-size",       "val-size", "key-space-size",
        "sequential-keys", "rate",           "warmup",   "consistency",
        "read-ratio",      "watchers",       "writers",  "lease-ttl",
        "prefix",          "check-endpoint", "check",    "write-out",
        "label",           "timeout",        "progress", "seed"};
    bool known = false;
    for (const char* k : kKnown) known = known || name == k;
    if (!known) return Status::InvalidArgument("unknown flag \"" + arg + "\" (see --help)");
    if (!value) return Status::InvalidArgument("flag --" + name + " needs a value");
    const std::string& v = *value;

    if (name == "endpoints") {
      SHADEKV_ASSIGN_OR_RETURN(flags.endpoints, ParseEndpoints(v));
    } else if (name == "check-endpoint") {
      SHADEKV_ASSIGN_OR_RETURN(flags.check_endpoint, ParseEndpoint(name, v));
      have_check_endpoint = true;
    } else if (name == "conns") {
      SHADEKV_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, v, 1, 10000));
      flags.conns = static_cast<int>(n);
    } else if (name == "clients") {
      SHADEKV_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, v, 1, 10000));
      flags.clients = static_cast<int>(n);
    } else if (name == "total") {
      SHADEKV_ASSIGN_OR_RETURN(flags.total, ParseInt(name, v, 1, 1'000'000'000));
    } else if (name == "duration") {
      SHADEKV_ASSIGN_OR_RETURN(flags.duration_s, ParseDouble(name, v, 0.001, 86400));
    } else if (name == "key-size") {
      SHADEKV_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, v, 1, 1 << 20));
      flags.key_size = static_cast<int>(n);
    } else if (name == "val-size") {
      SHADEKV_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, v, 0, 1 << 20));
      flags.val_size = static_cast<int>(n);
    } else if (name == "key-space-size") {
      SHADEKV_ASSIGN_OR_RETURN(flags.key_space_size, ParseInt(name, v, 1, 100'000'000));
    } else if (name == "sequential-keys") {
      SHADEKV_ASSIGN_OR_RETURN(flags.sequential_keys, ParseBool(name, v));
    } else if (name == "rate") {
      SHADEKV_ASSIGN_OR_RETURN(flags.rate, ParseDouble(name, v, 0, 10'000'000));
    } else if (name == "warmup") {
      SHADEKV_ASSIGN_OR_RETURN(flags.warmup, ParseInt(name, v, 0, 1'000'000'000));
    } else if (name == "consistency") {
      if (v != "l" && v != "s") {
        return Status::InvalidArgument(
            "--consistency takes l (linearizable) or s "
            "(serializable), got \"" +
            v + "\"");
      }
      flags.consistency = v;
    } else if (name == "read-ratio") {
      SHADEKV_ASSIGN_OR_RETURN(flags.read_ratio, ParseDouble(name, v, 0, 1));
    } else if (name == "watchers") {
      SHADEKV_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, v, 1, 100000));
      flags.watchers = static_cast<int>(n);
    } else if (name == "writers") {
      SHADEKV_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, v, 1, 1000));
      flags.writers = static_cast<int>(n);
    } else if (name == "lease-ttl") {
      SHADEKV_ASSIGN_OR_RETURN(flags.lease_ttl, ParseInt(name, v, 2, 9'000'000'000));
    } else if (name == "prefix") {
      if (v.empty()) return Status::InvalidArgument("--prefix must not be empty");
      // The end of a prefix of only 0xff bytes would be "to the end of the key space".
      if (v.find_first_not_of('\xff') == std::string::npos) {
        return Status::InvalidArgument("--prefix of only 0xff bytes has no prefix end");
      }
      flags.prefix = v;
    } else if (name == "check") {
      SHADEKV_ASSIGN_OR_RETURN(flags.check, ParseBool(name, v));
    } else if (name == "write-out") {
      if (v == "table") {
        flags.output = OutputFormat::kTable;
      } else if (v == "json") {
        flags.output = OutputFormat::kJson;
      } else {
        return Status::InvalidArgument("--write-out takes table or json, got \"" + v + "\"");
      }
    } else if (name == "label") {
      if (v.empty()) return Status::InvalidArgument("--label must not be empty");
      flags.label = v;
    } else if (name == "timeout") {
      SHADEKV_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, v, 1, 86400));
      flags.timeout_s = static_cast<int>(n);
    } else if (name == "progress") {
      SHADEKV_ASSIGN_OR_RETURN(flags.progress, ParseBool(name, v));
    } else if (name == "seed") {
      SHADEKV_ASSIGN_OR_RETURN(int64_t n, ParseInt(name, v, 0, INT64_MAX));
      flags.seed = static_cast<uint64_t>(n);
    }
  }
  if (!have_workload) {
    return Status::InvalidArgument(
        "a workload is required: put, range, txn-put, delete, watch, lease-keepalive or mixed");
  }
  if (flags.endpoints.empty()) {
    return Status::InvalidArgument("--endpoints HOST:PORT[,...] is required (see --help)");
  }
  if (!have_check_endpoint) flags.check_endpoint = flags.endpoints.front();
  if (flags.label.empty()) flags.label = flags.endpoints.front().ToString();
  // A connection no client uses would sit idle and only cost the server a socket.
  if (flags.clients < flags.conns) flags.conns = flags.clients;
  return flags;
}

}  // namespace shadekv::bench
