// The store history a watch hub catches up from: the MvccStore itself in
// tests, the member's state machine in the agent. Both offer the same three
// reads, so one adapter template serves them.
//
// Thread-safety: implementations are called from stream writer threads, many
// at once, and must allow that (MvccStore and KvStateMachine do).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"

namespace shadekv::watch {

class WatchHistory {
 public:
  virtual ~WatchHistory() = default;
  // MvccStore::Changes' contract: revisions (from_exclusive, to_inclusive],
  // at most max_events of them; kOutOfRange "...compacted" when
  // from_exclusive + 1 < CompactRevision().
  virtual Result<std::vector<store::ChangeEvent>> Changes(int64_t from_exclusive,
                                                          int64_t to_inclusive,
                                                          size_t max_events) const = 0;
  virtual int64_t CurrentRevision() const = 0;
  virtual int64_t CompactRevision() const = 0;
};

// Adapts anything with those three methods. `source` must outlive the adapter.
template <typename Source>
class HistoryOf : public WatchHistory {
 public:
  explicit HistoryOf(const Source* source) : source_(source) {}
  Result<std::vector<store::ChangeEvent>> Changes(int64_t from_exclusive, int64_t to_inclusive,
                                                  size_t max_events) const override {
    return source_->Changes(from_exclusive, to_inclusive, max_events);
  }
  int64_t CurrentRevision() const override { return source_->CurrentRevision(); }
  int64_t CompactRevision() const override { return source_->CompactRevision(); }

 private:
  const Source* source_;
};

}  // namespace shadekv::watch
