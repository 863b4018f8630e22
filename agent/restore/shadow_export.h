// Reads a (stopped) shadow's data: finds its MirrorStore and exports it as a
// kv snapshot file, with the keyspace hash at a chosen revision, for
// BuildMemberDataDir (fork at REV, promote).
//
// The shadow must be stopped (or its directory copied): the mirror's LevelDB
// lock makes a running shadow's store unopenable, and that is reported as
// such. Nothing in the shadow's directory is changed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "shadekv/common/status.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::restore {

// The mirror directory (the one holding CURRENT) of a shadow data dir: the
// dir itself, or its "mirror" subdirectory. kNotFound when neither holds one.
Result<std::string> LocateMirrorDir(const std::string& shadow_data_dir);

struct ShadowExport {
  int64_t revision = 0;          // the shadow's applied revision (the file's)
  int64_t compact_revision = 0;  // the shadow's own retention
  int64_t at_revision = 0;       // the revision `hash_at` describes
  uint32_t hash_at = 0;          // HashKv(at_revision)
};

// Writes the mirror's snapshot to `out_path`; `at_revision` (default: the
// current one) is checked against the mirror's history (kOutOfRange future,
// kOutOfRange compacted). On error `out_path` is removed.
Result<ShadowExport> ExportShadowSnapshot(const std::string& shadow_data_dir,
                                          const std::string& out_path,
                                          std::optional<int64_t> at_revision,
                                          const store::SnapshotProgress& progress = {});

}  // namespace shadekv::restore
