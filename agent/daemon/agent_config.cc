// Flag values to AgentConfig, with etcd's defaults and clear errors.
#include "agent/daemon/agent_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <optional>
#include <set>

namespace shadekv::agent {
namespace {

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = Trim(text.substr(start, comma - start));
    if (!item.empty()) out.push_back(item);
    start = comma + 1;
  }
  return out;
}

Result<int64_t> ParseWhole(const std::string& flag, const std::string& value, int64_t min,
                           const char* what) {
  int64_t n = 0;
  const char* end = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), end, n);
  if (value.empty() || ec != std::errc() || ptr != end || n < min) {
    return Status::InvalidArgument("--" + flag + " '" + value + "': expected " + what);
  }
  return n;
}

// A Go time.Duration ("1m30s", "200ms", "1.5s"), in whole milliseconds.
// nullopt when it is not one or is not positive.
std::optional<std::chrono::milliseconds> ParseGoDuration(const std::string& text) {
  static const std::pair<const char*, double> kUnits[] = {
      {"ns", 1e-6}, {"us", 1e-3}, {"ms", 1}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}};
  double total = 0;
  size_t i = 0;
  if (text.empty()) return std::nullopt;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
      ++i;
    }
    if (i == start) return std::nullopt;
    double number = 0;
    try {
      number = std::stod(text.substr(start, i - start));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string unit = text.substr(unit_start, i - unit_start);
    bool known = false;
    for (const auto& [name, ms] : kUnits) {
      if (unit == name) {
        total += number * ms;
        known = true;
      }
    }
    if (!known) return std::nullopt;
  }
  if (total < 1 || total > 1e12) return std::nullopt;
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

// A client URL is http(s)://host:port; a peer URL is a ZeroMQ tcp:// endpoint.
Status CheckUrls(const std::string& flag, const std::vector<std::string>& urls,
                 const std::vector<std::string>& schemes, const char* example) {
  if (urls.empty())
    return Status::InvalidArgument("--" + flag + " is empty: give at least one URL");
  for (const std::string& url : urls) {
    bool scheme_ok = std::any_of(schemes.begin(), schemes.end(),
                                 [&](const std::string& s) { return url.rfind(s, 0) == 0; });
    size_t colon = url.rfind(':');
    bool has_port =
        colon != std::string::npos && colon > url.find("://") + 2 && colon + 1 < url.size();
    if (!scheme_ok || !has_port) {
      return Status::InvalidArgument("--" + flag + " '" + url + "': expected a URL like " +
                                     example);
    }
  }
  return Status::Ok();
}

// Go's strconv.ParseBool.
std::optional<bool> ParseGoBool(const std::string& v) {
  if (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False") {
    return false;
  }
  return std::nullopt;
}

