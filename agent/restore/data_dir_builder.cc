// Snapshot file + new cluster flags -> a member data dir (see the header).
#include "agent/restore/data_dir_builder.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "agent/daemon/agent_config.h"
#include "agent/restore/annotation_convert.h"
#include "agent/restore/snapshot_rewrite.h"
#include "agent/server/member_directory.h"
#include "shadekv/store/raft_log_store.h"

namespace shadekv::restore {
namespace {

namespace fs = std::filesystem;

// Meta of the old cluster that must not survive into the new one: its member
// directory (replaced below), and the mirror's own bookkeeping.
const std::vector<std::string>& OldClusterMetaPrefixes() {
  static const std::vector<std::string> kPrefixes = {agent::kMemberMetaPrefix, "shadekv.mirror/"};
  return kPrefixes;
}

struct ParsedSpec {
  std::vector<agent::MemberRecord> members;  // sorted by id
  std::vector<std::string> self_urls;
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
};

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

Result<ParsedSpec> ParseSpec(const NewClusterSpec& spec) {
  if (spec.name.empty()) return Status::InvalidArgument("--name must not be empty");
  if (spec.token.empty()) {
    return Status::InvalidArgument(
        "--initial-cluster-token must not be empty: it gives the new cluster its id");
  }
  if (spec.initial_cluster.empty()) {
    return Status::InvalidArgument("--initial-cluster is required (name=tcp://host:port,...)");
  }
  SHADEKV_ASSIGN_OR_RETURN(std::vector<agent::InitialMember> initial,
                           agent::ParseInitialCluster(spec.initial_cluster));
  ParsedSpec parsed;
  auto self = std::find_if(initial.begin(), initial.end(),
                           [&](const agent::InitialMember& m) { return m.name == spec.name; });
  if (self == initial.end()) {
    return Status::InvalidArgument("--name '" + spec.name + "' is not in --initial-cluster '" +
                                   spec.initial_cluster + "'");
  }
  parsed.self_urls =
      spec.initial_advertise_peer_urls.empty() ? self->peer_urls : spec.initial_advertise_peer_urls;
  std::vector<std::string> a = parsed.self_urls;
  std::vector<std::string> b = self->peer_urls;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  if (a != b) {
    return Status::InvalidArgument("--initial-advertise-peer-urls '" + Join(parsed.self_urls) +
                                   "' differ from --initial-cluster's URLs for '" + spec.name +
                                   "' (" + Join(self->peer_urls) + ")");
  }
  for (const agent::InitialMember& m : initial) {
    agent::MemberRecord record;
    record.id = agent::ComputeMemberId(m.peer_urls, spec.token);
    record.name = m.name;
    record.peer_urls = m.peer_urls;
    for (const agent::MemberRecord& other : parsed.members) {
      if (other.id == record.id) {
        return Status::InvalidArgument("--initial-cluster gives '" + other.name + "' and '" +
                                       m.name + "' the same peer URLs");
      }
    }
    parsed.members.push_back(std::move(record));
  }
  std::sort(parsed.members.begin(), parsed.members.end(),
            [](const agent::MemberRecord& x, const agent::MemberRecord& y) { return x.id < y.id; });
  parsed.member_id = agent::ComputeMemberId(parsed.self_urls, spec.token);
  parsed.cluster_id = agent::ComputeClusterId(spec.token);
  return parsed;
}

Status CheckTargetEmpty(const std::string& data_dir) {
  std::error_code ec;
  if (!fs::exists(data_dir, ec)) return Status::Ok();
  if (!fs::is_directory(data_dir, ec)) {
    return Status::FailedPrecondition("--data-dir '" + data_dir +
                                      "' exists and is not a directory");
  }
  if (!fs::is_empty(data_dir, ec)) {
    return Status::FailedPrecondition("--data-dir '" + data_dir +
                                      "' is not empty: restore into a new or empty directory (an "
                                      "existing member's data is never overwritten)");
  }
  return Status::Ok();
}

Status WriteMemberJson(const std::string& data_dir, const std::string& name, uint64_t member_id,
                       uint64_t cluster_id) {
  // Same file and fields as agent/server/member.cc LoadOrCreateIdentity.
  Poco::JSON::Object object;
  object.set("name", name);
  object.set("member_id", std::to_string(member_id));
  object.set("cluster_id", std::to_string(cluster_id));
  const std::string path = data_dir + "/member.json";
  std::ofstream out(path);
  object.stringify(out);
  out.close();
  if (!out) return Status::Unavailable("cannot write " + path + ": check disk space");
  return Status::Ok();
}

Status WriteMembership(const std::string& kv_dir, const ParsedSpec& spec, BuiltDataDir* built) {
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<store::MvccStore> kv, store::MvccStore::Open(kv_dir));
  store::WriteRequest request;
  for (const agent::MemberRecord& m : spec.members) {
    request.meta.push_back({agent::MemberMetaKey(m.id), agent::EncodeMemberRecord(m)});
  }
  built->raft_index = kv->AppliedIndex() + 1;
  SHADEKV_RETURN_IF_ERROR(kv->Apply(request, built->raft_index).status());
  built->revision = kv->CurrentRevision();
  built->compact_revision = kv->CompactRevision();
  return Status::Ok();
}

Status WriteRaftLog(const std::string& raft_dir, const ParsedSpec& spec, uint64_t index) {
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<store::RaftLogStore> log,
                           store::RaftLogStore::Open(raft_dir));
  raft::ConfState conf;
  for (const agent::MemberRecord& m : spec.members) conf.voters.push_back(m.id);
  store::PersistBatch batch;
  batch.snapshot = raft::SnapshotMeta{index, 1, conf};
  batch.hard_state = raft::HardState{1, raft::kNoNode, index};
  batch.conf_state = conf;
  batch.sync = true;
  return log->Persist(batch);
}

