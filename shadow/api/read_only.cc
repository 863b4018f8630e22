// The shadow's write refusals.
#include "shadow/api/read_only.h"

#include <cstdio>
#include <set>

namespace shadekv::shadow {

bool IsRefusedWriteRoute(const std::string& route) {
  static const std::set<std::string> kWrites = {
      "kv/put",
      "kv/deleterange",
      "kv/txn",
      "kv/compaction",
      "cluster/member/add",
      "cluster/member/remove",
      "cluster/member/update",
      "cluster/member/promote",
      "maintenance/defragment",
      "maintenance/snapshot",  // a shadow's data is copied with shadectl shadow fork
      "maintenance/movealarm",
      "maintenance/transfer-leadership",
  };
  if (kWrites.count(route) != 0) return true;
  // Leases and auth live on the primary (the mirror holds keys, not lease or
  // user tables); their reads are refused too rather than answered wrongly.
  return route.rfind("lease/", 0) == 0 || route.rfind("kv/lease/", 0) == 0 ||
         route.rfind("auth/", 0) == 0;
}

Status ReadOnlyRefusal(uint64_t cluster_id, const std::string& route) {
  std::string cluster = "unknown";
  if (cluster_id != 0) {
    char hex[32];
    std::snprintf(hex, sizeof(hex), "%llx", static_cast<unsigned long long>(cluster_id));
    cluster = hex;
  }
  return Status::FailedPrecondition("shadekv-shadow: read-only mirror of cluster " + cluster +
                                    ": writes go to the primary (refused /v3/" + route + ")");
}

}  // namespace shadekv::shadow
