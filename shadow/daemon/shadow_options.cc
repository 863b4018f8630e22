// Flag parsing for shadekv-shadow: etcd-like "--flag value" / "--flag=value".
#include "shadow/daemon/shadow_options.h"

#include <cctype>
#include <map>
#include <string_view>

namespace shadekv::shadow {
namespace {

constexpr char kUsage[] = R"(Usage: shadekv-shadow --bus EP[,EP...] [flags]
A read-only mirror of a shadekv cluster, fed only by the change-event bus
(the publisher plugin's PUB endpoints). Serves the read side of the etcd v3
JSON gateway; every write is refused.
  --bus EP[,EP...]            publisher PUB endpoints (tcp://host:port), required
  --name NAME                 shadow name (default "shadow")
  --data-dir DIR              mirror data directory (default "<name>.shadow")
  --listen-client-urls URLS   http(s)://host:port[,...] (default http://127.0.0.1:2479)
  --cert-file FILE            TLS certificate for https client URLs (PEM)
  --key-file FILE             its private key (PEM, unencrypted)
  --trusted-ca-file FILE      CA for client certificates; makes them required
  --client-cert-auth          require client certificates (needs --trusted-ca-file)
  --retention R               history to keep: all (default), N revisions, or
                              a duration such as 72h, 90m, 30s, 7d
  --log-level LEVEL           debug, info (default), warn, error
  --bus-curve-key PREFIX      CURVE on the bus: this shadow's keypair (PREFIX.key)
  --bus-curve-server-key F[,F...]
                              the publishers' .pub files (one, or one per --bus EP)
  --help, --version
)";

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t comma = s.find(',', start);
    out.push_back(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool AllDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// scheme://host:port with a non-empty host and a port 0..65535.
bool IsHostPortUrl(const std::string& url, std::string_view scheme) {
  std::string prefix = std::string(scheme) + "://";
  if (url.rfind(prefix, 0) != 0) return false;
  std::string rest = url.substr(prefix.size());
  size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string port = rest.substr(colon + 1);
  return AllDigits(port) && std::stoll(port) <= 65535;
}

}  // namespace

const char* ShadowUsage() { return kUsage; }

Result<RetentionPolicy> ParseRetention(const std::string& text) {
  RetentionPolicy policy;
  if (text == "all") return policy;
  if (AllDigits(text)) {
    policy.kind = RetentionPolicy::Kind::kRevisions;
    policy.revisions = std::stoll(text);
    if (policy.revisions < 1) {
      return Status::InvalidArgument("--retention " + text + ": keep at least 1 revision");
    }
    return policy;
  }
  static const std::map<std::string, int64_t> kUnitsMs = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}, {"d", 86'400'000}};
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  auto unit = kUnitsMs.find(text.substr(digits));
  if (digits == 0 || digits > 12 || unit == kUnitsMs.end()) {
    return Status::InvalidArgument("--retention '" + text +
                                   "': want all, a revision count (e.g. 100000) or a duration "
                                   "(e.g. 72h; units ms, s, m, h, d)");
  }
  int64_t amount = std::stoll(text.substr(0, digits));
  if (amount == 0) return Status::InvalidArgument("--retention " + text + ": must be above zero");
  policy.kind = RetentionPolicy::Kind::kDuration;
  policy.duration = std::chrono::milliseconds(amount * unit->second);
  return policy;
}

Result<ShadowOptions> ParseShadowOptions(const std::vector<std::string>& args) {
  static const std::map<std::string, bool> kTakesValue = {{"name", true},
                                                          {"data-dir", true},
                                                          {"bus", true},
                                                          {"listen-client-urls", true},
                                                          {"retention", true},
                                                          {"log-level", true},
                                                          {"help", false},
                                                          {"version", false},
                                                          {"bus-curve-key", true},
                                                          {"bus-curve-server-key", true},
                                                          {"cert-file", true},
                                                          {"key-file", true},
                                                          {"trusted-ca-file", true},
                                                          {"client-cert-auth", false}};
  std::map<std::string, std::string> values;
  ShadowOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      options.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return Status::InvalidArgument("unexpected argument '" + arg +
                                     "': shadekv-shadow takes only flags (see --help)");
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto spec = kTakesValue.find(name);
    if (spec == kTakesValue.end()) {
      return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    }
    if (name == "client-cert-auth") {  // a boolean that may say =true / =false
      if (has_value && value != "true" && value != "false") {
        return Status::InvalidArgument("--client-cert-auth '" + value +
                                       "': expected true or false");
      }
      options.client_cert_auth = !has_value || value == "true";
      continue;
    }
    if (!spec->second) {
      if (has_value) return Status::InvalidArgument("flag --" + name + " takes no value");
      (name == "help" ? options.help : options.version) = true;
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) return Status::InvalidArgument("flag --" + name + " needs a value");
      value = args[++i];
    }
    values[name] = value;
  }
  if (options.help || options.version) return options;

  if (auto it = values.find("name"); it != values.end()) {
    if (it->second.empty()) return Status::InvalidArgument("--name must not be empty");
    options.name = it->second;
  }
  options.data_dir = options.name + ".shadow";
  if (auto it = values.find("data-dir"); it != values.end()) {
    if (it->second.empty()) return Status::InvalidArgument("--data-dir must not be empty");
    options.data_dir = it->second;
  }
  auto bus = values.find("bus");
  if (bus == values.end()) {
    return Status::InvalidArgument(
        "--bus is required: the publisher PUB endpoints, e.g. --bus tcp://127.0.0.1:2390");
  }
  for (const std::string& ep : SplitComma(bus->second)) {
    if (!IsHostPortUrl(ep, "tcp")) {
      return Status::InvalidArgument("--bus: '" + ep + "' is not a tcp://host:port endpoint");
    }
    options.bus.push_back(ep);
  }
  if (auto it = values.find("listen-client-urls"); it != values.end()) {
    options.listen_urls.clear();
    for (const std::string& url : SplitComma(it->second)) {
      if (!IsHostPortUrl(url, "http") && !IsHostPortUrl(url, "https")) {
        return Status::InvalidArgument("--listen-client-urls: '" + url +
                                       "' is not an http://host:port or https://host:port URL");
      }
      options.listen_urls.push_back(url);
    }
  }
  if (auto it = values.find("cert-file"); it != values.end()) options.cert_file = it->second;
  if (auto it = values.find("key-file"); it != values.end()) options.key_file = it->second;
  if (auto it = values.find("trusted-ca-file"); it != values.end()) {
    options.trusted_ca_file = it->second;
  }
  for (const std::string& url : options.listen_urls) {
    if (url.rfind("https://", 0) == 0 && (options.cert_file.empty() || options.key_file.empty())) {
      return Status::InvalidArgument(
          "TLS key/cert (--cert-file, --key-file) must be provided for "
          "client url " +
          url + " with HTTPS scheme");
    }
  }
  if (auto it = values.find("retention"); it != values.end()) {
    SHADEKV_ASSIGN_OR_RETURN(options.retention, ParseRetention(it->second));
  }
  if (auto it = values.find("log-level"); it != values.end()) {
    const std::string& level = it->second;
    if (level != "debug" && level != "info" && level != "warn" && level != "error") {
      return Status::InvalidArgument("--log-level '" + level +
                                     "': want debug, info, warn or error");
    }
    options.log_level = level;
  }
  if (auto it = values.find("bus-curve-key"); it != values.end()) {
    if (it->second.empty()) return Status::InvalidArgument("--bus-curve-key must not be empty");
    options.bus_curve_key = it->second;
  }
  if (auto it = values.find("bus-curve-server-key"); it != values.end()) {
    for (const std::string& file : SplitComma(it->second)) {
      if (file.empty()) {
        return Status::InvalidArgument("--bus-curve-server-key '" + it->second +
                                       "': empty file name");
      }
      options.bus_curve_server_keys.push_back(file);
    }
  }
  if (options.bus_curve_key.empty() != options.bus_curve_server_keys.empty()) {
    return Status::InvalidArgument(
        "--bus-curve-key and --bus-curve-server-key go together (CURVE needs both)");
  }
  if (options.bus_curve_server_keys.size() > 1 &&
      options.bus_curve_server_keys.size() != options.bus.size()) {
    return Status::InvalidArgument(
        "--bus-curve-server-key: give one key file for all --bus endpoints, or one per endpoint");
  }
  return options;
}

}  // namespace shadekv::shadow
