// shadekv: the agent daemon. With no flags it starts a single-member cluster
// on 127.0.0.1:2379 (clients) and 127.0.0.1:2380 (peers), like etcd.
#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/PatternFormatter.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "agent/api/client_api.h"
#include "agent/api/lease_forward.h"
#include "agent/api/member_http.h"
#include "agent/api/tls_context.h"
#include "agent/ctl/flags.h"
#include "agent/daemon/agent_config.h"
#include "agent/maintenance/auto_compactor.h"
#include "agent/maintenance/corruption_checker.h"
#include "agent/maintenance/maintenance_flags.h"
#include "agent/server/agent_host_services.h"
#include "agent/server/alarm_rules.h"
#include "agent/server/event_envelope.h"
#include "agent/server/member.h"
#include "agent/server/member_directory.h"
#include "agent/transport/peer_curve.h"
#include "shadekv/bus/codec.h"
#include "shadekv/bus/curve_keys.h"
#include "shadekv/plugin_host/plugin_host.h"

namespace {

using shadekv::Result;
using shadekv::Status;

constexpr char kUsage[] = R"(Usage: shadekv [flags]

Starts a shadekv member. With no flags: a single-member cluster serving
clients on http://127.0.0.1:2379 and peers on tcp://127.0.0.1:2380, with data
in ./default.shadekv. Every flag can also be set in --config-file as
"flag-name: value".

