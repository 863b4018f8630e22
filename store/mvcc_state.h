// Reading the MvccStore's state entries (applied index, revision, compaction
// revision; names in store/key_codec.h) from the live database or a snapshot.
#pragma once

#include <leveldb/db.h>

#include <cstdint>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::store {

// The be64 state entry `name` at `snapshot` (null: latest); `fallback` when
// absent, kDataLoss when it is not 8 bytes.
Result<uint64_t> ReadState(leveldb::DB* db, const leveldb::Snapshot* snapshot,
                           std::string_view name, uint64_t fallback);

}  // namespace shadekv::store
