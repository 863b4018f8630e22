// etcd's watch range and filter rules (mvcc/watcher.go, v3rpc/watch.go).
#include "agent/watch/watch_filter.h"

namespace shadekv::watch {
namespace {

bool IsFromKey(const WatchCreate& w) { return w.range_end.size() == 1 && w.range_end[0] == '\0'; }

}  // namespace

bool IsEmptyWatchRange(const WatchCreate& w) {
  return !w.range_end.empty() && !IsFromKey(w) && w.range_end <= w.key;
}

bool InWatchRange(const WatchCreate& w, std::string_view key) {
  if (w.range_end.empty()) return key == w.key;
  if (key < std::string_view(w.key)) return false;
  return IsFromKey(w) || key < std::string_view(w.range_end);
}

std::vector<store::KeyChange> SelectChanges(const WatchCreate& w,
                                            const std::vector<store::KeyChange>& changes) {
  std::vector<store::KeyChange> out;
  for (const store::KeyChange& c : changes) {
    if (c.type == store::KeyChange::Type::kPut && w.no_put) continue;
    if (c.type == store::KeyChange::Type::kDelete && w.no_delete) continue;
    if (!InWatchRange(w, c.kv.key)) continue;
    out.push_back(c);
    if (!w.prev_kv) out.back().prev_kv.reset();
  }
  return out;
}

}  // namespace shadekv::watch
