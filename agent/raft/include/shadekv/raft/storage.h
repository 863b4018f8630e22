// The read-only view of the log that the Raft core needs from its host.
//
// The core never writes storage: the host persists what a Ready batch asks for
// (entries, hard state, snapshot) and then the core reads it back through this
// interface. store/ implements it on LevelDB; tests implement it in memory
// (MemoryStorage). All methods are called only from the thread that drives the
// core, and never concurrently with the host writing the same storage.
#pragma once

#include <cstdint>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/raft/types.h"

namespace shadekv::raft {

// Named storage errors. The core tells them apart by code:
//  - compacted:   kOutOfRange  - the index is at or below the last snapshot, the
//                 entry was discarded (the leader sends a snapshot instead).
//  - unavailable: kUnavailable - the index is beyond the last index.
// Any other code is a storage failure the core cannot recover from.
Status ErrCompacted(uint64_t index);
Status ErrUnavailable(uint64_t index);
inline bool IsCompacted(const Status& s) { return s.code() == StatusCode::kOutOfRange; }
inline bool IsUnavailable(const Status& s) { return s.code() == StatusCode::kUnavailable; }

struct InitialState {
  HardState hard_state;
  ConfState conf_state;  // membership as of the last snapshot or applied conf change
};

class Storage {
 public:
  virtual ~Storage() = default;

  // The persisted hard state and membership, read once when the core starts.
  virtual Result<InitialState> LoadInitialState() const = 0;

  // Entries with index in [lo, hi), in order, cut after the total data size
  // passes max_bytes but always at least one entry when lo < hi.
  // Errors: compacted when lo <= the snapshot index; unavailable when
  // hi > LastIndex() + 1.
  virtual Result<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi,
                                             uint64_t max_bytes) const = 0;

  // The term of the entry at index. Valid for [FirstIndex()-1, LastIndex()]:
  // FirstIndex()-1 answers the snapshot's term. Errors as for Entries.
  virtual Result<uint64_t> Term(uint64_t index) const = 0;

  // Index of the first entry still in the log (snapshot index + 1; 1 when
  // there was never a snapshot).
  virtual uint64_t FirstIndex() const = 0;

  // Index of the last entry (the snapshot index when the log is empty).
  virtual uint64_t LastIndex() const = 0;

  // The most recent snapshot, for sending to a follower that needs entries we
  // no longer have. kUnavailable means "not ready yet, try later" (the core
  // retries on a later tick).
  virtual Result<Snapshot> GetSnapshot() const = 0;
};

}  // namespace shadekv::raft
