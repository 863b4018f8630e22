// The watch component's value types: what a client asks for (WatchCreate)
// and what a stream hands back to be written (WatchResponse). They mirror
// etcd's WatchCreateRequest and WatchResponse without any encoding, so the
// hub stays free of JSON and sockets.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shadekv/store/kv_types.h"

namespace shadekv::watch {

// The watch id etcd reports for a create that failed and for answers to a
// progress request, which belong to no watcher.
inline constexpr int64_t kNoWatchId = -1;

// etcd's cancel reasons, verbatim.
inline constexpr char kDuplicateWatchId[] = "mvcc: duplicate watch ID provided on the WatchStream";
inline constexpr char kEmptyWatchRange[] = "mvcc: watcher range is empty";

struct WatchCreate {
  std::string key;
  // etcd's rules: empty = the single key `key`; "\0" = every key >= key;
  // otherwise [key, range_end), refused when range_end <= key.
  std::string range_end;
  int64_t start_revision = 0;  // <= 0: from the next revision on
  bool progress_notify = false;
  bool no_put = false;     // filter NOPUT
  bool no_delete = false;  // filter NODELETE
  bool prev_kv = false;
  int64_t watch_id = 0;   // 0: the stream picks the lowest unused id >= 0
  bool fragment = false;  // split responses larger than the request limit
};

struct WatchResponse {
  int64_t watch_id = 0;
  // The header revision; 0 leaves it out (etcd does for a compaction cancel).
  int64_t revision = 0;
  bool created = false;
  bool canceled = false;
  int64_t compact_revision = 0;
  std::string cancel_reason;
  bool fragment = false;  // the watcher accepts fragmented responses
  std::vector<store::KeyChange> events;
};

}  // namespace shadekv::watch
