// Verifies a snapshot file completely and describes it, for `shadectl
// snapshot status`: the file is restored into a scratch store under the
// system temp dir (TMPDIR), which checks everything the format protects
// (SHA-256 over header and records, record layout, the keyspace hash in the
// trailer against the keyspace actually rebuilt), then the scratch store is
// read and removed. Costs about the file's size in temporary disk space.
#pragma once

#include <cstdint>
#include <string>

#include "shadekv/common/status.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::restore {

struct SnapshotFileStatus {
  // The keyspace hash at `revision`: what `endpoint hashkv --rev REVISION`
  // answers on the member the snapshot came from.
  uint32_t hash = 0;
  int64_t revision = 0;
  int64_t compact_revision = 0;
  uint64_t total_keys = 0;  // keys live at `revision`
  uint64_t total_size = 0;  // bytes of the file
  uint64_t records = 0;     // version, meta and annotation records
  std::string sha256;       // hex, the trailer's checksum (verified)
};

// Errors (nothing left behind): kNotFound missing file, kInvalidArgument
// not a regular file or a foreign file (e.g. an etcd bolt snapshot),
// kDataLoss empty, truncated or corrupt (a flipped bit anywhere),
// kUnavailable scratch space errors.
Result<SnapshotFileStatus> InspectSnapshotFile(const std::string& path,
                                               const store::SnapshotProgress& progress = {});

}  // namespace shadekv::restore