bool IsPluginName(const std::string& name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool IsRepeatable(const std::string& name) {
  const std::vector<std::string>& r = RepeatableAgentFlagNames();
  return std::find(r.begin(), r.end(), name) != r.end();
}

bool IsSingleValued(const std::string& name) {
  const std::vector<std::string>& known = AgentFlagNames();
  return std::find(known.begin(), known.end(), name) != known.end();
}

std::string Unquote(std::string value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

// The config file's grammar:
//   file    = { line } ;  line = blank | "#" comment | key sep value | section
//   sep     = ":" | "=" ;  section = "[plugin " NAME "]"   (only with plugins)
// Plugin keys and sections are accepted only when `with_plugins`.
Result<FlagValues> ParseConfigFile(const std::string& path, bool with_plugins) {
  std::ifstream in(path);
  if (!in) {
    return Status::InvalidArgument("--config-file '" + path + "': cannot be read");
  }
  FlagValues values;
  std::string section;  // the plugin whose section we are in; empty before any
  bool section_has_path = false;
  int section_line = 0;
  auto end_section = [&]() -> Status {
    if (!section.empty() && !section_has_path) {
      return Status::InvalidArgument(path + ":" + std::to_string(section_line) +
                                     ": section [plugin " + section +
                                     "] has no 'path: FILE' line naming the plugin's .so");
    }
    return Status::Ok();
  };
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string where = path + ":" + std::to_string(number) + ": ";
    std::string text = Trim(line);
    if (text.empty() || text[0] == '#') continue;
    if (with_plugins && text.front() == '[' && text.back() == ']') {
      SHADEKV_RETURN_IF_ERROR(end_section());
      std::string inner = Trim(text.substr(1, text.size() - 2));
      std::string name = inner.rfind("plugin ", 0) == 0 ? Trim(inner.substr(7)) : "";
      if (!IsPluginName(name)) {
        return Status::InvalidArgument(where + "'" + text +
                                       "' is not a section; expected [plugin NAME] with NAME a "
                                       "plugin's name ([a-z0-9_-])");
      }
      section = name;
      section_has_path = false;
      section_line = number;
      continue;
    }
    size_t sep = text.find_first_of(":=");
    if (sep == std::string::npos) {
      return Status::InvalidArgument(where + "'" + text + "' is not 'key: value'");
    }
    std::string key = Trim(text.substr(0, sep));
    std::string value = Unquote(Trim(text.substr(sep + 1)));
    if (!section.empty()) {
      if (key.empty()) return Status::InvalidArgument(where + "'" + text + "' has no key");
      if (key == "path") {
        if (section_has_path) {
          return Status::InvalidArgument(where + "section [plugin " + section +
                                         "] gives 'path' twice; a section loads one plugin");
        }
        section_has_path = true;
        values["plugin"].push_back(value);
      } else {
        values["plugin-config"].push_back(section + "." + key + "=" + value);
      }
      continue;
    }
    bool repeatable = with_plugins && IsRepeatable(key);
    if (key == "config-file" || (!repeatable && !IsSingleValued(key))) {
      return Status::InvalidArgument(where + "unknown key '" + key + "'");
    }
    if (repeatable) {
      values[key].push_back(value);
    } else {
      values[key] = {value};
    }
  }
  SHADEKV_RETURN_IF_ERROR(end_section());
  return values;
}

}  // namespace

const std::vector<std::string>& AgentFlagNames() {
  static const std::vector<std::string> names = {
      "name",
      "data-dir",
      "listen-client-urls",
      "advertise-client-urls",
      "listen-peer-urls",
      "initial-advertise-peer-urls",
      "initial-cluster",
      "initial-cluster-state",
      "initial-cluster-token",
      "snapshot-count",
      "heartbeat-interval",
      "election-timeout",
      "lease-checkpoint-interval",
      "quota-backend-bytes",
      "max-request-bytes",
      "experimental-watch-progress-notify-interval",
      // Parsed by agent/maintenance/maintenance_flags.h (issue 10).
      "auto-compaction-mode",
      "auto-compaction-retention",
      "experimental-auto-compaction-revision-interval",
      "experimental-initial-corrupt-check",
      "experimental-corrupt-check-time",
      "auth-token-ttl",
      "log-level",
      "config-file",
      "peer-curve-key",
      "peer-curve-authorized",
      "cert-file",
      "key-file",
      "trusted-ca-file",
      "client-cert-auth",
  };
  return names;
}

const std::vector<std::string>& BoolAgentFlagNames() {
  static const std::vector<std::string> names = {"client-cert-auth"};
  return names;
}

bool ServesTls(const AgentConfig& config) {
  return std::any_of(config.listen_client_urls.begin(), config.listen_client_urls.end(),
                     [](const std::string& url) { return url.rfind("https://", 0) == 0; });
}

const std::vector<std::string>& RepeatableAgentFlagNames() {
  static const std::vector<std::string> names = {"plugin", "plugin-config"};
  return names;
}

Result<PluginConfigEntry> ParsePluginConfig(const std::string& text) {
  size_t dot = text.find('.');
  size_t eq = dot == std::string::npos ? std::string::npos : text.find('=', dot + 1);
  PluginConfigEntry e;
  if (eq != std::string::npos) {
    e = {text.substr(0, dot), text.substr(dot + 1, eq - dot - 1), text.substr(eq + 1)};
  }
  if (eq == std::string::npos || !IsPluginName(e.plugin) || e.key.empty()) {
    return Status::InvalidArgument(
        "--plugin-config '" + text +
        "': expected NAME.KEY=VALUE with NAME a plugin's name ([a-z0-9_-]), e.g. "
        "publisher.listen=tcp://127.0.0.1:2390");
  }
  return e;
}

