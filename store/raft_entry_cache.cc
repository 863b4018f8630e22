// Bounded cache of the newest Raft log entries; see raft_entry_cache.h.
#include "store/raft_entry_cache.h"

namespace shadekv::store {

void RaftEntryCache::Append(const std::vector<raft::Entry>& entries) {
  if (max_entries_ == 0 || entries.empty()) return;
  const uint64_t start = entries.front().index;
  if (entries_.empty() || start < entries_.front().index || start > entries_.back().index + 1) {
    Clear();
  } else {
    while (!entries_.empty() && entries_.back().index >= start) {
      bytes_ -= entries_.back().data.size();
      entries_.pop_back();
    }
  }
  // Only the tail can survive the bounds; skip copying what would fall out.
  size_t skip = entries.size() > max_entries_ ? entries.size() - max_entries_ : 0;
  for (size_t i = skip; i < entries.size(); ++i) {
    bytes_ += entries[i].data.size();
    entries_.push_back(entries[i]);
  }
  Shrink();
}

void RaftEntryCache::DropThrough(uint64_t index) {
  while (!entries_.empty() && entries_.front().index <= index) {
    bytes_ -= entries_.front().data.size();
    entries_.pop_front();
  }
}

void RaftEntryCache::Clear() {
  entries_.clear();
  bytes_ = 0;
}

bool RaftEntryCache::Covers(uint64_t lo, uint64_t hi) const {
  return !entries_.empty() && lo < hi && lo >= entries_.front().index &&
         hi <= entries_.back().index + 1;
}

void RaftEntryCache::Get(uint64_t lo, uint64_t hi, uint64_t max_bytes,
                         std::vector<raft::Entry>* out) const {
  const uint64_t first = entries_.front().index;
  uint64_t total = 0;
  for (const raft::Entry& e : *out) total += e.data.size();
  for (uint64_t i = lo; i < hi; ++i) {
    const raft::Entry& e = entries_[i - first];
    total += e.data.size();
    if (!out->empty() && total > max_bytes) break;
    out->push_back(e);
  }
}

void RaftEntryCache::Shrink() {
  while (entries_.size() > 1 && (entries_.size() > max_entries_ || bytes_ > max_bytes_)) {
    bytes_ -= entries_.front().data.size();
    entries_.pop_front();
  }
}

}  // namespace shadekv::store
