// The agent's configuration: etcd's flags, their defaults, and validation.
//
// Values come from the command line and optionally a config file
// (--config-file, "key: value" lines with the flag names as keys, like
// etcd's YAML config for flat keys); the command line wins. Everything here
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
  std::string log_level = "info";  // debug | info | warn | error
};

// Every flag the agent accepts (long names, without dashes). Used to reject
// unknown flags and unknown config-file keys with a clear message.
const std::vector<std::string>& AgentFlagNames();

// Builds a config from flag values (name -> value, last one given wins)
// layered over defaults. Errors are kInvalidArgument naming the flag, the
// value and what is expected, e.g.
// "--heartbeat-interval 'abc': expected a whole number of milliseconds".
Result<AgentConfig> BuildAgentConfig(const std::map<std::string, std::string>& flags);

// Reads "key: value" / "key = value" lines (# comments, blank lines) into
// flag values. Unknown keys and unreadable files are errors naming the file.
Result<std::map<std::string, std::string>> ReadConfigFile(const std::string& path);

// "a=tcp://10.0.0.1:2380,b=tcp://10.0.0.2:2380"; a name may repeat to give a
// member several URLs (as in etcd).
Result<std::vector<InitialMember>> ParseInitialCluster(const std::string& text);

}  // namespace shadekv::agent
