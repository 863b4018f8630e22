#include "agent/raft/unstable.h"

#include <string>

#include "agent/raft/invariant.h"

namespace shadekv::raft {

std::optional<uint64_t> Unstable::MaybeFirstIndex() const {
  if (snapshot_) return snapshot_->meta.index + 1;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeLastIndex() const {
  if (!entries_.empty()) return offset_ + entries_.size() - 1;
  if (snapshot_) return snapshot_->meta.index;
  return std::nullopt;
}

std::optional<uint64_t> Unstable::MaybeTerm(uint64_t index) const {
  if (index < offset_) {
    if (snapshot_ && snapshot_->meta.index == index) return snapshot_->meta.term;
    return std::nullopt;
  }
  std::optional<uint64_t> last = MaybeLastIndex();
  if (!last || index > *last) return std::nullopt;
  return entries_[index - offset_].term;
}

void Unstable::StableTo(uint64_t index, uint64_t term) {
  std::optional<uint64_t> held_term = MaybeTerm(index);
  if (!held_term || *held_term != term || index < offset_) return;
  entries_.erase(entries_.begin(),
                 entries_.begin() + static_cast<std::ptrdiff_t>(index + 1 - offset_));
  offset_ = index + 1;
}

void Unstable::StableSnapTo(uint64_t index) {
  if (snapshot_ && snapshot_->meta.index == index) snapshot_.reset();
}

void Unstable::Restore(const Snapshot& snapshot) {
  offset_ = snapshot.meta.index + 1;
  entries_.clear();
  snapshot_ = snapshot;
}

void Unstable::TruncateAndAppend(const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  const uint64_t after = entries.front().index;
  if (after == offset_ + entries_.size()) {
    // Directly follows what we hold.
  } else if (after <= offset_) {
    // Replaces everything held here (and a stable suffix the host will overwrite).
    offset_ = after;
    entries_.clear();
  } else {
    entries_.resize(after - offset_);
  }
  entries_.insert(entries_.end(), entries.begin(), entries.end());
}

std::vector<Entry> Unstable::Slice(uint64_t lo, uint64_t hi) const {
  if (lo > hi || lo < offset_ || hi > offset_ + entries_.size()) {
    InvariantViolated("unstable slice [" + std::to_string(lo) + "," + std::to_string(hi) +
                      ") out of bounds [" + std::to_string(offset_) + "," +
                      std::to_string(offset_ + entries_.size()) + "]");
  }
  return std::vector<Entry>(entries_.begin() + static_cast<std::ptrdiff_t>(lo - offset_),
                            entries_.begin() + static_cast<std::ptrdiff_t>(hi - offset_));
}

}  // namespace shadekv::raft
