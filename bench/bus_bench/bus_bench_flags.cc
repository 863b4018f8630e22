// Flag parsing by hand, in the manner of bench/watch_fanout/fanout_flags.cc.
#include "bench/bus_bench/bus_bench_flags.h"

#include <arpa/inet.h>

#include <charconv>
#include <optional>

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

Result<std::string> ParseHost(const std::string& flag, std::string host) {
  if (host == "localhost") host = "127.0.0.1";
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) != 1) {
    return Status::InvalidArgument("--" + flag + " host must be an IPv4 address, got \"" + host +
                                   "\"");
  }
  return host;
}

Status ParseEndpoint(std::string value, BusBenchFlags& flags) {
  const std::string original = value;
  if (value.rfind("http://", 0) == 0) value = value.substr(7);
  if (!value.empty() && value.back() == '/') value.pop_back();
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("--endpoint must be HOST:PORT (e.g. 127.0.0.1:2379), got \"" +
                                   original + "\"");
  }
  SHADEKV_ASSIGN_OR_RETURN(flags.host, ParseHost("endpoint", value.substr(0, colon)));
  SHADEKV_ASSIGN_OR_RETURN(flags.port,
                           ParseIntFlag("endpoint port", value.substr(colon + 1), 1, 65535));
  return Status::Ok();
}

Status ParseBus(const std::string& value, BusBenchFlags& flags) {
  const std::string scheme = "tcp://";
  const size_t colon = value.rfind(':');
  if (value.rfind(scheme, 0) != 0 || colon < scheme.size()) {
    return Status::InvalidArgument(
        "--bus must be tcp://HOST:PORT (the publisher's PUB endpoint), " + std::string("got \"") +
        value + "\"");
  }
  SHADEKV_ASSIGN_OR_RETURN(std::string host,
                           ParseHost("bus", value.substr(scheme.size(), colon - scheme.size())));
  SHADEKV_ASSIGN_OR_RETURN(int port, ParseIntFlag("bus port", value.substr(colon + 1), 1, 65535));
  flags.bus = scheme + host + ":" + std::to_string(port);
  return Status::Ok();
}

}  // namespace

std::string BusBenchUsage() {
  return "usage: bus_bench --mode bus --endpoint HOST:PORT --bus tcp://HOST:PORT [flags]\n"
         "       bus_bench --mode zmq [flags]\n"
         "bus: puts through a shadekv agent at a fixed rate, N subscribers (threads, each its\n"
         "own bus subscriber driver) on the agent's publisher plugin; reports events/s per\n"
         "subscriber, put -> event latency and revision contiguity (gaps, duplicates).\n"
         "zmq: the same rate, message size and subscriber count through plain ZeroMQ\n"
         "PUB/SUB on 127.0.0.1 inside this process: the floor for the bus numbers.\n"
         "  --mode bus|zmq         what to measure (default bus)\n"
         "  --endpoint HOST:PORT   bus: the agent's client URL (IPv4), required\n"
         "  --bus tcp://HOST:PORT  bus: the publisher's PUB endpoint, required\n"
         "  --subscribers N        receivers (default 1)\n"
         "  --events M             puts or messages to send (default 5000)\n"
         "  --rate R               target sends per second, token bucket (default 1000)\n"
         "  --burst-ms MS          catch-up allowance after a stall (default 100)\n"
         "  --clients C            bus: HTTP client threads (default 16)\n"
         "  --value-bytes B        bus: put value size, >= 24 (default 32)\n"
         "  --message-bytes B      zmq: body size (default: the EVENT size of a bus put)\n"
         "  --key-prefix P         bus: key prefix (default: unique per run)\n"
         "  --server-pid PID       bus: report this process's CPU (default: none)\n"
         "  --timeout-s T          bound on the whole run (default 120)\n"
         "  --label NAME           tag for the RESULT line (default: the mode)\n";
}

