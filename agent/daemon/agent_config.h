// The agent's configuration: etcd's flags, their defaults, and validation.
//
// Values come from the command line and optionally a config file
// (--config-file, "key: value" lines with the flag names as keys, like
// etcd's YAML config for flat keys); the command line wins. Plugins are the
// exception to "one value per flag": --plugin and --plugin-config repeat,
// and the config file may also give each plugin a section:
//
//   [plugin publisher]
//   path: build/plugins/libshadekv_publisher.so
//   listen: tcp://127.0.0.1:2390
//
// which means `--plugin build/plugins/libshadekv_publisher.so
// --plugin-config publisher.listen=tcp://127.0.0.1:2390`. Everything here
// is pure: parsing and checking, no sockets and no files except reading the
// config file.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::agent {

struct InitialMember {
  std::string name;
  std::vector<std::string> peer_urls;
};

// `--plugin-config NAME.KEY=VALUE`, split: NAME is the plugin's descriptor
// name, VALUE may contain '=' and '.'.
struct PluginConfigEntry {
  std::string plugin;
  std::string key;
  std::string value;

  friend bool operator==(const PluginConfigEntry&, const PluginConfigEntry&) = default;
};

struct AgentConfig {
  std::string name = "default";
  std::string data_dir;  // default: "<name>.shadekv" in the working directory
  std::vector<std::string> listen_client_urls = {"http://127.0.0.1:2379"};
  std::vector<std::string> advertise_client_urls;  // default: listen_client_urls
  std::vector<std::string> listen_peer_urls = {"tcp://127.0.0.1:2380"};
  std::vector<std::string> initial_advertise_peer_urls;  // default: listen_peer_urls
  std::vector<InitialMember> initial_cluster;            // default: this member alone
  bool initial_cluster_new = true;                       // --initial-cluster-state new|existing
  std::string initial_cluster_token = "shadekv-cluster";
  uint64_t snapshot_count = 100000;
  std::chrono::milliseconds heartbeat_interval{100};
  std::chrono::milliseconds election_timeout{1000};
  // How often the leader checkpoints long leases' remaining TTLs (etcd's
  // --experimental-lease-checkpoint-interval); 0 turns checkpoints off.
  std::chrono::milliseconds lease_checkpoint_interval{std::chrono::minutes(5)};
  int64_t quota_backend_bytes = 2LL << 30;
  int64_t max_request_bytes = 1536 * 1024;
  // --experimental-watch-progress-notify-interval, a Go duration ("10m", "200ms").
  std::chrono::milliseconds watch_progress_notify_interval{10 * 60 * 1000};
  // --auth-token-ttl: seconds an auth token stays valid (etcd's default 300).
  int64_t auth_token_ttl_seconds = 300;
  std::string log_level = "info";  // debug | info | warn | error
  // TLS on the client API (etcd's flags and semantics). Used only for the
  // https listen URLs; with none, the files are ignored (etcd warns, so do
  // we). An https listen URL needs cert_file and key_file.
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;    // alone, it already makes client certs required
  bool client_cert_auth = false;  // needs trusted_ca_file
  // Shared objects to load (--plugin, repeatable), in order; checked by the
  // plugin host when it loads them, not here.
  std::vector<std::string> plugins;
  // --plugin-config entries, in the order given (a later entry for the same
  // NAME.KEY wins by the ABI's convention).
  std::vector<PluginConfigEntry> plugin_config;
  // CURVE on peer links (agent/transport/peer_curve.h), both or neither:
  // --peer-curve-key PREFIX (PREFIX.key, this member's keypair) and
  // --peer-curve-authorized FILE|DIR (the members' public keys, labelled by
  // member name or peer URL). Empty: plaintext peer links.
  std::string peer_curve_key;
  std::string peer_curve_authorized;
};

// Every value of every flag, in the order given.
using FlagValues = std::map<std::string, std::vector<std::string>>;

// Every single-valued flag the agent accepts (long names, without dashes):
// given twice, the last one wins. Used to reject unknown flags and unknown
// config-file keys with a clear message.
const std::vector<std::string>& AgentFlagNames();

// The single-valued flags that are booleans ("client-cert-auth"): given
// without a value they mean true; with one it is Go's ParseBool syntax.
const std::vector<std::string>& BoolAgentFlagNames();

// Whether any listen client URL is https (TLS settings are then used).
bool ServesTls(const AgentConfig& config);

// The flags that may be given several times, every value counting:
// "plugin" and "plugin-config". Kept apart from AgentFlagNames so a caller
// that collects one value per flag cannot silently lose plugins: it rejects
// them as unknown instead.
const std::vector<std::string>& RepeatableAgentFlagNames();

// Builds a config from flag values (name -> value, last one given wins)
// layered over defaults. Errors are kInvalidArgument naming the flag, the
// value and what is expected, e.g.
// "--heartbeat-interval 'abc': expected a whole number of milliseconds".
Result<AgentConfig> BuildAgentConfig(const std::map<std::string, std::string>& flags);

// The same with every value of every flag: single-valued flags take their
// last value; repeatable ones take all, in order. Plugin errors:
// "--plugin is empty: give a plugin's .so path",
// "--plugin-config 'x': expected NAME.KEY=VALUE, e.g. publisher.listen=...".
Result<AgentConfig> BuildAgentConfigFromValues(const FlagValues& flags);

// Config-file values under command-line values: a single-valued flag on the
// command line replaces the file's; repeatable flags add up, the file's
// first.
FlagValues MergeFlagValues(const FlagValues& file, const FlagValues& command_line);

// "NAME.KEY=VALUE" -> {NAME, KEY, VALUE}; NAME is [a-z0-9_-]+, KEY non-empty.
Result<PluginConfigEntry> ParsePluginConfig(const std::string& text);

// Reads "key: value" / "key = value" lines (# comments, blank lines) into
// flag values. Unknown keys and unreadable files are errors naming the file.
// Repeatable keys and [plugin NAME] sections are not accepted here (see
// ReadConfigFileValues): they would be lost, so they are unknown keys.
Result<std::map<std::string, std::string>> ReadConfigFile(const std::string& path);

// Like ReadConfigFile, plus repeatable keys ("plugin: PATH",
// "plugin-config: NAME.KEY=VALUE", each on its own line, any number) and
// "[plugin NAME]" sections (see the top of this file). Inside a section,
// "path" is the plugin's file (required, once) and every other key is one
// of its config entries; a section ends at the next section or the end of
// the file, so single-valued keys must come before the first section.
Result<FlagValues> ReadConfigFileValues(const std::string& path);

// "a=tcp://10.0.0.1:2380,b=tcp://10.0.0.2:2380"; a name may repeat to give a
// member several URLs (as in etcd).
Result<std::vector<InitialMember>> ParseInitialCluster(const std::string& text);

}  // namespace shadekv::agent
