// `shadow fork` and `shadow promote`: a stopped shadow's data -> member data
// dir(s) (agent/restore). Both export the shadow's mirror store to a
// temporary snapshot file beside --out, then build --out from it.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "agent/ctl/build_report.h"
#include "agent/ctl/json_util.h"
#include "agent/ctl/progress_line.h"
#include "agent/ctl/shadow_commands.h"
#include "agent/restore/data_dir_builder.h"
#include "agent/restore/shadow_export.h"

namespace shadekv::ctl {
namespace {

struct BuildArgs {
  std::string shadow_dir;
  std::string out;
  std::optional<int64_t> rev;
  restore::NewClusterSpec spec;
  int64_t bump = 0;
  bool mark_compacted = false;
};

Result<BuildArgs> ParseBuildArgs(const ParsedFlags& flags, bool fork) {
  BuildArgs args;
  if (!flags.positionals.empty()) {
    return Status::InvalidArgument("unexpected argument '" + flags.positionals[0] + "'");
  }
  args.shadow_dir = flags.Get("data-dir");
  args.out = flags.Get("out");
  if (args.shadow_dir.empty()) {
    return Status::InvalidArgument("--data-dir SHADOW_DIR (the stopped shadow's data) is required");
  }
  if (args.out.empty()) return Status::InvalidArgument("--out DIR (the new data dir) is required");
  if (flags.Has("rev")) {
    if (!fork) return Status::InvalidArgument("promote keeps every revision: --rev is for fork");
    Result<int64_t> rev = ParseGoInt64(flags.Get("rev"), 10);
    if (!rev.ok() || *rev < 1) return Status::InvalidArgument("--rev must be a revision >= 1");
    args.rev = *rev;
  } else if (fork) {
    return Status::InvalidArgument("--rev REV (the revision to fork at) is required");
  }
  SHADEKV_RETURN_IF_ERROR(ParseRevisionBump(flags, &args.bump, &args.mark_compacted));
  args.spec.name = flags.Get("name", fork ? "default" : "");
  args.spec.initial_advertise_peer_urls = SplitCommas(flags.Get("initial-advertise-peer-urls"));
  if (fork) {
    // A lone member on shadekv's default peer URL, in a cluster of its own:
    // the token is unique, so the fork's cluster id never matches the
    // primary's and no peer would ever accept its frames.
    const std::string peer = args.spec.initial_advertise_peer_urls.empty()
                                 ? "tcp://127.0.0.1:2380"
                                 : args.spec.initial_advertise_peer_urls[0];
    args.spec.initial_cluster = flags.Get("initial-cluster", args.spec.name + "=" + peer);
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    args.spec.token = flags.Get(
        "initial-cluster-token",
        "shadekv-fork-" + std::to_string(*args.rev) + "-" +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count()));
  } else {
    args.spec.initial_cluster = flags.Get("initial-cluster");
    args.spec.token = flags.Get("initial-cluster-token");
    if (args.spec.name.empty() || args.spec.initial_cluster.empty() || args.spec.token.empty()) {
      return Status::InvalidArgument(
          "promote needs --name, --initial-cluster and --initial-cluster-token (a NEW token: "
          "the new cluster's identity)");
    }
  }
  SHADEKV_RETURN_IF_ERROR(restore::CheckClusterSpec(args.spec));
  return args;
}

int RunBuild(const ParsedFlags& flags, CommandEnv& env, bool fork) {
  Result<BuildArgs> args = ParseBuildArgs(flags, fork);
  if (!args.ok()) return Fail(env, ArgsExitCode(args.status()), args.status());
  if (env.print.format == OutputFormat::kTable) {
    return Fail(env, kExitBadFeature,
                Status::Unimplemented("table not supported as output format"));
  }
  // Beside --out (same file system), never inside it: --out must stay empty
  // until the build starts.
  std::filesystem::path target = std::filesystem::path(args->out).lexically_normal();
  if (!target.has_filename()) target = target.parent_path();  // "--out dir/"
  const std::string temp = target.string() + ".shadow-export.tmp";
  Result<restore::ShadowExport> exported = restore::ExportShadowSnapshot(
      args->shadow_dir, temp, args->rev, TerminalProgress(env.err, "exporting the shadow's store"));
  if (!exported.ok()) return Fail(env, kExitError, exported.status());
  restore::DataDirOptions options;
  if (fork) {
    options.cut_revision = args->rev;
    options.keyspace_hash_at_cut = exported->hash_at;
  }
  options.bump_revision = args->bump;
  options.mark_compacted = args->mark_compacted;
  options.progress = TerminalProgress(env.err, "building " + args->out);
  Result<restore::BuiltDataDir> built =
      restore::BuildMemberDataDir(temp, args->out, args->spec, options);
  std::error_code ec;
  std::filesystem::remove(temp, ec);
  if (!built.ok()) return Fail(env, kExitError, built.status());
  PrintBuiltDataDir(env, args->out, args->spec.token, *built, fork ? "forked" : "promoted");
  return kExitSuccess;
}

}  // namespace

std::vector<FlagSpec> ShadowBuildFlagSpecs() {
  return {{"data-dir", 0, FlagKind::kString},
          {"out", 0, FlagKind::kString},
          {"rev", 0, FlagKind::kInt64},
          {"name", 0, FlagKind::kString},
          {"initial-cluster", 0, FlagKind::kString},
          {"initial-cluster-token", 0, FlagKind::kString},
          {"initial-advertise-peer-urls", 0, FlagKind::kString},
          {"bump-revision", 0, FlagKind::kInt64},
          {"mark-compacted", 0, FlagKind::kBool}};
}

int RunShadowFork(const ParsedFlags& flags, CommandEnv& env) { return RunBuild(flags, env, true); }

int RunShadowPromote(const ParsedFlags& flags, CommandEnv& env) {
  return RunBuild(flags, env, false);
}

}  // namespace shadekv::ctl
