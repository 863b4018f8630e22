// RaftEntryCache: the most recently appended log entries, kept in memory so the
// leader's replication reads (Entries() for entries it just appended) do not go
// to LevelDB and decode each value again.
//
// The cache holds one contiguous run [first(), last()] that always ends at the
// log's last index, bounded by an entry count and a byte budget (data bytes);
// the oldest entries fall out first. It mirrors every change the log store
// makes: appends (with suffix truncation), compaction and snapshot install.
// Not thread-safe; owned by RaftLogStore.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <vector>

#include "shadekv/raft/types.h"

namespace shadekv::store {

class RaftEntryCache {
 public:
  // A cache that holds at most max_entries entries and about max_bytes bytes
  // of entry data (at least one entry when max_entries > 0). max_entries == 0
  // disables it.
  RaftEntryCache(size_t max_entries, size_t max_bytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}

  // Records contiguous entries just written to the log, starting at
  // entries.front().index. Cached entries at or after that index are replaced;
  // when the new run does not continue the cached one, the cache restarts with it.
  void Append(const std::vector<raft::Entry>& entries);

  // Forgets entries with index <= index (the log discarded them).
  void DropThrough(uint64_t index);

  void Clear();

  // True when every index in [lo, hi) is cached (lo < hi).
  bool Covers(uint64_t lo, uint64_t hi) const;

  // Appends entries [lo, hi) to out with the Storage::Entries size rule: stop
  // before the entry that takes the data total (counting the entries already
  // in out) past max_bytes, but never leave out empty. Requires Covers(lo, hi).
  void Get(uint64_t lo, uint64_t hi, uint64_t max_bytes, std::vector<raft::Entry>* out) const;

  bool empty() const { return entries_.empty(); }
  // Index of the oldest cached entry. Requires !empty().
  uint64_t first() const { return entries_.front().index; }
  size_t size() const { return entries_.size(); }
  size_t bytes() const { return bytes_; }

 private:
  void Shrink();

  const size_t max_entries_;
  const size_t max_bytes_;
  std::deque<raft::Entry> entries_;  // contiguous indexes, oldest first
  size_t bytes_ = 0;                 // sum of entries_[i].data.size()
};

}  // namespace shadekv::store