  --name NAME                        member name (default "default")
  --data-dir DIR                     data directory (default "<name>.shadekv")
  --listen-client-urls URLS          http(s)://host:port[,...] (default http://127.0.0.1:2379)
  --advertise-client-urls URLS       client URLs told to others (default: the listen URLs)
  --listen-peer-urls URL             ZeroMQ endpoint for peers (default tcp://127.0.0.1:2380)
  --initial-advertise-peer-urls URLS peer URLs told to others (default: the listen URL)
  --initial-cluster LIST             name=tcp://host:port,... of every initial member
  --initial-cluster-state STATE      new (default) or existing (joining after member add)
  --initial-cluster-token TOKEN      cluster identity shared by its members
  --snapshot-count N                 applied entries between Raft log compactions (100000)
  --heartbeat-interval MS            Raft heartbeat interval (100)
  --election-timeout MS              Raft election timeout (1000)
  --lease-checkpoint-interval MS     lease remaining-TTL checkpoints (300000; 0: off)
  --quota-backend-bytes N            store size quota, 0 = default (2 GiB)
  --max-request-bytes N              largest client request (1572864)
  --experimental-watch-progress-notify-interval D
                                     progress notifications to progress_notify watchers (10m)
  --auto-compaction-mode MODE        periodic (default) or revision
  --auto-compaction-retention R      periodic: a duration (1h, 30m) or whole hours;
                                     revision: revisions to keep (0, default: off)
  --experimental-auto-compaction-revision-interval D
                                     how often revision mode compacts (5m)
  --experimental-initial-corrupt-check
                                     compare hashkv with every peer before serving;
                                     refuse to start on a mismatch (off)
  --experimental-corrupt-check-time D
                                     leader's periodic hashkv comparison (0: off)
  --auth-token-ttl SECONDS           lifetime of auth tokens (300)
  --plugin PATH                      load a plugin (.so); repeatable
  --plugin-config NAME.KEY=VALUE     a setting for plugin NAME; repeatable
  --peer-curve-key PREFIX            CURVE on peer links: this member's keypair (PREFIX.key)
  --peer-curve-authorized FILE|DIR   the members' public keys (labelled by member name)
  --cert-file FILE                   TLS certificate for https client URLs (PEM)
  --key-file FILE                    its private key (PEM, unencrypted)
  --trusted-ca-file FILE             CA for client certificates; makes them required
  --client-cert-auth                 require client certificates (needs --trusted-ca-file)
  --log-level LEVEL                  debug, info (default), warn, error
  --config-file FILE                 read flags from FILE; the command line wins
  --help, --version
)";

void SetUpLogging(const std::string& level) {
  Poco::AutoPtr<Poco::PatternFormatter> format(
      new Poco::PatternFormatter("%Y-%m-%d %H:%M:%S.%i %q %s: %t"));
  format->setProperty("times", "UTC");
  Poco::AutoPtr<Poco::FormattingChannel> channel(
      new Poco::FormattingChannel(format, new Poco::ConsoleChannel(std::cerr)));
  Poco::Logger& root = Poco::Logger::root();
  root.setChannel(channel);
  // Poco's names for etcd's levels.
  root.setLevel(level == "warn" ? "warning" : level == "info" ? "information" : level);
  for (const char* name : {"shadekv.raft", "shadekv.transport", "shadekv.member", "shadekv.apply",
                           "shadekv.maintenance", "shadekv"}) {
    Poco::Logger::get(name).setChannel(channel);
    Poco::Logger::get(name).setLevel(root.getLevel());
  }
}

int Fail(const Status& status) {
  std::fprintf(stderr, "shadekv: error: %s\n", status.message().c_str());
  return 1;
}

Result<shadekv::agent::FlagValues> CollectFlags(int argc, char** argv, bool* help, bool* version) {
  std::vector<shadekv::ctl::FlagSpec> specs;
  const std::vector<std::string>& bools = shadekv::agent::BoolAgentFlagNames();
  for (const std::string& name : shadekv::agent::AgentFlagNames()) {
    // A bool flag may be given bare (--client-cert-auth,
    // --experimental-initial-corrupt-check).
    const bool is_bool = std::find(bools.begin(), bools.end(), name) != bools.end() ||
                         shadekv::maintenance::IsMaintenanceBoolFlag(name);
    specs.push_back(
        {name, 0, is_bool ? shadekv::ctl::FlagKind::kBool : shadekv::ctl::FlagKind::kString});
  }
  for (const std::string& name : shadekv::agent::RepeatableAgentFlagNames()) {
    specs.push_back({name, 0, shadekv::ctl::FlagKind::kString});
  }
  specs.push_back({"help", 'h', shadekv::ctl::FlagKind::kBool});
  specs.push_back({"version", 0, shadekv::ctl::FlagKind::kBool});
  std::vector<std::string> args(argv + 1, argv + argc);
  SHADEKV_ASSIGN_OR_RETURN(shadekv::ctl::ParsedFlags parsed, shadekv::ctl::ParseFlags(args, specs));
  if (!parsed.positionals.empty()) {
    return Status::InvalidArgument("unexpected argument '" + parsed.positionals[0] +
                                   "': shadekv takes only flags (see shadekv --help)");
  }
  *help = parsed.GetBool("help");
  *version = parsed.GetBool("version");
  shadekv::agent::FlagValues file;
  if (parsed.Has("config-file")) {
    SHADEKV_ASSIGN_OR_RETURN(file, shadekv::agent::ReadConfigFileValues(parsed.Get("config-file")));
  }
  shadekv::agent::FlagValues command_line;
  for (const std::string& name : parsed.Names()) {
    if (name != "help" && name != "version" && name != "config-file") {
      command_line[name] = parsed.GetAll(name);
    }
  }
  return shadekv::agent::MergeFlagValues(file, command_line);
}

// Loads the configured plugins (none: a host with no plugin). `services`
// must outlive the host.
Result<std::unique_ptr<shadekv::plugin_host::PluginHost>> LoadPlugins(
    const shadekv::agent::AgentConfig& config, shadekv::plugin_host::HostServices* services) {
  std::vector<shadekv::plugin_host::PluginSetting> settings;
  for (const shadekv::agent::PluginConfigEntry& entry : config.plugin_config) {
    settings.push_back({entry.plugin, entry.key, entry.value});
  }
  return shadekv::plugin_host::PluginHost::Load(config.plugins, settings, services);
}

// How long a corruption check waits for one peer's hashkv.
constexpr std::chrono::milliseconds kPeerHashTimeout{5000};

// The member as the corruption checks see it: its hash, its peers' client
// URLs, and hashkv calls to them.
shadekv::maintenance::CorruptionCheckHooks CorruptionHooksFor(shadekv::agent::Member* member,
                                                              const std::string& name) {
  namespace m = shadekv::maintenance;
  m::CorruptionCheckHooks hooks;
  hooks.self_id = member->id();
  hooks.self_name = name;
  hooks.current_revision = [member] { return member->CurrentRevision(); };
  hooks.is_leader = [member] { return member->IsLeader(); };
  hooks.local_hash = [member](int64_t revision) -> Result<m::HashReport> {
    SHADEKV_ASSIGN_OR_RETURN(shadekv::store::HashResult h, member->HashKv(revision));
    m::HashReport r;
    r.revision = h.revision;
    r.compact_revision = h.compact_revision;
    r.hash = h.hash;
    return r;
  };
  hooks.peers = [member]() -> Result<std::vector<m::PeerEndpoint>> {
    SHADEKV_ASSIGN_OR_RETURN(std::vector<shadekv::agent::MemberRecord> members, member->Members());
    std::vector<m::PeerEndpoint> peers;
    for (const shadekv::agent::MemberRecord& r : members) {
      if (r.id == member->id() || r.client_urls.empty()) continue;
      peers.push_back({r.id, r.name, r.client_urls[0]});
    }
    return peers;
  };
  hooks.fetch = [member](const std::string& url, int64_t revision) -> Result<m::PeerHashAnswer> {
    // With auth on, hashkv is root's: the member vouches for itself with a
    // short-lived token signed by the cluster's shared auth secret.
    SHADEKV_ASSIGN_OR_RETURN(
        shadekv::api::RemoteHash h,
        shadekv::api::FetchHashKv(url, revision, kPeerHashTimeout,
                                  member->InternalRootToken(std::chrono::seconds(60))));
    return m::PeerHashAnswer{h.member_id, h.current_revision, h.compact_revision, h.hash};
  };
  return hooks;
}

// Reads the peer CURVE key files named by the flags and matches the
// authorized keys to the --initial-cluster members (peer_curve.h).
Result<shadekv::agent::PeerCurveOptions> LoadPeerCurve(const shadekv::agent::AgentConfig& config) {
  Result<shadekv::bus::CurveKeyPair> keys = shadekv::bus::LoadCurveKeyPair(config.peer_curve_key);
  if (!keys.ok()) return keys.status().WithContext("--peer-curve-key");
  Result<std::vector<shadekv::bus::AuthorizedKey>> authorized =
      shadekv::bus::LoadAuthorizedKeys(config.peer_curve_authorized);
  if (!authorized.ok()) return authorized.status().WithContext("--peer-curve-authorized");
  std::vector<shadekv::agent::PeerCurveMember> members;
  for (const shadekv::agent::InitialMember& m : config.initial_cluster) {
    members.push_back({m.name, m.peer_urls});
  }
  return shadekv::agent::BuildPeerCurveOptions(*keys, *authorized, members, config.name);
}

// The server context for the https listen URLs and the client context this
// member uses to reach other members' https client URLs (null, null when no
// listen URL is https). Like etcd, the member presents its own certificate
// as a client certificate and trusts --trusted-ca-file (or the system's CAs).
Status MakeTlsContexts(const shadekv::agent::AgentConfig& config, Poco::Logger& log,
                       Poco::Net::Context::Ptr* server, Poco::Net::Context::Ptr* client) {
  if (!shadekv::agent::ServesTls(config)) {
    if (!config.cert_file.empty() || !config.key_file.empty()) {
      log.warning(
          "no client URL is https while key/cert files are given: TLS is off and the "
          "key/cert files are ignored (like etcd)");
    }
    return Status::Ok();
  }
  shadekv::tls::ServerTlsFiles files;
  files.cert_file = config.cert_file;
  files.key_file = config.key_file;
  files.trusted_ca_file = config.trusted_ca_file;
  files.client_cert_auth = config.client_cert_auth;
  SHADEKV_ASSIGN_OR_RETURN(*server, shadekv::tls::NewServerContext(files));
  shadekv::tls::ClientTlsFiles peer;
  peer.ca_file = config.trusted_ca_file;
  peer.cert_file = config.cert_file;
  peer.key_file = config.key_file;
  peer.names = shadekv::tls::kServerFlagNames;
  SHADEKV_ASSIGN_OR_RETURN(*client, shadekv::tls::NewClientContext(peer));
  log.information("client TLS: cert = " + config.cert_file + ", key = " + config.key_file +
                  ", trusted-ca = " + config.trusted_ca_file +
                  ", client-cert-auth = " + (files.RequiresClientCert() ? "true" : "false"));
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  bool help = false;
  bool version = false;
  Result<shadekv::agent::FlagValues> flags = CollectFlags(argc, argv, &help, &version);
  if (!flags.ok()) return Fail(flags.status());
  if (help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (version) {
    std::puts("shadekv 0.1.0 (etcd API 3.4)");
    return 0;
  }
  Result<shadekv::agent::AgentConfig> config = shadekv::agent::BuildAgentConfigFromValues(*flags);
  if (!config.ok()) return Fail(config.status());
  Result<shadekv::maintenance::MaintenanceConfig> maintenance =
      shadekv::maintenance::ParseMaintenanceFlags(*flags);
  if (!maintenance.ok()) return Fail(maintenance.status());
  SetUpLogging(config->log_level);
  Poco::Logger& log = Poco::Logger::get("shadekv");
  // Bad certificate files stop us before anything is bound or started.
  Poco::Net::Context::Ptr server_tls;
  Poco::Net::Context::Ptr forwarding_tls;
  if (Status tls = MakeTlsContexts(*config, log, &server_tls, &forwarding_tls); !tls.ok()) {
    return Fail(tls);
  }
  shadekv::api::SetMemberClientTls(forwarding_tls);

  // Block the stop signals before any thread starts, then wait for them here.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  shadekv::agent::MemberOptions options;
  options.name = config->name;
  options.data_dir = config->data_dir;
  options.listen_peer_url = config->listen_peer_urls[0];
  options.advertise_peer_urls = config->initial_advertise_peer_urls;
  options.advertise_client_urls = config->advertise_client_urls;
  options.new_cluster = config->initial_cluster_new;
  options.cluster_token = config->initial_cluster_token;
  options.member_id = shadekv::agent::ComputeMemberId(config->initial_advertise_peer_urls,
                                                      config->initial_cluster_token);
  options.cluster_id = shadekv::agent::ComputeClusterId(config->initial_cluster_token);
  for (const shadekv::agent::InitialMember& m : config->initial_cluster) {
    shadekv::agent::MemberRecord record;
    record.id = shadekv::agent::ComputeMemberId(m.peer_urls, config->initial_cluster_token);
    record.name = m.name;
    record.peer_urls = m.peer_urls;
    options.initial_members.push_back(record);
  }
  options.heartbeat_interval = config->heartbeat_interval;
  options.election_timeout = config->election_timeout;
  options.lease_checkpoint_interval = config->lease_checkpoint_interval;
  options.snapshot_count = config->snapshot_count;
  options.max_request_bytes = static_cast<uint64_t>(config->max_request_bytes);
  options.quota_backend_bytes = static_cast<uint64_t>(config->quota_backend_bytes);
  if (shadekv::agent::EffectiveQuotaBytes(options.quota_backend_bytes) >
      shadekv::agent::kMaxSuggestedQuotaBackendBytes) {
    // etcd's warning, with its threshold.
    log.warning("--quota-backend-bytes " + std::to_string(config->quota_backend_bytes) +
                " exceeds the maximum recommended quota of 8 GiB");
  }
  options.watch_progress_notify_interval = config->watch_progress_notify_interval;
  if (!config->peer_curve_key.empty()) {
    Result<shadekv::agent::PeerCurveOptions> curve = LoadPeerCurve(*config);
    if (!curve.ok()) return Fail(curve.status());
    options.peer_curve = std::move(curve).value();
    log.information("peer links use CURVE; " +
                    std::to_string(options.peer_curve->authorized_client_keys.size()) +
                    " authorized member keys");
  }
  options.auth_token_ttl = std::chrono::seconds(config->auth_token_ttl_seconds);

  // Plugins load before the member starts, so a bad plugin stops us before
  // we bind anything and no applied revision escapes them. Their history
  // calls answer kUnavailable until the member's store is attached below.
  shadekv::agent::AgentHostServices services;
  Result<std::unique_ptr<shadekv::plugin_host::PluginHost>> plugins =
      LoadPlugins(*config, &services);
  if (!plugins.ok()) return Fail(plugins.status());
  shadekv::plugin_host::PluginHost* host = plugins->get();
  shadekv::maintenance::CorruptionCheckStats corruption_stats;
  options.append_metrics = [&corruption_stats](std::string* out) {
    corruption_stats.AppendPrometheus(out);
  };
  if (host->plugin_count() > 0) {
    // On the apply thread: one encoding, then a non-blocking hand-off to
    // each plugin's bounded queue.
    options.on_event = [host](const shadekv::store::ChangeEvent& event,
                              const shadekv::agent::RaftEntry& entry) {
      host->PublishEvent(event.revision,
                         shadekv::agent::EncodeLiveEvent(event, shadekv::agent::EnvelopeOf(entry)));
    };
    options.append_metrics = [host, &corruption_stats](std::string* out) {
      host->AppendMetrics(out);
      corruption_stats.AppendPrometheus(out);
    };
    for (const shadekv::plugin_host::PluginStats& stats : host->Stats()) {
      log.information("plugin " + stats.name + " loaded from " + stats.path);
    }
  }

  Result<std::unique_ptr<shadekv::agent::Member>> member = shadekv::agent::Member::Start(options);
  if (!member.ok()) return Fail(member.status());
  services.Attach(&(*member)->state_machine());
  services.SetIdentity((*member)->id(), (*member)->cluster_id());
  // Nothing may publish once the plugins shut down, and plugins may read the
  // store until then: the apply loop stops first (the API before it), then
  // the plugins, and only then does the store close.
  // The maintenance loops use the member: they stop before it does.
  std::unique_ptr<shadekv::maintenance::AutoCompactor> compactor;
  std::unique_ptr<shadekv::maintenance::CorruptionChecker> corruption_checker;
  auto stop_member_and_plugins = [&] {
    if (corruption_checker) corruption_checker->Stop();
    if (compactor) compactor->Stop();
    (*member)->Stop();
    host->Shutdown();
    member->reset();
  };

  // Like etcd, serve clients only once this member has joined: its name and
  // client URLs are applied through Raft, so a leader exists and the log is
  // flowing. Serving starts the moment the name is applied (a lone member
  // or a new cluster gets there within milliseconds); a stop signal, looked
  // for between waits, still ends the wait.
  const timespec no_wait{0, 0};
  bool said_waiting = false;
  auto waiting_since = std::chrono::steady_clock::now();
  while (!(*member)->WaitPublished(std::chrono::milliseconds(10))) {
    if (sigtimedwait(&stop_signals, nullptr, &no_wait) > 0) {
      log.information("stop signal received before joining the cluster; stopping");
      stop_member_and_plugins();
      return 0;
    }
    if (!said_waiting &&
        std::chrono::steady_clock::now() - waiting_since > std::chrono::seconds(2)) {
      log.information("waiting for a leader to join the cluster before serving clients");
      said_waiting = true;
    }
  }

  Poco::Logger& maintenance_log = Poco::Logger::get("shadekv.maintenance");
  shadekv::agent::Member* running = member->get();
  if (maintenance->initial_corrupt_check) {
    // etcd checks before serving clients and refuses to start on a mismatch.
    Status check = shadekv::maintenance::InitialCorruptionCheck(
        CorruptionHooksFor(running, config->name), maintenance_log);
    if (!check.ok()) {
      maintenance_log.critical(check.message());
      stop_member_and_plugins();
      return Fail(check);
    }
  }
  // A mismatch raises the replicated CORRUPT alarm for the member with the
  // minority hash: every member then refuses writes until an operator
  // repairs it (docs/runbooks/corrupt-member.md) and disarms the alarm.
  shadekv::maintenance::CorruptionCallback on_corruption =
      [&maintenance_log, running](uint64_t member_id, int64_t revision, const std::string& detail) {
        maintenance_log.error("raising the CORRUPT alarm for member " +
                              shadekv::maintenance::MemberIdHex(member_id) + " at revision " +
                              std::to_string(revision) + ": " + detail);
        Status raised = running->ActivateAlarm(member_id, shadekv::agent::AlarmType::kCorrupt);
        if (!raised.ok()) {
          maintenance_log.error("could not raise the CORRUPT alarm (the next check retries): " +
                                raised.message());
        }
      };
  corruption_checker = shadekv::maintenance::CorruptionChecker::Start(
      maintenance->corrupt_check_interval, CorruptionHooksFor(running, config->name), on_corruption,
      &corruption_stats, maintenance_log);
  shadekv::maintenance::AutoCompactorHooks compaction_hooks;
  compaction_hooks.current_revision = [running] { return running->CurrentRevision(); };
  compaction_hooks.is_leader = [running] { return running->IsLeader(); };
  compaction_hooks.compact = [running](int64_t revision) -> Status {
    shadekv::store::CompactionRequest request;
    request.revision = revision;
    shadekv::agent::RequestOrigin origin;
    origin.user = "";
    origin.client_address = "auto-compaction";
    return running->Compact(request, origin).status();
  };
  compactor =
      shadekv::maintenance::AutoCompactor::Start(*maintenance, compaction_hooks, maintenance_log);

  shadekv::api::ClientApiOptions api_options;
  api_options.listen_urls = config->listen_client_urls;
  api_options.tls_context = server_tls;
  api_options.max_request_bytes = static_cast<size_t>(config->max_request_bytes);
  if (host->plugin_count() > 0) {
    // On the HTTP thread that served the request; same non-blocking hand-off.
    api_options.on_request = [host](const shadekv::bus::RequestRecord& record) {
      host->PublishRequest(shadekv::bus::EncodeRequestRecord(record));
    };
  }
  Result<std::unique_ptr<shadekv::api::ClientApi>> api =
      shadekv::api::ClientApi::Start(api_options, member->get());
  if (!api.ok()) {
    stop_member_and_plugins();
    return Fail(api.status());
  }

  std::string urls;
  for (const std::string& url : (*api)->urls()) urls += (urls.empty() ? "" : ",") + url;
  log.information("ready to serve client requests on " + urls + " (member " + config->name +
                  ", data in " + config->data_dir + ")");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log.information(std::string("received ") + (signal_number == SIGTERM ? "SIGTERM" : "SIGINT") +
                  ", shutting down");
  api->reset();
  stop_member_and_plugins();
  log.information("stopped");
  return 0;
}
