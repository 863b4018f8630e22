// RaftLog: the replicated log as the core sees it (etcd's raftLog): the stable
// part read through Storage, the unstable tail held in memory, and the commit
// and apply cursors (§5.3, Figure 2 "Volatile state on all servers").
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "agent/raft/unstable.h"
#include "shadekv/common/status.h"
#include "shadekv/raft/storage.h"
#include "shadekv/raft/types.h"

namespace shadekv::raft {

class RaftLog {
 public:
  explicit RaftLog(const Storage* storage);

  uint64_t FirstIndex() const;
  uint64_t LastIndex() const;
  uint64_t LastTerm() const;

  // Term of the entry at index; compacted/unavailable errors as Storage.
  // Index 0 and indexes beyond the log answer 0 (etcd semantics) only via
  // TermOrZero.
  Result<uint64_t> Term(uint64_t index) const;
  uint64_t TermOrZero(uint64_t index) const;
  bool MatchTerm(uint64_t index, uint64_t term) const;

  // §5.4.1 election restriction: is (last_index, last_term) at least as
  // up-to-date as our log?
  bool IsUpToDate(uint64_t last_index, uint64_t last_term) const;

  // The follower side of AppendEntries (§5.3): if our entry at index has term
  // log_term, appends the new entries (dropping a conflicting suffix) and
  // advances commit to min(commit, last new index). Returns the last new
  // index, or nullopt when the consistency check fails.
  std::optional<uint64_t> MaybeAppend(uint64_t index, uint64_t log_term, uint64_t commit,
                                      const std::vector<Entry>& entries);

  // Appends entries after a possible truncation; returns the new last index.
  // Truncating at or below the commit index aborts (a committed entry would
  // be lost: Log Matching / Leader Completeness broken).
  uint64_t Append(const std::vector<Entry>& entries);

  // First index whose term differs from ours (or that we lack), 0 if none.
  uint64_t FindConflict(const std::vector<Entry>& entries) const;

  // For fast backtracking: the largest index <= index whose term is <= term,
  // with that term (0 when unknown/compacted).
  std::pair<uint64_t, uint64_t> FindConflictByTerm(uint64_t index, uint64_t term) const;

  // Entries in [lo, hi) totalling at most max_bytes (at least one).
  Result<std::vector<Entry>> Slice(uint64_t lo, uint64_t hi, uint64_t max_bytes) const;
  Result<std::vector<Entry>> EntriesFrom(uint64_t lo, uint64_t max_bytes) const;

  // Committed entries not yet handed to the host for applying.
  std::vector<Entry> NextCommittedEntries() const;
  bool HasNextCommittedEntries() const;
  // True when (applied, committed] holds a conf change entry.
  bool HasUnappliedConfChange() const;

  // The snapshot to send a lagging follower (pending unstable one first).
  Result<Snapshot> GetSnapshot() const;

  void CommitTo(uint64_t index);
  bool MaybeCommit(uint64_t index, uint64_t term);
  void AppliedTo(uint64_t index);
  void StableTo(uint64_t index, uint64_t term) { unstable_.StableTo(index, term); }
  void StableSnapTo(uint64_t index) { unstable_.StableSnapTo(index); }
  void Restore(const Snapshot& snapshot);

  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }
  const Unstable& unstable() const { return unstable_; }

 private:
  // Aborts on a storage failure other than compacted/unavailable.
  static void CheckStorage(const Status& status);

  const Storage* storage_;
  Unstable unstable_;
  uint64_t committed_;
  uint64_t applied_;
};

}  // namespace shadekv::raft
