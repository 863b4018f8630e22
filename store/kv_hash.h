// The keyspace hash: CRC32 over the live keys at a revision, independent of
// how much history a store retains. Members and shadows compare it to detect
// divergence; snapshot restores verify it.
#pragma once

#include <cstdint>

#include "shadekv/common/status.h"
#include "store/mvcc_reader.h"

namespace shadekv::store {

// For each live key at `at`, in key order, folds
//   be32(len key) key be32(len value) value
//   be64(create_revision) be64(mod_revision) be64(version) be64(lease)
// into one Poco CRC32. Never change the folding: hashes are compared across
// members running different builds.
Result<uint32_t> HashLiveKeyspace(const MvccReader& reader, uint64_t at);

}  // namespace shadekv::store
