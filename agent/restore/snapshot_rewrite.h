// Rewrites a kv snapshot stream (store/snapshot_format.h) into another one:
// cut history above a revision (a fork "as at REV"), advance the revision and
// mark the old range compacted (issue 10's --bump-revision/--mark-compacted),
// drop meta entries that belong to the old cluster, and convert annotations.
//
// Why a stream rewrite and not store surgery: MvccStore has no API to drop
// history above a revision or to advance its revision, but its snapshot
// format is versioned and documented, and MvccStore::RestoreFromSnapshot
// verifies whatever we produce (SHA-256 trailer, keyspace hash), so a wrong
// rewrite is refused instead of silently producing a bad store.
//
// The input is verified as it is read (magic, version, record layout,
// SHA-256 trailer, nothing after it): a truncated, corrupt or foreign file is
// refused with a clear message and the output file is removed.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/store/mvcc_store.h"
#include "store/snapshot_format.h"

namespace shadekv::restore {

struct SnapshotRewriteOptions {
  // Keep only versions and annotations at or below this revision; the output
  // stands at this revision. Needs `keyspace_hash` (the hash at the cut,
  // MvccStore::HashKv(cut), which the stream alone cannot give).
  std::optional<int64_t> cut_revision;
  std::optional<uint32_t> keyspace_hash;
  // Advance the revision by this many (>= 0); keys and versions unchanged.
  int64_t bump_revision = 0;
  // Set the compaction revision to the (bumped) revision, so a watcher of
  // the new cluster never replays revisions the old one may have reused.
  bool mark_compacted = false;
  // Meta entries whose key starts with one of these are left out.
  std::vector<std::string> drop_meta_prefixes;
  // Called for every annotation kept; nullopt drops it. Null keeps all.
  std::function<std::optional<std::string>(int64_t revision, std::string_view bytes)> annotation;
};

struct SnapshotRewriteSummary {
  int64_t input_revision = 0;
  int64_t input_compact_revision = 0;
  uint64_t input_applied_index = 0;
  int64_t revision = 0;  // of the output
  int64_t compact_revision = 0;
  uint64_t versions = 0;  // version records written
  uint64_t versions_dropped = 0;
  uint64_t meta_dropped = 0;
  uint64_t annotations_dropped = 0;
};

// Reads `in_path`, writes `out_path` (replaced if present). Errors:
// kDataLoss truncated/corrupt input, kInvalidArgument foreign input or bad
// options, kOutOfRange a cut above the snapshot's revision,
// kFailedPrecondition a cut below its compaction revision (that state is no
// longer known), kUnavailable file errors. On error `out_path` is removed.
Result<SnapshotRewriteSummary> RewriteSnapshot(const std::string& in_path,
                                               const std::string& out_path,
                                               const SnapshotRewriteOptions& options,
                                               const store::SnapshotProgress& progress = {});

// Reads just the header of a snapshot file (kDataLoss / kInvalidArgument as
// above for a short or foreign header).
Result<store::SnapshotHeader> ReadSnapshotHeader(const std::string& path);

}  // namespace shadekv::restore
