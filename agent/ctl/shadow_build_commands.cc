// `shadow fork` and `shadow promote`: a stopped shadow's data -> member data
// dir(s) (agent/restore). Both export the shadow's mirror store to a
// temporary snapshot file beside --out, then build --out from it.
#include <unistd.h>

#include <Poco/JSON/Object.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "agent/ctl/json_util.h"
#include "agent/ctl/shadow_commands.h"
#include "agent/restore/data_dir_builder.h"
#include "agent/restore/shadow_export.h"

namespace shadekv::ctl {
namespace {

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%llx", static_cast<unsigned long long>(v));
  return buf;
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string item = text.substr(start, comma == std::string::npos ? comma : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

// "<phase>: 12.0/40.3 MiB" redrawn in place, only when a person watches.
store::SnapshotProgress TerminalProgress(CommandEnv& env, std::string phase) {
  if (isatty(STDERR_FILENO) == 0) return {};
  return [&env, phase](uint64_t done, uint64_t total) {
    char line[128];
    std::snprintf(line, sizeof(line), "\r%s: %.1f/%.1f MiB", phase.c_str(), done / 1048576.0,
                  total / 1048576.0);
    env.err << line << (done >= total ? "\n" : "") << std::flush;
  };
}

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
  if (flags.Has("bump-revision")) {
    Result<int64_t> bump = ParseGoInt64(flags.Get("bump-revision"), 10);
    if (!bump.ok() || *bump < 0) {
      return Status::InvalidArgument("--bump-revision must be a number >= 0");
    }
    args.bump = *bump;
  }
  args.mark_compacted = flags.GetBool("mark-compacted");
  if (args.mark_compacted && args.bump == 0) {
    return Status::InvalidArgument("--mark-compacted needs --bump-revision N (N > 0)");
  }
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

void PrintBuilt(CommandEnv& env, const BuildArgs& args, const restore::BuiltDataDir& built,
                const char* what) {
  if (env.print.format == OutputFormat::kJson) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
    o->set("data_dir", args.out);
    o->set("member_id", Hex(built.member_id));
    o->set("cluster_id", Hex(built.cluster_id));
    o->set("revision", built.revision);
    o->set("compact_revision", built.compact_revision);
    o->set("raft_index", built.raft_index);
    o->set("members", static_cast<uint64_t>(built.members));
    o->set("token", args.spec.token);
    env.out << Stringify(o) << "\n";
    return;
  }
  std::string start = "shadekv";
  for (const std::string& f : built.start_flags) start += " " + f;
  env.out << what << " " << args.out << ": revision " << built.revision << " (compacted at "
          << built.compact_revision << "), member " << Hex(built.member_id) << " of new cluster "
          << Hex(built.cluster_id) << " (" << built.members << " member"
          << (built.members == 1 ? "" : "s") << ")\n"
          << "start it with: " << start << "\n";
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
      args->shadow_dir, temp, args->rev, TerminalProgress(env, "exporting the shadow's store"));
  if (!exported.ok()) return Fail(env, kExitError, exported.status());
  restore::DataDirOptions options;
  if (fork) {
    options.cut_revision = args->rev;
    options.keyspace_hash_at_cut = exported->hash_at;
  }
  options.bump_revision = args->bump;
  options.mark_compacted = args->mark_compacted;
  options.progress = TerminalProgress(env, "building " + args->out);
  Result<restore::BuiltDataDir> built =
      restore::BuildMemberDataDir(temp, args->out, args->spec, options);
  std::error_code ec;
  std::filesystem::remove(temp, ec);
  if (!built.ok()) return Fail(env, kExitError, built.status());
  PrintBuilt(env, *args, *built, fork ? "forked" : "promoted");
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
