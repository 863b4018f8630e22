// Flag parsing by hand: the tool needs a dozen integer flags with ranges,
// and Poco::Util::Application would pull in a whole application framework.
#include "bench/watch_fanout/fanout_flags.h"

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

Status ParseEndpoint(std::string value, FanoutFlags& flags) {
  const std::string original = value;
  if (value.rfind("http://", 0) == 0) value = value.substr(7);
  if (!value.empty() && value.back() == '/') value.pop_back();
  const size_t colon = value.rfind(':');
  if (colon == std::string::npos) {
    return Status::InvalidArgument("--endpoint must be HOST:PORT (e.g. 127.0.0.1:2379), got \"" +
                                   original + "\"");
  }
  std::string host = value.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  in_addr addr{};
  if (inet_pton(AF_INET, host.c_str(), &addr) != 1) {
    return Status::InvalidArgument("--endpoint host must be an IPv4 address, got \"" + host + "\"");
  }
  auto port = ParseIntFlag("endpoint port", value.substr(colon + 1), 1, 65535);
  if (!port.ok()) return port.status();
  flags.host = host;
  flags.port = *port;
  return Status::Ok();
}

}  // namespace

std::string FanoutUsage() {
  return "usage: watch_fanout_bench --endpoint HOST:PORT [flags]\n"
         "Opens N watch streams on one key prefix of an etcd v3 JSON gateway, does M puts\n"
         "under that prefix, and reports put-acknowledged -> event-delivered latency,\n"
         "missed/duplicated/out-of-order events, and the server's memory and CPU.\n"
         "  --endpoint HOST:PORT   server client URL (IPv4 address), required\n"
         "  --watchers N           concurrent watch streams (default 1000)\n"
         "  --puts M               puts, one after another (default 500)\n"
         "  --key-prefix P         watched prefix (default: unique per run)\n"
         "  --server-pid PID       sample VmRSS and CPU of this process (default: none)\n"
         "  --timeout-s T          bound on the whole run (default 120)\n"
         "  --put-interval-ms MS   pause between puts (default 0)\n"
         "  --open-concurrency C   streams connecting at once (default 100)\n"
         "  --value-bytes B        value size of each put (default 16)\n"
         "  --label NAME           tag for the RESULT line (default: the endpoint)\n";
}

Result<FanoutFlags> ParseFanoutFlags(const std::vector<std::string>& args) {
  FanoutFlags flags;
  bool have_endpoint = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
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
    static const char* const kKnown[] = {"endpoint",
                                         "watchers",
                                         "puts",
                                         "key-prefix",
                                         "server-pid",
                                         "timeout-s",
                                         "put-interval-ms",
                                         "open-concurrency",
                                         "value-bytes",
                                         "label"};
    bool known = false;
    for (const char* k : kKnown) known = known || name == k;
    if (!known) return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    if (!value) return Status::InvalidArgument("flag --" + name + " needs a value");

    if (name == "endpoint") {
      SHADEKV_RETURN_IF_ERROR(ParseEndpoint(*value, flags));
      have_endpoint = true;
    } else if (name == "watchers") {
      SHADEKV_ASSIGN_OR_RETURN(flags.watchers, ParseIntFlag(name, *value, 1, 100000));
    } else if (name == "puts") {
      SHADEKV_ASSIGN_OR_RETURN(flags.puts, ParseIntFlag(name, *value, 1, 1000000));
    } else if (name == "key-prefix") {
      if (value->empty()) return Status::InvalidArgument("--key-prefix must not be empty");
      // prefix_end of a prefix of only 0xff bytes would be "watch everything".
      if (value->find_first_not_of('\xff') == std::string::npos) {
        return Status::InvalidArgument("--key-prefix of only 0xff bytes has no prefix end");
      }
      flags.key_prefix = *value;
    } else if (name == "server-pid") {
      SHADEKV_ASSIGN_OR_RETURN(flags.server_pid, ParseIntFlag(name, *value, 1, 1 << 30));
    } else if (name == "timeout-s") {
      SHADEKV_ASSIGN_OR_RETURN(flags.timeout_s, ParseIntFlag(name, *value, 1, 3600));
    } else if (name == "put-interval-ms") {
      SHADEKV_ASSIGN_OR_RETURN(flags.put_interval_ms, ParseIntFlag(name, *value, 0, 60000));
    } else if (name == "open-concurrency") {
      SHADEKV_ASSIGN_OR_RETURN(flags.open_concurrency, ParseIntFlag(name, *value, 1, 100000));
    } else if (name == "value-bytes") {
      SHADEKV_ASSIGN_OR_RETURN(flags.value_bytes, ParseIntFlag(name, *value, 0, 1 << 20));
    } else if (name == "label") {
      if (value->empty() || value->find_first_of(" \t\n=") != std::string::npos) {
        return Status::InvalidArgument("--label must be a non-empty word without spaces or '='");
      }
      flags.label = *value;
    }
  }
  if (!have_endpoint) {
    return Status::InvalidArgument("--endpoint HOST:PORT is required (see --help)");
  }
  if (flags.label.empty()) flags.label = flags.host + ":" + std::to_string(flags.port);
  return flags;
}

}  // namespace shadekv::bench