Result<BusBenchFlags> ParseBusBenchFlags(const std::vector<std::string>& args) {
  BusBenchFlags flags;
  bool have_endpoint = false;
  bool have_bus = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--help" || arg == "-h") {
      flags.help = true;
      return flags;
    }
    if (arg.rfind("--", 0) != 0) {
      return Status::InvalidArgument("unexpected argument \"" + arg + "\" (flags start with --)");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    }
    static const char* const kKnown[] = {"mode",          "endpoint",   "bus",        "subscribers",
                                         "events",        "rate",       "clients",    "value-bytes",
                                         "message-bytes", "key-prefix", "server-pid", "timeout-s",
                                         "label",         "burst-ms"};
    bool known = false;
    for (const char* k : kKnown) known = known || name == k;
    if (!known) return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    if (!value) return Status::InvalidArgument("flag --" + name + " needs a value");

    if (name == "mode") {
      if (*value == "bus") {
        flags.mode = BusBenchMode::kBus;
      } else if (*value == "zmq") {
        flags.mode = BusBenchMode::kZmq;
      } else {
        return Status::InvalidArgument("--mode must be bus or zmq, got \"" + *value + "\"");
      }
    } else if (name == "endpoint") {
      SHADEKV_RETURN_IF_ERROR(ParseEndpoint(*value, flags));
      have_endpoint = true;
    } else if (name == "bus") {
      SHADEKV_RETURN_IF_ERROR(ParseBus(*value, flags));
      have_bus = true;
    } else if (name == "subscribers") {
      SHADEKV_ASSIGN_OR_RETURN(flags.subscribers, ParseIntFlag(name, *value, 1, 1000));
    } else if (name == "events") {
      SHADEKV_ASSIGN_OR_RETURN(flags.events, ParseIntFlag(name, *value, 1, 10000000));
    } else if (name == "rate") {
      SHADEKV_ASSIGN_OR_RETURN(flags.rate, ParseIntFlag(name, *value, 1, 10000000));
    } else if (name == "burst-ms") {
      SHADEKV_ASSIGN_OR_RETURN(flags.burst_ms, ParseIntFlag(name, *value, 1, 10000));
    } else if (name == "clients") {
      SHADEKV_ASSIGN_OR_RETURN(flags.clients, ParseIntFlag(name, *value, 1, 256));
    } else if (name == "value-bytes") {
      SHADEKV_ASSIGN_OR_RETURN(flags.value_bytes, ParseIntFlag(name, *value, 24, 1 << 20));
    } else if (name == "message-bytes") {
      SHADEKV_ASSIGN_OR_RETURN(flags.message_bytes, ParseIntFlag(name, *value, 16, 1 << 20));
    } else if (name == "key-prefix") {
      if (value->empty()) return Status::InvalidArgument("--key-prefix must not be empty");
      flags.key_prefix = *value;
    } else if (name == "server-pid") {
      SHADEKV_ASSIGN_OR_RETURN(flags.server_pid, ParseIntFlag(name, *value, 1, 1 << 30));
    } else if (name == "timeout-s") {
      SHADEKV_ASSIGN_OR_RETURN(flags.timeout_s, ParseIntFlag(name, *value, 1, 3600));
    } else if (name == "label") {
      if (value->empty() || value->find_first_of(" \t\n=") != std::string::npos) {
        return Status::InvalidArgument("--label must be a non-empty word without spaces or '='");
      }
      flags.label = *value;
    }
  }
  if (flags.mode == BusBenchMode::kBus) {
    if (!have_endpoint) {
      return Status::InvalidArgument("--mode bus needs --endpoint HOST:PORT (see --help)");
    }
    if (!have_bus) return Status::InvalidArgument("--mode bus needs --bus tcp://HOST:PORT");
  } else if (have_endpoint || have_bus) {
    return Status::InvalidArgument("--mode zmq runs in-process: --endpoint and --bus do not apply");
  }
  if (flags.label.empty()) flags.label = flags.mode == BusBenchMode::kBus ? "shadekv" : "zmq";
  return flags;
}

}  // namespace shadekv::bench
