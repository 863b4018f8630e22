// `shadectl snapshot restore FILE ...`: a member data dir of a new cluster,
// with etcdctl's flags and defaults mapped to the agent's own defaults.
#include "agent/ctl/build_report.h"
#include "agent/ctl/progress_line.h"
#include "agent/ctl/snapshot_commands.h"
#include "agent/daemon/agent_config.h"
#include "agent/restore/data_dir_builder.h"

namespace shadekv::ctl {

std::vector<FlagSpec> SnapshotRestoreFlagSpecs() {
  return {{"data-dir", 0, FlagKind::kString},
          {"name", 0, FlagKind::kString},
          {"initial-cluster", 0, FlagKind::kString},
          {"initial-cluster-token", 0, FlagKind::kString},
          {"initial-advertise-peer-urls", 0, FlagKind::kString},
          {"bump-revision", 0, FlagKind::kInt64},
          {"mark-compacted", 0, FlagKind::kBool}};
}

int RunSnapshotRestore(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("snapshot restore requires exactly one argument"));
  }
  if (env.print.format == OutputFormat::kTable) {
    return Fail(env, kExitBadFeature,
                Status::Unimplemented("table not supported as output format"));
  }
  const std::string& file = flags.positionals[0];
  // The agent's own defaults, as etcdctl uses etcd's: a member restored with
  // no flags is the one `shadekv` with no flags would start.
  const agent::AgentConfig defaults;
  restore::NewClusterSpec spec;
  spec.name = flags.Get("name", defaults.name);
  spec.initial_advertise_peer_urls =
      SplitCommas(flags.Get("initial-advertise-peer-urls", defaults.listen_peer_urls.front()));
  const std::string self_url =
      spec.initial_advertise_peer_urls.empty() ? "" : spec.initial_advertise_peer_urls[0];
  spec.initial_cluster = flags.Get("initial-cluster", spec.name + "=" + self_url);
  spec.token = flags.Get("initial-cluster-token", defaults.initial_cluster_token);
  restore::DataDirOptions options;
  if (Status bump = ParseRevisionBump(flags, &options.bump_revision, &options.mark_compacted);
      !bump.ok()) {
    return Fail(env, kExitBadArgs, bump);
  }
  if (Status checked = restore::CheckClusterSpec(spec); !checked.ok()) {
    return Fail(env, kExitBadArgs, checked);
  }
  const std::string data_dir = flags.Get("data-dir", spec.name + ".shadekv");
  if (data_dir.empty()) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("--data-dir must not be empty"));
  }
  options.progress = TerminalProgress(env.err, "restoring " + file + " into " + data_dir);
  Result<restore::BuiltDataDir> built = restore::BuildMemberDataDir(file, data_dir, spec, options);
  if (!built.ok()) return Fail(env, kExitError, built.status());
  PrintBuiltDataDir(env, data_dir, spec.token, *built, "restored");
  return kExitSuccess;
}

}  // namespace shadekv::ctl
