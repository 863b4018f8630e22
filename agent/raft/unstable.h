// Unstable: the tail of the log (and maybe a snapshot) that the core has
// accepted but the host has not yet persisted (etcd's `unstable`).
//
// Entries live here from the moment they are appended until the host reports,
// through Advance(), that they reached stable storage. Indexes at or above
// offset() are answered from here; below it, from Storage.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "shadekv/raft/types.h"

namespace shadekv::raft {

class Unstable {
 public:
  explicit Unstable(uint64_t offset) : offset_(offset) {}

  // First index known only because of a pending snapshot, if any.
  std::optional<uint64_t> MaybeFirstIndex() const;
  // Last index held here (entries, else the pending snapshot), if any.
  std::optional<uint64_t> MaybeLastIndex() const;
  // Term of index when it is held here (or is the pending snapshot's index).
  std::optional<uint64_t> MaybeTerm(uint64_t index) const;

  // The host persisted entries up to index (whose term is term): forget them.
  // Ignored when the entry was replaced meanwhile (term differs).
  void StableTo(uint64_t index, uint64_t term);
  // The host installed the snapshot at index: forget it.
  void StableSnapTo(uint64_t index);

  // Replaces everything with a snapshot received from the leader (§7).
  void Restore(const Snapshot& snapshot);

  // Appends entries, first dropping any held suffix they conflict with.
  void TruncateAndAppend(const std::vector<Entry>& entries);

  // Entries in [lo, hi); requires offset() <= lo <= hi <= offset()+size.
  std::vector<Entry> Slice(uint64_t lo, uint64_t hi) const;

  uint64_t offset() const { return offset_; }
  const std::vector<Entry>& entries() const { return entries_; }
  const std::optional<Snapshot>& snapshot() const { return snapshot_; }

 private:
  std::optional<Snapshot> snapshot_;
  std::vector<Entry> entries_;
  uint64_t offset_;  // index of entries_[0]
};

}  // namespace shadekv::raft