Result<std::vector<InitialMember>> ParseInitialCluster(const std::string& text) {
  std::vector<InitialMember> members;
  for (const std::string& item : SplitList(text)) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      return Status::InvalidArgument("--initial-cluster '" + text + "': '" + item +
                                     "' is not name=URL (example: "
                                     "a=tcp://10.0.0.1:2380,b=tcp://10.0.0.2:2380)");
    }
    std::string name = item.substr(0, eq);
    std::string url = item.substr(eq + 1);
    auto same = std::find_if(members.begin(), members.end(),
                             [&](const InitialMember& m) { return m.name == name; });
    if (same == members.end()) {
      members.push_back({name, {url}});
    } else {
      same->peer_urls.push_back(url);
    }
  }
  if (members.empty()) {
    return Status::InvalidArgument("--initial-cluster is empty: list every member as name=URL");
  }
  std::set<std::string> seen_urls;
  for (const InitialMember& m : members) {
    SHADEKV_RETURN_IF_ERROR(
        CheckUrls("initial-cluster", m.peer_urls, {"tcp://"}, "tcp://10.0.0.1:2380"));
    for (const std::string& url : m.peer_urls) {
      if (!seen_urls.insert(url).second) {
        return Status::InvalidArgument("--initial-cluster '" + text + "': URL " + url +
                                       " is given for two members");
      }
    }
  }
  return members;
}

Result<AgentConfig> BuildAgentConfig(const std::map<std::string, std::string>& flags) {
  FlagValues values;
  for (const auto& [name, value] : flags) values[name].push_back(value);
  return BuildAgentConfigFromValues(values);
}

FlagValues MergeFlagValues(const FlagValues& file, const FlagValues& command_line) {
  FlagValues merged = file;
  for (const auto& [name, values] : command_line) {
    std::vector<std::string>& into = merged[name];
    if (!IsRepeatable(name)) into.clear();
    into.insert(into.end(), values.begin(), values.end());
  }
  return merged;
}

