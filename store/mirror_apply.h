// MirrorWriter: checks one revision made by another store (a primary) against
// the live keyspace and writes it, exactly as given, into a LevelDB
// WriteBatch. The checks are what makes a mirror trustworthy: a revision that
// does not follow from the mirror's own state means the two stores diverged,
// and applying it anyway would silently corrupt every later read.
#pragma once

#include <cstdint>
#include <vector>

#include <leveldb/write_batch.h>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"
#include "store/mvcc_reader.h"

namespace shadekv::store {

// Writes the version and history records of `changes` at `revision` into
// `batch` (sub-revisions 0, 1, ... in the given order), after checking each
// change against the live state at revision - 1 plus the earlier changes of
// the same revision:
//  - `changes` is not empty;
//  - PUT: non-empty key, kv.mod_revision == revision, and either the key is
//    not live and version == 1, create_revision == revision, or the key is
//    live and create_revision is the live one's, version == live + 1;
//  - DELETE: the key is live, kv.mod_revision == revision, and kv carries
//    nothing but key and mod_revision (that is all a tombstone keeps);
//  - prev_kv, when given, equals the live version exactly, and is given
//    whenever the key is live (the primary always reports it).
// Violations: kDataLoss "mirror diverged at revision R: change I (key K): ...",
// and `batch` must then be discarded. Read errors are returned as they are.
// `live` must read the live database at revision - 1 (the apply thread's view).
Status WriteMirroredChanges(const MvccReader& live, int64_t revision,
                            const std::vector<KeyChange>& changes, leveldb::WriteBatch* batch);

}  // namespace shadekv::store
