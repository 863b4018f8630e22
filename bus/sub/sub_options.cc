#include "bus/sub/sub_options.h"

#include <charconv>

namespace shadekv::bus {

const char kSubUsage[] =
    "usage: shadekv-sub --bus EP[,EP...] [--from-rev R] [--prefix P] [--state-file PATH]\n"
    "                   [--plugin PATH [--plugin-config NAME.KEY=VALUE]...]\n"
    "                   [--bus-curve-key PREFIX --bus-curve-server-key FILE[,FILE...]]\n"
    "Follows a shadekv change-event bus (publisher PUB endpoints, e.g.\n"
    "tcp://127.0.0.1:2390) and prints each event as one JSON line, or hands the\n"
    "events to plugins. --from-rev R starts at revision R (default: 1, i.e. a\n"
    "snapshot of the current state, then every change). --state-file keeps the\n"
    "last applied revision and resumes after it (it wins over --from-rev).\n"
    "CURVE: --bus-curve-key is this subscriber's keypair (PREFIX.key, mode 0600),\n"
    "--bus-curve-server-key the publishers' .pub files (one for all, or one per\n"
    "--bus endpoint, in order); the publishers must authorize PREFIX.pub.\n";

Result<SubOptions> ParseSubOptions(const std::vector<std::string>& args) {
  SubOptions out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (flag == "-h" || flag == "--help") {
      out.help = true;
      continue;
    }
    if (i + 1 >= args.size()) {
      return Status::InvalidArgument(flag.rfind("--", 0) == 0 ? flag + " needs a value"
                                                              : "unexpected argument " + flag);
    }
    const std::string& value = args[++i];
    if (flag == "--bus") {
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string ep =
            value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (ep.empty())
          return Status::InvalidArgument("--bus: empty endpoint in \"" + value + "\"");
        out.bus.push_back(ep);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (flag == "--from-rev") {
      int64_t rev = 0;
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), rev);
      if (ec != std::errc() || end != value.data() + value.size() || rev < 1) {
        return Status::InvalidArgument("--from-rev: expected a revision >= 1, got \"" + value +
                                       "\"");
      }
      out.from_revision = rev;
    } else if (flag == "--prefix") {
      out.prefix = value;
    } else if (flag == "--plugin") {
      out.plugins.push_back(value);
    } else if (flag == "--plugin-config") {
      size_t dot = value.find('.');
      size_t eq = value.find('=');
      if (dot == std::string::npos || eq == std::string::npos || dot == 0 || eq < dot + 2) {
        return Status::InvalidArgument("--plugin-config: expected NAME.KEY=VALUE, got \"" + value +
                                       "\"");
      }
      out.plugin_settings.push_back(
          {value.substr(0, dot), value.substr(dot + 1, eq - dot - 1), value.substr(eq + 1)});
    } else if (flag == "--bus-curve-key") {
      if (value.empty()) return Status::InvalidArgument("--bus-curve-key: empty path");
      out.curve_key = value;
    } else if (flag == "--bus-curve-server-key") {
      out.curve_server_keys.clear();
      size_t start = 0;
      while (start <= value.size()) {
        size_t comma = value.find(',', start);
        std::string file =
            value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (file.empty()) {
          return Status::InvalidArgument("--bus-curve-server-key: empty file in \"" + value + "\"");
        }
        out.curve_server_keys.push_back(file);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (flag == "--state-file") {
      if (value.empty()) return Status::InvalidArgument("--state-file: empty path");
      out.state_file = value;
    } else {
      return Status::InvalidArgument("unknown flag " + flag + " (see --help)");
    }
  }
  if (out.help) return out;
  if (out.bus.empty()) return Status::InvalidArgument("--bus is required");
  if (out.curve_key.empty() != out.curve_server_keys.empty()) {
    return Status::InvalidArgument(
        "--bus-curve-key and --bus-curve-server-key go together (CURVE needs both)");
  }
  if (out.curve_server_keys.size() > 1 && out.curve_server_keys.size() != out.bus.size()) {
    return Status::InvalidArgument(
        "--bus-curve-server-key: give one key file for all --bus "
        "endpoints, or one per endpoint (" +
        std::to_string(out.bus.size()) + ")");
  }
  if (!out.plugin_settings.empty() && out.plugins.empty()) {
    return Status::InvalidArgument("--plugin-config given without --plugin");
  }
  return out;
}

}  // namespace shadekv::bus
