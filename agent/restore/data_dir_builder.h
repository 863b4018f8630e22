// Builds a member's data dir for a NEW cluster from a kv store snapshot file,
// the way `etcdctl snapshot restore` does for etcd: a plain
//   shadekv --data-dir DIR --name N --initial-cluster ... --initial-cluster-token T
// starts on it as a member of the new cluster (new cluster id from T) with
// every key, revision, version and lease of the snapshot.
//
// Layout written (agent/server/member.cc reads it):
//  - kv/: the restored MvccStore. The old cluster's member directory
//    ("members/" meta) is replaced by the new cluster's, written as one
//    applied entry at index I = (snapshot's applied index) + 1. Lease records
//    ("lease/" meta) are kept, like etcd's restore; the leader renews their
//    TTLs when it takes office, as after any election.
//  - raft/: no entries, only a Raft snapshot marker at index I, term 1, with
//    the new voters, and hard state {term 1, no vote, commit I}. The member
//    then sees a non-empty log (no bootstrap), an applied index equal to the
//    snapshot index (nothing to replay, nothing to ask a leader for), and
//    every member restored from the same file and flags stands at the same
//    index with the same state, so they elect a leader and go on. This is
//    etcd's restore (snapshot + membership at term 1) without the
//    conf-change entries: the membership is already in the store.
//  - member.json: name, member id, cluster id, so a start with other flags
//    is refused instead of mixing two clusters.
//
// Refuses (nothing left behind): a non-empty target, a name not in the
// initial cluster, advertise URLs that differ from the name's entry, a
// truncated/corrupt/foreign snapshot.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::restore {

struct NewClusterSpec {
  std::string name;
  std::string initial_cluster;  // "a=tcp://127.0.0.1:2380,b=..." (etcd's flag)
  std::string token;
  // Empty: the name's URLs in initial_cluster.
  std::vector<std::string> initial_advertise_peer_urls;
};

struct DataDirOptions {
  // Passed to RewriteSnapshot (see snapshot_rewrite.h).
  std::optional<int64_t> cut_revision;
  std::optional<uint32_t> keyspace_hash_at_cut;
  int64_t bump_revision = 0;
  bool mark_compacted = false;
  // Convert a shadow's EVENT-body annotations into member envelopes.
  bool convert_annotations = true;
  store::SnapshotProgress progress;
};

struct BuiltDataDir {
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  uint64_t raft_index = 0;  // the snapshot marker's index
  int64_t revision = 0;
  int64_t compact_revision = 0;
  uint64_t versions = 0;
  size_t members = 0;
  std::vector<std::string> start_flags;  // the flags the member must start with
};

// Validates `spec`; kInvalidArgument naming the problem.
Status CheckClusterSpec(const NewClusterSpec& spec);

Result<BuiltDataDir> BuildMemberDataDir(const std::string& snapshot_path,
                                        const std::string& data_dir, const NewClusterSpec& spec,
                                        const DataDirOptions& options);

}  // namespace shadekv::restore
