// Flag parsing by hand, in the manner of bench/bus_bench/bus_bench_flags.cc.
#include "bench/shadow_bench/shadow_bench_flags.h"

#include <arpa/inet.h>

#include <charconv>

namespace shadekv::bench {
namespace {

Result<int> ParseIntFlag(const std::string& name, const std::string& value, int lo, int hi) {
  int out = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || out < lo ||
      out > hi) {
    return Status::InvalidArgument("--" + name + " must be an integer in [" + std::to_string(lo) +
                                   ", " + std::to_string(hi) + "], got \"" + value + "\"");
  }
  return out;
}

// "HOST:PORT" or "http://HOST:PORT[/]" with an IPv4 host.
Status ParseEndpoint(const std::string& flag, std::string value, std::string* host, int* port) {
  const std::string original = value;
  if (value.rfind("http://", 0) == 0) value = value.substr(7);
  if (!value.empty() && value.back() == '/') value.pop_back();
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument(
        "--" + flag + " must be HOST:PORT (e.g. 127.0.0.1:2379), got \"" + original + "\"");
  }
  std::string h = value.substr(0, colon);
  if (h == "localhost") h = "127.0.0.1";
  in_addr addr{};
  if (inet_pton(AF_INET, h.c_str(), &addr) != 1) {
    return Status::InvalidArgument("--" + flag + " host must be an IPv4 address, got \"" + h +
                                   "\"");
  }
  SHADEKV_ASSIGN_OR_RETURN(*port, ParseIntFlag(flag + " port", value.substr(colon + 1), 1, 65535));
  *host = h;
  return Status::Ok();
}

}  // namespace

std::string ShadowBenchUsage() {
  return "usage: shadow_bench --mode lag --primary HOST:PORT --shadow HOST:PORT [flags]\n"
         "       shadow_bench --mode load --primary HOST:PORT --keys N [flags]\n"
         "       shadow_bench --mode puts --primary HOST:PORT [flags]\n"
         "lag: paced puts on the primary (send time stamped in the value), one watch stream\n"
         "on the shadow and one on the primary; reports put ack -> event and send -> event\n"
         "latency on each, and revision contiguity.\n"
         "load: writes N keys in txns of --batch puts over --clients connections (the data\n"
         "set of an initial sync); reports keys/s and the final revision.\n"
         "puts: puts only (default unpaced): throughput and put latency percentiles.\n"
         "  --mode lag|load|puts   what to run (default lag)\n"
         "  --primary HOST:PORT    the agent's client URL (IPv4), required\n"
         "  --shadow HOST:PORT     lag: the shadow's client URL, required\n"
         "  --events M             lag, puts: puts to send (default 5000)\n"
         "  --rate R               lag, puts: target puts/s; 0 = unpaced (default 1000 for\n"
         "                         lag, 0 for puts)\n"
         "  --burst-ms MS          catch-up allowance after a stall (default 100)\n"
         "  --clients C            HTTP client threads (default 16)\n"
         "  --value-bytes B        value size, >= 24 (default 32)\n"
         "  --keys N               load: keys to write (default 100000)\n"
         "  --batch K              load: puts per txn (default 128)\n"
         "  --key-prefix P         key prefix (default: unique per run)\n"
         "  --timeout-s T          bound on the whole run (default 120)\n"
         "  --label NAME           tag for the RESULT line (default: the mode)\n";
}

Result<ShadowBenchFlags> ParseShadowBenchFlags(const std::vector<std::string>& args) {
  ShadowBenchFlags flags;
  bool rate_given = false;
  std::string primary, shadow;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i];
    if (name == "--help" || name == "-h") {
      flags.help = true;
      return flags;
    }
    if (name.rfind("--", 0) != 0) {
      return Status::InvalidArgument("unexpected argument \"" + name + "\" (flags start with --)");
    }
    std::string value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else {
      if (i + 1 >= args.size()) return Status::InvalidArgument(name + " needs a value");
      value = args[++i];
    }
    name = name.substr(2);
    if (name == "mode") {
      if (value == "lag") {
        flags.mode = ShadowBenchMode::kLag;
      } else if (value == "load") {
        flags.mode = ShadowBenchMode::kLoad;
      } else if (value == "puts") {
        flags.mode = ShadowBenchMode::kPuts;
      } else {
        return Status::InvalidArgument("--mode must be lag, load or puts, got \"" + value + "\"");
      }
    } else if (name == "primary") {
      primary = value;
      SHADEKV_RETURN_IF_ERROR(
          ParseEndpoint("primary", value, &flags.primary_host, &flags.primary_port));
    } else if (name == "shadow") {
      shadow = value;
      SHADEKV_RETURN_IF_ERROR(
          ParseEndpoint("shadow", value, &flags.shadow_host, &flags.shadow_port));
    } else if (name == "events") {
      SHADEKV_ASSIGN_OR_RETURN(flags.events, ParseIntFlag(name, value, 1, 100'000'000));
    } else if (name == "rate") {
      SHADEKV_ASSIGN_OR_RETURN(flags.rate, ParseIntFlag(name, value, 0, 10'000'000));
      rate_given = true;
    } else if (name == "burst-ms") {
      SHADEKV_ASSIGN_OR_RETURN(flags.burst_ms, ParseIntFlag(name, value, 0, 10'000));
    } else if (name == "clients") {
      SHADEKV_ASSIGN_OR_RETURN(flags.clients, ParseIntFlag(name, value, 1, 1024));
    } else if (name == "value-bytes") {
      SHADEKV_ASSIGN_OR_RETURN(flags.value_bytes, ParseIntFlag(name, value, 24, 1 << 20));
    } else if (name == "keys") {
      SHADEKV_ASSIGN_OR_RETURN(flags.keys, ParseIntFlag(name, value, 1, 100'000'000));
    } else if (name == "batch") {
      SHADEKV_ASSIGN_OR_RETURN(flags.batch, ParseIntFlag(name, value, 1, 10'000));
    } else if (name == "timeout-s") {
      SHADEKV_ASSIGN_OR_RETURN(flags.timeout_s, ParseIntFlag(name, value, 1, 86'400));
    } else if (name == "key-prefix") {
      if (value.empty()) return Status::InvalidArgument("--key-prefix must not be empty");
      flags.key_prefix = value;
    } else if (name == "label") {
      if (value.empty() || value.find_first_of(" \t\n=") != std::string::npos) {
        return Status::InvalidArgument("--label must be one word without '=', got \"" + value +
                                       "\"");
      }
      flags.label = value;
    } else {
      return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    }
  }
  if (primary.empty()) return Status::InvalidArgument("--primary HOST:PORT is required");
  if (flags.mode == ShadowBenchMode::kLag && shadow.empty()) {
    return Status::InvalidArgument("--shadow HOST:PORT is required in lag mode");
  }
  if (flags.mode != ShadowBenchMode::kLag && !shadow.empty()) {
    return Status::InvalidArgument("--shadow is only used in lag mode");
  }
  if (flags.mode == ShadowBenchMode::kPuts && !rate_given) flags.rate = 0;
  if (flags.mode == ShadowBenchMode::kLag && flags.rate == 0) {
    return Status::InvalidArgument("--rate must be positive in lag mode (latency needs pacing)");
  }
  if (flags.label.empty()) {
    flags.label = flags.mode == ShadowBenchMode::kLag    ? "lag"
                  : flags.mode == ShadowBenchMode::kLoad ? "load"
                                                         : "puts";
  }
  return flags;
}

}  // namespace shadekv::bench
