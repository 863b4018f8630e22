// Command table and dispatch: global flags, then the command's own flags,
// accepted anywhere on the line as cobra accepts them.
#include "agent/ctl/ctl.h"

#include <algorithm>
#include <cstdlib>

#include "agent/ctl/audit_commands.h"
#include "agent/ctl/auth_commands.h"
#include "agent/ctl/auth_session.h"
#include "agent/ctl/check_commands.h"
#include "agent/ctl/commands.h"
#include "agent/ctl/curve_commands.h"
#include "agent/ctl/kv_requests.h"
#include "agent/ctl/maintenance_commands.h"
#include "agent/ctl/shadow_commands.h"
#include "agent/ctl/snapshot_commands.h"
#include "agent/ctl/tls_flags.h"
#include "agent/ctl/watch_request.h"

namespace shadekv::ctl {

namespace {

struct Command {
  std::vector<std::string> path;  // {"member", "add"}
  std::string summary;
  std::vector<FlagSpec> flags;
  int (*run)(const ParsedFlags&, CommandEnv&);
};

std::vector<FlagSpec> GlobalFlagSpecs() {
  std::vector<FlagSpec> specs = {{"endpoints", 0, FlagKind::kString},
                                 {"write-out", 'w', FlagKind::kString},
                                 {"command-timeout", 0, FlagKind::kDuration},
                                 {"dial-timeout", 0, FlagKind::kDuration},
                                 {"hex", 0, FlagKind::kBool},
                                 {"help", 'h', FlagKind::kBool}};
  for (const FlagSpec& f : AuthFlagSpecs()) specs.push_back(f);
  std::vector<FlagSpec> tls = TlsFlagSpecs();
  specs.insert(specs.end(), tls.begin(), tls.end());
  return specs;
}

const std::vector<Command>& Commands() {
  static const std::vector<Command> kCommands = {
      {{"put"}, "Puts the given key into the store", PutFlagSpecs(), RunPut},
      {{"get"}, "Gets the key or a range of keys", GetFlagSpecs(), RunGet},
      {{"del"},
       "Removes the specified key or range of keys [key, range_end)",
       DelFlagSpecs(),
       RunDel},
      {{"txn"},
       "Txn processes all the requests in one transaction",
       {{"interactive", 'i', FlagKind::kBool}},
       RunTxn},
      {{"compaction"},
       "Compacts the event history",
       {{"physical", 0, FlagKind::kBool}},
       RunCompaction},
      {{"member", "list"}, "Lists all members in the cluster", {}, RunMemberList},
      {{"member", "add"},
       "Adds a member into the cluster",
       {{"peer-urls", 0, FlagKind::kString}, {"learner", 0, FlagKind::kBool}},
       RunMemberAdd},
      {{"member", "remove"}, "Removes a member from the cluster", {}, RunMemberRemove},
      {{"member", "update"},
       "Updates a member in the cluster",
       {{"peer-urls", 0, FlagKind::kString}},
       RunMemberUpdate},
      {{"member", "promote"}, "Promotes a non-voting member in the cluster", {}, RunMemberPromote},
      {{"endpoint", "status"},
       "Prints out the status of endpoints specified in `--endpoints`",
       {{"cluster", 0, FlagKind::kBool}},
       RunEndpointStatus},
      {{"endpoint", "health"},
       "Checks the healthiness of endpoints specified in `--endpoints`",
       {{"cluster", 0, FlagKind::kBool}},
       RunEndpointHealth},
      {{"endpoint", "hashkv"},
       "Prints the KV history hash for each endpoint in --endpoints",
       {{"cluster", 0, FlagKind::kBool}, {"rev", 0, FlagKind::kInt64}},
       RunEndpointHashKv},
      {{"alarm", "list"}, "Lists all alarms", {}, RunAlarmList},
      {{"alarm", "disarm"}, "Disarms all alarms", {}, RunAlarmDisarm},
      {{"defrag"},
       "Defragments the storage of the etcd members with given endpoints",
       DefragFlagSpecs(),
       RunDefrag},
      {{"watch"}, "Watches events stream on keys or prefixes", WatchFlagSpecs(), RunWatch},
      {{"lease", "grant"}, "Creates leases", {}, RunLeaseGrant},
      {{"lease", "revoke"}, "Revokes leases", {}, RunLeaseRevoke},
      {{"lease", "timetolive"},
       "Get lease information",
       {{"keys", 0, FlagKind::kBool}},
       RunLeaseTimeToLive},
      {{"lease", "list"}, "List all active leases", {}, RunLeaseList},
      {{"lease", "keep-alive"},
       "Keeps leases alive (renew)",
       {{"once", 0, FlagKind::kBool}},
       RunLeaseKeepAlive},
      {{"lock"}, "Acquires a named lock", {{"ttl", 0, FlagKind::kInt64}}, RunLock},
      {{"elect"},
       "Observes and participates in leader election",
       {{"listen", 'l', FlagKind::kBool}},
       RunElect},
      {{"auth", "enable"}, "Enables authentication", {}, RunAuthEnable},
      {{"auth", "disable"}, "Disables authentication", {}, RunAuthDisable},
      {{"auth", "status"}, "Returns authentication status", {}, RunAuthStatus},
      {{"user", "add"}, "Adds a new user", UserAddFlagSpecs(), RunUserAdd},
      {{"user", "delete"}, "Deletes a user", {}, RunUserDelete},
      {{"user", "get"}, "Gets detailed information of a user", UserGetFlagSpecs(), RunUserGet},
      {{"user", "list"}, "Lists all users", {}, RunUserList},
      {{"user", "passwd"}, "Changes password of user", UserPasswdFlagSpecs(), RunUserPasswd},
      {{"user", "grant-role"}, "Grants a role to a user", {}, RunUserGrantRole},
      {{"user", "revoke-role"}, "Revokes a role from a user", {}, RunUserRevokeRole},
      {{"role", "add"}, "Adds a new role", {}, RunRoleAdd},
      {{"role", "delete"}, "Deletes a role", {}, RunRoleDelete},
      {{"role", "get"}, "Gets detailed information of a role", {}, RunRoleGet},
      {{"role", "list"}, "Lists all roles", {}, RunRoleList},
      {{"role", "grant-permission"},
       "Grants a key to a role",
       RolePermFlagSpecs(),
       RunRoleGrantPermission},
      {{"role", "revoke-permission"},
       "Revokes a key from a role",
       RolePermFlagSpecs(),
       RunRoleRevokePermission},
      {{"curve", "keygen"},
       "Writes a new CURVE keypair (--out DIR/NAME: NAME.key and NAME.pub)",
       CurveKeygenFlagSpecs(),
       RunCurveKeygen},
      {{"audit", "verify"},
       "Verifies the hash chain of audit log files",
       AuditVerifyFlagSpecs(),
       RunAuditVerify},
      {{"audit", "query"},
       "Prints the audit records that match the filters",
       AuditQueryFlagSpecs(),
       RunAuditQuery},
      {{"snapshot", "save"},
       "Stores an etcd node backend snapshot to a given file",
       {},
       RunSnapshotSave},
      {{"snapshot", "status"},
       "Gets backend snapshot status of a given file (after verifying it)",
       {},
       RunSnapshotStatus},
      {{"snapshot", "restore"},
       "Restores a member snapshot to a new member data directory",
       SnapshotRestoreFlagSpecs(),
       RunSnapshotRestore},
      {{"shadow", "status"}, "Prints a shadow's applied revision and lag", {}, RunShadowStatus},
      {{"shadow", "replay"},
       "Prints a shadow's historical events from --from to --to",
       ShadowReplayFlagSpecs(),
       RunShadowReplay},
      {{"shadow", "fork"},
       "Writes a standalone data dir of a stopped shadow's state at --rev",
       ShadowBuildFlagSpecs(),
       RunShadowFork},
      {{"shadow", "promote"},
       "Writes a new primary cluster member's data dir from a stopped shadow",
       ShadowBuildFlagSpecs(),
       RunShadowPromote},
      {{"check", "hash"},
       "Compares the keyspace hash of members and shadows at a common revision",
       {},
       RunCheckHash},
  };
  return kCommands;
}

std::string Usage() {
  std::string text =
      "NAME:\n\tshadectl - A command line client for shadekv (etcd v3 JSON gateway)\n\n"
      "USAGE:\n\tshadectl [global flags] <command> [flags] [args]\n\nCOMMANDS:\n";
  for (const Command& c : Commands()) {
    std::string name = c.path[0] + (c.path.size() > 1 ? " " + c.path[1] : "");
    text +=
        "\t" + name + std::string(name.size() < 16 ? 16 - name.size() : 1, ' ') + c.summary + "\n";
  }
  text +=
      "\nGLOBAL OPTIONS:\n"
      "      --endpoints=127.0.0.1:2379\tcomma-separated endpoints, tried in order\n"
      "  -w, --write-out=simple\t\toutput format: simple, json or table\n"
      "      --command-timeout=5s\t\ttimeout for a request (excluding dialing)\n"
      "      --dial-timeout=2s\t\ttimeout for connecting to an endpoint\n"
      "      --hex\t\t\t\tprint keys and values as hex escapes\n"
      "      --user=\"\"\t\t\tusername[:password] for authentication (prompt if password is "
      "not supplied)\n"
      "      --password=\"\"\t\t\tpassword for authentication (if this option is used, --user "
      "option shouldn't include password)\n"
      "      --cacert=\"\"\t\t\tverify servers with this CA bundle (https endpoints)\n"
      "      --cert=\"\"\t\t\tclient certificate for TLS\n"
      "      --key=\"\"\t\t\t\tthe client certificate's key\n"
      "      --insecure-skip-tls-verify\tdo not verify the server's certificate\n";
  return text;
}

std::vector<FlagSpec> AllFlagSpecs() {
  std::vector<FlagSpec> all = GlobalFlagSpecs();
  for (const Command& c : Commands()) {
    for (const FlagSpec& f : c.flags) {
      bool seen = false;
      for (const FlagSpec& a : all) seen = seen || a.name == f.name;
      if (!seen) all.push_back(f);
    }
  }
  return all;
}

bool Allowed(const Command& command, const std::string& flag) {
  for (const FlagSpec& f : GlobalFlagSpecs()) {
    if (f.name == flag) return true;
  }
  for (const FlagSpec& f : command.flags) {
    if (f.name == flag) return true;
  }
  return false;
}

std::vector<std::string> Endpoints(const ParsedFlags& flags) {
  std::vector<std::string> values = flags.GetAll("endpoints");
  if (values.empty()) {
    const char* env = std::getenv("ETCDCTL_ENDPOINTS");
    if (env != nullptr && *env != '\0') values.push_back(env);
  }
  std::vector<std::string> endpoints;
  for (const std::string& v : values) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      std::string e = v.substr(start, comma == std::string::npos ? comma : comma - start);
      if (!e.empty()) endpoints.push_back(e);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  if (endpoints.empty()) endpoints.push_back("127.0.0.1:2379");
  return endpoints;
}

int Error(std::ostream& err, int code, const std::string& message) {
  err << "Error: " << message << "\n";
  return code;
}

}  // namespace

int RunShadectl(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err) {
  // audit query's --prefix takes a value where get/del/watch's is boolean.
  const bool audit = IsAuditCommandLine(args);
  std::vector<FlagSpec> specs = audit ? GlobalFlagSpecs() : AllFlagSpecs();
  if (audit) {
    for (const FlagSpec& f : AuditFlagSpecs()) specs.push_back(f);
  }
  Result<ParsedFlags> parsed = ParseFlags(args, specs);
  if (!parsed.ok()) return Error(err, kExitError, parsed.status().message());
  const std::vector<std::string>& words = parsed->positionals;
  if (words.empty() || parsed->GetBool("help")) {
    out << Usage();
    return kExitSuccess;
  }

  const Command* command = nullptr;
  bool group = false;
  for (const Command& c : Commands()) {
    if (c.path[0] != words[0]) continue;
    group = group || c.path.size() > 1;
    if (c.path.size() == 1 || (words.size() > 1 && c.path[1] == words[1])) {
      command = &c;
      break;
    }
  }
  if (command == nullptr) {
    if (group) {
      if (words.size() == 1) {
        out << Usage();
        return kExitSuccess;
      }
      return Error(err, kExitError,
                   "unknown command \"" + words[1] + "\" for \"shadectl " + words[0] +
                       "\"\nRun 'shadectl --help' for usage.");
    }
    return Error(
        err, kExitError,
        "unknown command \"" + words[0] + "\" for \"shadectl\"\nRun 'shadectl --help' for usage.");
  }
  for (const std::string& name : parsed->Names()) {
    if (!Allowed(*command, name)) return Error(err, kExitError, "unknown flag: --" + name);
  }

  ParsedFlags flags = *parsed;
  flags.positionals.assign(words.begin() + static_cast<long>(command->path.size()), words.end());
  if (flags.positionals_before_dashdash >= 0) {
    flags.positionals_before_dashdash =
        std::max(0, flags.positionals_before_dashdash - static_cast<int>(command->path.size()));
  }

  GatewayOptions options;
  options.endpoints = Endpoints(flags);
  options.command_timeout = *ParseGoDuration(flags.Get("command-timeout", "5s"));
  options.dial_timeout = *ParseGoDuration(flags.Get("dial-timeout", "2s"));
  Result<Poco::Net::Context::Ptr> tls = ClientTlsFromFlags(flags, options.endpoints);
  if (!tls.ok()) return Error(err, kExitBadArgs, tls.status().message());
  options.tls = *tls;
  Result<OutputFormat> format = ParseOutputFormat(flags.Get("write-out", "simple"));
  // The auth commands read -w themselves: they also print `fields`.
  if (IsAuthCommandGroup(command->path[0])) format = OutputFormat::kSimple;
  if (!format.ok()) return Error(err, kExitBadFeature, format.status().message());

  // --user: authenticate first; every request, streams included, then carries
  // the token, renewed when it expires (etcdctl exits 2 when the first login
  // fails, like a failed dial). Not for audit (local files) nor shadow (a
  // shadow has no auth API; its auth routes answer read-only errors).
  if (command->path[0] != "audit" && command->path[0] != "shadow") {
    Result<std::shared_ptr<RenewableToken>> auth = LoginForFlags(flags, options, in, out);
    if (!auth.ok()) return Error(err, kExitBadConnection, auth.status().message());
    options.auth = std::move(auth).value();
  }

  GatewayClient client(std::move(options));
  CommandEnv env{client, PrintOptions{}, in, out, err};
  env.print.format = *format;
  env.print.hex = flags.GetBool("hex");
  return command->run(flags, env);
}

}  // namespace shadekv::ctl
