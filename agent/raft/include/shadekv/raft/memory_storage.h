// MemoryStorage: a Storage kept entirely in memory.
//
// Tests and the simulation use it as the host's "stable" storage: the host
// performs a Ready batch by calling the writer methods below, and the core reads
// the result back through the Storage interface. Layout follows etcd's
// MemoryStorage: entries_[0] is a dummy entry holding the snapshot's index and
// term, so Term(FirstIndex()-1) always answers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/raft/storage.h"
#include "shadekv/raft/types.h"

namespace shadekv::raft {

class MemoryStorage : public Storage {
 public:
  MemoryStorage();

  // Storage (read side).
  Result<InitialState> LoadInitialState() const override;
  Result<std::vector<Entry>> Entries(uint64_t lo, uint64_t hi, uint64_t max_bytes) const override;
  Result<uint64_t> Term(uint64_t index) const override;
  uint64_t FirstIndex() const override;
  uint64_t LastIndex() const override;
  Result<Snapshot> GetSnapshot() const override;

  // Writer side, used by the host while performing a Ready batch.

  void SetHardState(const HardState& hard_state) { hard_state_ = hard_state; }
  const HardState& hard_state() const { return hard_state_; }

  // Sets the membership reported by LoadInitialState (used to bootstrap a
  // cluster and by hosts that record applied conf changes).
  void SetConfState(const ConfState& conf_state) { conf_state_ = conf_state; }
  const ConfState& conf_state() const { return conf_state_; }

  // Appends entries (contiguous, increasing indexes). Entries at or below the
  // snapshot index are ignored; an existing suffix from entries[0].index on is
  // replaced. Fails with kInvalidArgument when entries would leave a gap after
  // LastIndex() or are not contiguous.
  Status Append(const std::vector<Entry>& entries);

  // Replaces the whole log with snapshot. Fails with kFailedPrecondition
  // ("snapshot out of date") when snapshot is not newer than the current one.
  Status ApplySnapshot(const Snapshot& snapshot);

  // Records a snapshot of the state machine as of index (which must be in
  // (snapshot index, LastIndex()]); the log itself is not compacted (call
  // Compact). Fails with kFailedPrecondition when index is not newer than the
  // current snapshot, kOutOfRange when index > LastIndex().
  Result<Snapshot> CreateSnapshot(uint64_t index, const ConfState& conf_state, std::string data);

  // Discards entries up to and including index (index <= LastIndex()). Fails
  // with kOutOfRange (compacted) when index is already compacted and
  // kInvalidArgument when index > LastIndex().
  Status Compact(uint64_t index);

  // Makes GetSnapshot() answer kUnavailable until called with false (for
  // testing the leader's retry path).
  void SetSnapshotTemporarilyUnavailable(bool unavailable) { snapshot_unavailable_ = unavailable; }

 private:
  uint64_t SnapshotIndex() const { return entries_.front().index; }

  HardState hard_state_;
  ConfState conf_state_;
  Snapshot snapshot_;
  std::vector<Entry> entries_;  // entries_[0] is the dummy (snapshot index/term)
  bool snapshot_unavailable_ = false;
};

}  // namespace shadekv::raft