Result<AgentConfig> BuildAgentConfigFromValues(const FlagValues& all) {
  std::map<std::string, std::string> flags;  // single-valued flags: the last value
  for (const auto& [name, values] : all) {
    if (!IsSingleValued(name) && !IsRepeatable(name)) {
      return Status::InvalidArgument("unknown flag --" + name + " (see shadekv --help)");
    }
    if (!IsRepeatable(name) && !values.empty()) flags[name] = values.back();
  }
  auto get = [&](const std::string& name) -> const std::string* {
    auto it = flags.find(name);
    return it == flags.end() ? nullptr : &it->second;
  };

  AgentConfig c;
  if (const std::string* v = get("name")) {
    if (v->empty()) return Status::InvalidArgument("--name is empty: give this member a name");
    c.name = *v;
  }
  c.data_dir = get("data-dir") ? *get("data-dir") : c.name + ".shadekv";
  if (c.data_dir.empty()) return Status::InvalidArgument("--data-dir is empty");
  if (const std::string* v = get("listen-client-urls")) c.listen_client_urls = SplitList(*v);
  SHADEKV_RETURN_IF_ERROR(CheckUrls("listen-client-urls", c.listen_client_urls,
                                    {"http://", "https://"}, "http://127.0.0.1:2379"));
  c.advertise_client_urls = c.listen_client_urls;
  if (const std::string* v = get("advertise-client-urls")) c.advertise_client_urls = SplitList(*v);
  SHADEKV_RETURN_IF_ERROR(CheckUrls("advertise-client-urls", c.advertise_client_urls,
                                    {"http://", "https://"}, "http://10.0.0.1:2379"));
  if (const std::string* v = get("listen-peer-urls")) c.listen_peer_urls = SplitList(*v);
  SHADEKV_RETURN_IF_ERROR(
      CheckUrls("listen-peer-urls", c.listen_peer_urls, {"tcp://"}, "tcp://127.0.0.1:2380"));
  if (c.listen_peer_urls.size() != 1) {
    return Status::InvalidArgument(
        "--listen-peer-urls: shadekv listens for peers on exactly one ZeroMQ endpoint");
  }
  c.initial_advertise_peer_urls = c.listen_peer_urls;
  if (const std::string* v = get("initial-advertise-peer-urls")) {
    c.initial_advertise_peer_urls = SplitList(*v);
  }
  SHADEKV_RETURN_IF_ERROR(CheckUrls("initial-advertise-peer-urls", c.initial_advertise_peer_urls,
                                    {"tcp://"}, "tcp://10.0.0.1:2380"));
  if (const std::string* v = get("initial-cluster")) {
    SHADEKV_ASSIGN_OR_RETURN(c.initial_cluster, ParseInitialCluster(*v));
  } else {
    c.initial_cluster = {{c.name, c.initial_advertise_peer_urls}};
  }
  auto self = std::find_if(c.initial_cluster.begin(), c.initial_cluster.end(),
                           [&](const InitialMember& m) { return m.name == c.name; });
  if (self == c.initial_cluster.end()) {
    return Status::InvalidArgument("--initial-cluster does not list this member's --name '" +
                                   c.name + "': add " + c.name + "=<its peer URL>");
  }
  std::vector<std::string> mine = self->peer_urls;
  std::vector<std::string> advertised = c.initial_advertise_peer_urls;
  std::sort(mine.begin(), mine.end());
  std::sort(advertised.begin(), advertised.end());
  if (mine != advertised) {
    return Status::InvalidArgument("--initial-cluster gives member '" + c.name +
                                   "' other peer URLs than "
                                   "--initial-advertise-peer-urls: they must be the same");
  }
  if (const std::string* v = get("initial-cluster-state")) {
    if (*v != "new" && *v != "existing") {
      return Status::InvalidArgument("--initial-cluster-state '" + *v +
                                     "': expected new or existing");
    }
    c.initial_cluster_new = *v == "new";
  }
  if (const std::string* v = get("initial-cluster-token")) {
    if (v->empty()) return Status::InvalidArgument("--initial-cluster-token is empty");
    c.initial_cluster_token = *v;
  }
  if (const std::string* v = get("snapshot-count")) {
    SHADEKV_ASSIGN_OR_RETURN(int64_t n,
                             ParseWhole("snapshot-count", *v, 1, "a positive number of entries"));
    c.snapshot_count = static_cast<uint64_t>(n);
  }
  if (const std::string* v = get("heartbeat-interval")) {
    SHADEKV_ASSIGN_OR_RETURN(
        int64_t ms, ParseWhole("heartbeat-interval", *v, 1, "a whole number of milliseconds"));
    c.heartbeat_interval = std::chrono::milliseconds(ms);
  }
  if (const std::string* v = get("election-timeout")) {
    SHADEKV_ASSIGN_OR_RETURN(
        int64_t ms, ParseWhole("election-timeout", *v, 1, "a whole number of milliseconds"));
    c.election_timeout = std::chrono::milliseconds(ms);
  }
  if (const std::string* v = get("lease-checkpoint-interval")) {
    SHADEKV_ASSIGN_OR_RETURN(int64_t ms,
                             ParseWhole("lease-checkpoint-interval", *v, 0,
                                        "a whole number of milliseconds (0 disables checkpoints)"));
    c.lease_checkpoint_interval = std::chrono::milliseconds(ms);
  }
  // etcd's rule: the election timeout must be at least 5 heartbeats.
  if (c.election_timeout < 5 * c.heartbeat_interval) {
    return Status::InvalidArgument("--election-timeout (" +
                                   std::to_string(c.election_timeout.count()) +
                                   " ms) must be at least 5 times --heartbeat-interval (" +
                                   std::to_string(c.heartbeat_interval.count()) + " ms)");
  }
  if (const std::string* v = get("quota-backend-bytes")) {
    SHADEKV_ASSIGN_OR_RETURN(c.quota_backend_bytes,
                             ParseWhole("quota-backend-bytes", *v, 0, "a number of bytes"));
  }
  if (const std::string* v = get("max-request-bytes")) {
    SHADEKV_ASSIGN_OR_RETURN(c.max_request_bytes,
                             ParseWhole("max-request-bytes", *v, 1, "a positive number of bytes"));
  }
  if (const std::string* v = get("experimental-watch-progress-notify-interval")) {
    std::optional<std::chrono::milliseconds> d = ParseGoDuration(*v);
    if (!d) {
      return Status::InvalidArgument("--experimental-watch-progress-notify-interval '" + *v +
                                     "': expected a positive duration like 10m or 200ms");
    }
    c.watch_progress_notify_interval = *d;
  }
  // CURVE on peer links: both or neither (a key without an allow list would
  // accept any client; an allow list without a key encrypts nothing). The
  // files are read by main.cc, so this stays free of I/O.
  if (const std::string* v = get("peer-curve-key")) c.peer_curve_key = *v;
  if (const std::string* v = get("peer-curve-authorized")) c.peer_curve_authorized = *v;
  if (c.peer_curve_key.empty() != c.peer_curve_authorized.empty()) {
    return Status::InvalidArgument(
        "--peer-curve-key and --peer-curve-authorized go together: give both (CURVE on peer "
        "links) or neither");
  }
  if (const std::string* v = get("auth-token-ttl")) {
    constexpr const char* kWhat = "a positive number of seconds, at most 315360000 (10 years)";
    SHADEKV_ASSIGN_OR_RETURN(c.auth_token_ttl_seconds, ParseWhole("auth-token-ttl", *v, 1, kWhat));
    // Bounded so that now + TTL can never overflow a token's expiry.
    if (c.auth_token_ttl_seconds > 315360000) {
      return Status::InvalidArgument("--auth-token-ttl '" + *v + "': expected " + kWhat);
    }
  }
  if (const std::string* v = get("log-level")) {
    if (*v != "debug" && *v != "info" && *v != "warn" && *v != "error") {
      return Status::InvalidArgument("--log-level '" + *v +
                                     "': expected debug, info, warn or error");
    }
    c.log_level = *v;
  }
  if (const std::string* v = get("cert-file")) c.cert_file = *v;
  if (const std::string* v = get("key-file")) c.key_file = *v;
  if (const std::string* v = get("trusted-ca-file")) c.trusted_ca_file = *v;
  if (const std::string* v = get("client-cert-auth")) {
    std::optional<bool> b = ParseGoBool(*v);
    if (!b)
      return Status::InvalidArgument("--client-cert-auth '" + *v + "': expected true or false");
    c.client_cert_auth = *b;
  }
  for (const std::string& url : c.listen_client_urls) {
    // etcd's rule and words.
    if (url.rfind("https://", 0) == 0 && (c.cert_file.empty() || c.key_file.empty())) {
      return Status::InvalidArgument(
          "TLS key/cert (--cert-file, --key-file) must be provided for "
          "client url " +
          url + " with HTTPS scheme");
    }
  }
  if (ServesTls(c) && c.client_cert_auth && c.trusted_ca_file.empty()) {
    return Status::InvalidArgument(
        "--client-cert-auth needs --trusted-ca-file: the CA that signs client certificates");
  }
  if (auto it = all.find("plugin"); it != all.end()) {
    for (const std::string& path : it->second) {
      if (Trim(path).empty()) {
        return Status::InvalidArgument("--plugin is empty: give a plugin's .so path");
      }
      c.plugins.push_back(path);
    }
  }
  if (auto it = all.find("plugin-config"); it != all.end()) {
    for (const std::string& text : it->second) {
      SHADEKV_ASSIGN_OR_RETURN(PluginConfigEntry e, ParsePluginConfig(text));
      c.plugin_config.push_back(std::move(e));
    }
  }
  return c;
}

Result<std::map<std::string, std::string>> ReadConfigFile(const std::string& path) {
  SHADEKV_ASSIGN_OR_RETURN(FlagValues all, ParseConfigFile(path, /*with_plugins=*/false));
  std::map<std::string, std::string> values;
  for (const auto& [name, list] : all) values[name] = list.back();
  return values;
}

Result<FlagValues> ReadConfigFileValues(const std::string& path) {
  return ParseConfigFile(path, /*with_plugins=*/true);
}

}  // namespace shadekv::agent
