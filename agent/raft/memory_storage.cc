#include "shadekv/raft/memory_storage.h"

#include <string>
#include <utility>

namespace shadekv::raft {

MemoryStorage::MemoryStorage() : entries_(1) {}

Result<InitialState> MemoryStorage::LoadInitialState() const {
  return InitialState{hard_state_, conf_state_};
}

Result<std::vector<Entry>> MemoryStorage::Entries(uint64_t lo, uint64_t hi,
                                                  uint64_t max_bytes) const {
  if (lo <= SnapshotIndex()) return ErrCompacted(lo);
  if (hi > LastIndex() + 1) return ErrUnavailable(hi - 1);
  std::vector<Entry> out;
  uint64_t bytes = 0;
  for (uint64_t i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - SnapshotIndex()];
    bytes += e.data.size();
    if (!out.empty() && bytes > max_bytes) break;
    out.push_back(e);
  }
  return out;
}

Result<uint64_t> MemoryStorage::Term(uint64_t index) const {
  if (index < SnapshotIndex()) return ErrCompacted(index);
  if (index > LastIndex()) return ErrUnavailable(index);
  return entries_[index - SnapshotIndex()].term;
}

uint64_t MemoryStorage::FirstIndex() const { return SnapshotIndex() + 1; }

uint64_t MemoryStorage::LastIndex() const { return SnapshotIndex() + entries_.size() - 1; }

Result<Snapshot> MemoryStorage::GetSnapshot() const {
  if (snapshot_unavailable_)
    return Status::Unavailable("raft: snapshot is temporarily unavailable");
  return snapshot_;
}

Status MemoryStorage::Append(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::Ok();
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != entries[i - 1].index + 1) {
      return Status::InvalidArgument("raft: appended entries are not contiguous at index " +
                                     std::to_string(entries[i].index));
    }
  }
  const uint64_t first = entries.front().index;
  if (first > LastIndex() + 1) {
    return Status::InvalidArgument("raft: missing log entries: last index " +
                                   std::to_string(LastIndex()) + ", appended from " +
                                   std::to_string(first));
  }
  // Skip what the snapshot already covers.
  size_t skip = 0;
  while (skip < entries.size() && entries[skip].index <= SnapshotIndex()) ++skip;
  if (skip == entries.size()) return Status::Ok();
  const uint64_t start = entries[skip].index;
  entries_.resize(start - SnapshotIndex());  // drop the conflicting suffix
  entries_.insert(entries_.end(), entries.begin() + static_cast<std::ptrdiff_t>(skip),
                  entries.end());
  return Status::Ok();
}

Status MemoryStorage::ApplySnapshot(const Snapshot& snapshot) {
  if (snapshot.meta.index <= snapshot_.meta.index) {
    return Status::FailedPrecondition("raft: snapshot out of date: have " +
                                      std::to_string(snapshot_.meta.index) + ", got " +
                                      std::to_string(snapshot.meta.index));
  }
  snapshot_ = snapshot;
  conf_state_ = snapshot.meta.conf_state;
  entries_.assign(1, Entry{snapshot.meta.term, snapshot.meta.index, EntryType::kNormal, ""});
  return Status::Ok();
}

Result<Snapshot> MemoryStorage::CreateSnapshot(uint64_t index, const ConfState& conf_state,
                                               std::string data) {
  if (index <= snapshot_.meta.index) {
    return Status::FailedPrecondition("raft: snapshot out of date: have " +
                                      std::to_string(snapshot_.meta.index) + ", asked for " +
                                      std::to_string(index));
  }
  if (index > LastIndex()) {
    return Status::OutOfRange("raft: snapshot index " + std::to_string(index) +
                              " is beyond last index " + std::to_string(LastIndex()));
  }
  SHADEKV_ASSIGN_OR_RETURN(uint64_t term, Term(index));
  snapshot_.meta = SnapshotMeta{index, term, conf_state};
  snapshot_.data = std::move(data);
  return snapshot_;
}

Status MemoryStorage::Compact(uint64_t index) {
  if (index <= SnapshotIndex()) return ErrCompacted(index);
  if (index > LastIndex()) {
    return Status::InvalidArgument("raft: compact index " + std::to_string(index) +
                                   " is beyond last index " + std::to_string(LastIndex()));
  }
  entries_.erase(entries_.begin(),
                 entries_.begin() + static_cast<std::ptrdiff_t>(index - SnapshotIndex()));
  entries_.front().data.clear();
  entries_.front().type = EntryType::kNormal;
  return Status::Ok();
}

}  // namespace shadekv::raft
