// `shadectl snapshot status FILE`: etcdctl's columns after a full check.
#include <cstdio>

#include "agent/ctl/go_format.h"
#include "agent/ctl/progress_line.h"
#include "agent/ctl/snapshot_commands.h"
#include "agent/restore/snapshot_inspect.h"

namespace shadekv::ctl {

int RunSnapshotStatus(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs,
                Status::InvalidArgument("snapshot status requires exactly one argument"));
  }
  const std::string& path = flags.positionals[0];
  Result<restore::SnapshotFileStatus> st =
      restore::InspectSnapshotFile(path, TerminalProgress(env.err, "checking " + path));
  if (!st.ok()) return Fail(env, kExitError, st.status());
  char hash[16];
  std::snprintf(hash, sizeof(hash), "%x", st->hash);
  const std::string size = HumanizeBytes(st->total_size);
  switch (env.print.format) {
    case OutputFormat::kJson:
      // etcdctl's four fields first, in its order, then ours.
      env.out << "{\"hash\":" << st->hash << ",\"revision\":" << st->revision
              << ",\"totalKey\":" << st->total_keys << ",\"totalSize\":" << st->total_size
              << ",\"compactRevision\":" << st->compact_revision << ",\"records\":" << st->records
              << ",\"sha256\":\"" << st->sha256 << "\",\"checksum\":\"OK\"}\n";
      break;
    case OutputFormat::kTable:
      env.out << RenderTable(
          {"HASH", "REVISION", "TOTAL KEYS", "TOTAL SIZE", "CHECKSUM"},
          {{hash, std::to_string(st->revision), std::to_string(st->total_keys), size, "OK"}});
      break;
    case OutputFormat::kSimple:
      env.out << hash << ", " << st->revision << ", " << st->total_keys << ", " << size << "\n"
              << "checksum OK (sha256 " << st->sha256 << ")\n";
      break;
  }
  return kExitSuccess;
}

}  // namespace shadekv::ctl
