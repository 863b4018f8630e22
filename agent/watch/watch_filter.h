// Which changes a watcher sees: etcd's key-range rules, the NOPUT/NODELETE
// filters, and prev_kv only when asked. Pure functions.
#pragma once

#include <string_view>
#include <vector>

#include "agent/watch/watch_types.h"
#include "shadekv/store/kv_types.h"

namespace shadekv::watch {

// True when the create names a range that can hold no key (range_end set,
// not "\0", and <= key): etcd refuses it with kEmptyWatchRange.
bool IsEmptyWatchRange(const WatchCreate& w);

// True when the create names a single key (range_end empty).
inline bool IsSingleKey(const WatchCreate& w) { return w.range_end.empty(); }

bool InWatchRange(const WatchCreate& w, std::string_view key);

// The changes of one revision this watcher reports, in their order, with
// prev_kv dropped unless asked for.
std::vector<store::KeyChange> SelectChanges(const WatchCreate& w,
                                            const std::vector<store::KeyChange>& changes);

}  // namespace shadekv::watch
