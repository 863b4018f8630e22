// The watch hub's view of the mirror's history. It asks MirrorStore::Store()
// on every call, so after a snapshot install the hub reads the new store
// generation (the hub is told by OnRevisionJump).
#pragma once

#include "agent/watch/watch_history.h"
#include "shadekv/mirror/mirror_store.h"

namespace shadekv::shadow {

class MirrorHistory : public watch::WatchHistory {
 public:
  // `mirror` must outlive this adapter.
  explicit MirrorHistory(const mirror::MirrorStore* mirror) : mirror_(mirror) {}

  Result<std::vector<store::ChangeEvent>> Changes(int64_t from_exclusive, int64_t to_inclusive,
                                                  size_t max_events) const override {
    return mirror_->Store()->Changes(from_exclusive, to_inclusive, max_events);
  }
  int64_t CurrentRevision() const override { return mirror_->Store()->CurrentRevision(); }
  int64_t CompactRevision() const override { return mirror_->Store()->CompactRevision(); }

 private:
  const mirror::MirrorStore* mirror_;
};

}  // namespace shadekv::shadow