Result<BuiltDataDir> Build(const std::string& snapshot_path, const std::string& data_dir,
                           const ParsedSpec& spec, const NewClusterSpec& flags,
                           const DataDirOptions& options) {
  BuiltDataDir built;
  built.member_id = spec.member_id;
  built.cluster_id = spec.cluster_id;
  built.members = spec.members.size();
  SnapshotRewriteOptions rewrite;
  rewrite.cut_revision = options.cut_revision;
  rewrite.keyspace_hash = options.keyspace_hash_at_cut;
  rewrite.bump_revision = options.bump_revision;
  rewrite.mark_compacted = options.mark_compacted;
  rewrite.drop_meta_prefixes = OldClusterMetaPrefixes();
  if (options.convert_annotations) rewrite.annotation = AnnotationAsEnvelope;
  const std::string rewritten = data_dir + "/restore-snapshot.tmp";
  SHADEKV_ASSIGN_OR_RETURN(SnapshotRewriteSummary summary,
                           RewriteSnapshot(snapshot_path, rewritten, rewrite, options.progress));
  built.versions = summary.versions;
  std::ifstream in(rewritten, std::ios::binary);
  if (!in) return Status::Unavailable("cannot reopen " + rewritten);
  SHADEKV_RETURN_IF_ERROR(store::MvccStore::RestoreFromSnapshot(
      data_dir + "/kv", [&](char* buffer, size_t capacity) -> Result<size_t> {
        in.read(buffer, static_cast<std::streamsize>(capacity));
        if (in.bad()) return Status::Unavailable("cannot read " + rewritten);
        return static_cast<size_t>(in.gcount());
      }));
  in.close();
  std::error_code ec;
  fs::remove(rewritten, ec);
  SHADEKV_RETURN_IF_ERROR(WriteMembership(data_dir + "/kv", spec, &built));
  SHADEKV_RETURN_IF_ERROR(WriteRaftLog(data_dir + "/raft", spec, built.raft_index));
  SHADEKV_RETURN_IF_ERROR(WriteMemberJson(data_dir, flags.name, spec.member_id, spec.cluster_id));
  std::string cluster;
  for (const agent::MemberRecord& m : spec.members) {
    for (const std::string& url : m.peer_urls)
      cluster += (cluster.empty() ? "" : ",") + m.name + "=" + url;
  }
  built.start_flags = {"--data-dir",
                       data_dir,
                       "--name",
                       flags.name,
                       "--listen-peer-urls",
                       spec.self_urls.front(),
                       "--initial-advertise-peer-urls",
                       Join(spec.self_urls),
                       "--initial-cluster",
                       cluster,
                       "--initial-cluster-token",
                       flags.token};
  return built;
}

}  // namespace

Status CheckClusterSpec(const NewClusterSpec& spec) { return ParseSpec(spec).status(); }

Result<BuiltDataDir> BuildMemberDataDir(const std::string& snapshot_path,
                                        const std::string& data_dir, const NewClusterSpec& spec,
                                        const DataDirOptions& options) {
  if (data_dir.empty()) return Status::InvalidArgument("the target --data-dir is required");
  SHADEKV_ASSIGN_OR_RETURN(ParsedSpec parsed, ParseSpec(spec));
  SHADEKV_RETURN_IF_ERROR(CheckTargetEmpty(data_dir));
  std::error_code ec;
  const bool created = !fs::exists(data_dir, ec);
  fs::create_directories(data_dir, ec);
  if (ec) {
    return Status::Unavailable("cannot create --data-dir '" + data_dir + "': " + ec.message());
  }
  Result<BuiltDataDir> built = Build(snapshot_path, data_dir, parsed, spec, options);
  if (!built.ok()) {
    // Leave nothing a member could start on: the directory as it was.
    if (created) {
      fs::remove_all(data_dir, ec);
    } else {
      for (const auto& entry : fs::directory_iterator(data_dir, ec))
        fs::remove_all(entry.path(), ec);
    }
  }
  return built;
}

}  // namespace shadekv::restore
