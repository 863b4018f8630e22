// `shadectl snapshot save FILE`: one member's store, streamed over
// /v3/maintenance/snapshot into FILE.part, checked, synced, renamed.
#include <csignal>
#include <string>

#include "agent/ctl/json_util.h"
#include "agent/ctl/progress_line.h"
#include "agent/ctl/signal_stopper.h"
#include "agent/ctl/snapshot_commands.h"
#include "agent/ctl/snapshot_file_writer.h"
#include "agent/restore/snapshot_stream_check.h"

namespace shadekv::ctl {
namespace {

// Go's %v of a []string, as etcdctl prints the endpoints it refuses.
std::string GoList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : " ") + items[i];
  return out + "]";
}

// The first message comes only after the member has counted and hashed its
// store, so a short command timeout must not cut a large snapshot.
constexpr std::chrono::seconds kMinIdleTimeout{60};

}  // namespace

int RunSnapshotSave(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("snapshot save expects one argument"));
  }
  const std::string path = flags.positionals[0];
  const std::vector<std::string>& endpoints = env.client.options().endpoints;
  if (endpoints.size() != 1) {
    return Fail(env, kExitSnapshotSave,
                Status::InvalidArgument("snapshot must be requested to one selected node, not "
                                        "multiple " +
                                        GoList(endpoints)));
  }
  // With a file size limit (ulimit -f) the kernel would kill us with
  // SIGXFSZ; ignored, the write fails with EFBIG and FILE.part is removed.
  std::signal(SIGXFSZ, SIG_IGN);
  CancelToken cancel;
  SignalStopper stopper(&cancel);
  SnapshotFileWriter file(path);
  if (Status opened = file.Open(); !opened.ok()) return Fail(env, kExitSnapshotSave, opened);

  restore::SnapshotStreamCheck check;
  const store::SnapshotProgress progress = TerminalProgress(env.err, "saving " + path);
  Status failure = Status::Ok();
  uint64_t shown_percent = 101;
  const auto idle =
      std::max<std::chrono::nanoseconds>(env.client.options().command_timeout, kMinIdleTimeout);
  Status streamed = env.client.Stream(
      "/v3/maintenance/snapshot", "{}", idle, &cancel, [&](const Poco::JSON::Object::Ptr& result) {
        Result<std::string> blob = Base64Decode(GetString(result, "blob"));
        if (!blob.ok()) {
          failure = Status::DataLoss("the member sent a damaged snapshot message: " +
                                     blob.status().message());
          return false;
        }
        failure = check.Add(*blob).WithContext("the snapshot stream from " + endpoints[0]);
        if (failure.ok()) failure = file.Write(*blob);
        if (!failure.ok()) return false;
        // At most one redraw per percent: a message is only 32 KiB.
        const uint64_t total = check.received() + GetUint64(result, "remaining_bytes");
        const uint64_t percent = total == 0 ? 100 : check.received() * 100 / total;
        if (progress && (percent != shown_percent || check.received() == total)) {
          shown_percent = percent;
          progress(check.received(), total);
        }
        return true;
      });
  if (failure.ok()) failure = streamed;
  if (failure.ok()) {
    Result<store::SnapshotHeader> whole = check.Finish();
    if (!whole.ok()) {
      failure = whole.status().WithContext("the snapshot stream from " + endpoints[0]);
    }
  }
  if (failure.ok()) failure = file.Commit();
  if (!failure.ok()) {
    file.Abandon();
    return Fail(env, kExitSnapshotSave, failure);
  }
  env.out << "Snapshot saved at " << path << "\n";
  return kExitSuccess;
}

}  // namespace shadekv::ctl
