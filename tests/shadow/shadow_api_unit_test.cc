// The shadow API's pure pieces: which routes are refused, the refusal, the
// status JSON and the progress line.
#include <gtest/gtest.h>

#include "agent/api/etcd_errors.h"
#include "shadow/api/read_only.h"
#include "shadow/api/shadow_status.h"
#include "shadow/daemon/shadow_feeder.h"

namespace shadekv::shadow {
namespace {

TEST(ReadOnly, RefusesEveryWriteRoute) {
  for (const char* route :
       {"kv/put", "kv/deleterange", "kv/txn", "kv/compaction", "lease/grant", "lease/revoke",
        "lease/keepalive", "lease/timetolive", "lease/leases", "kv/lease/revoke",
        "cluster/member/add", "cluster/member/remove", "cluster/member/update",
        "cluster/member/promote", "maintenance/defragment", "auth/enable", "auth/user/add",
        "auth/role/grant"}) {
    EXPECT_TRUE(IsRefusedWriteRoute(route)) << route;
  }
  for (const char* route : {"kv/range", "maintenance/status", "maintenance/hashkv",
                            "maintenance/hash", "maintenance/alarm", "shadow/status"}) {
    EXPECT_FALSE(IsRefusedWriteRoute(route)) << route;
  }
}

TEST(ReadOnly, RefusalIsFailedPreconditionNamingTheCluster) {
  Status s = ReadOnlyRefusal(0xabc123, "kv/put");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "shadekv-shadow: read-only mirror of cluster abc123: writes go to the primary "
            "(refused /v3/kv/put)");
  EXPECT_EQ(api::HttpStatusForCode(s.code()), 412);
  EXPECT_NE(ReadOnlyRefusal(0, "kv/txn").message().find("cluster unknown"), std::string::npos);
}

TEST(ShadowStatusJson, EveryFieldAlwaysPresent) {
  api::ResponseHeader h;
  h.cluster_id = 7;
  h.member_id = 9;
  h.revision = 41;
  ShadowStatus s;
  s.name = "s";
  s.applied_revision = 41;
  s.primary_revision = 42;
  s.lag_revisions = 1;
  s.lag_ms = 15;
  s.publisher = "tcp://127.0.0.1:2390";
  s.last_heartbeat_age_ms = 120;
  s.snapshots_installed = 1;
  s.catchups = 2;
  EXPECT_EQ(EncodeShadowStatus(h, s),
            R"({"header":{"cluster_id":"7","member_id":"9","revision":"41"},"name":"s",)"
            R"("applied_revision":"41","primary_revision":"42","lag_revisions":"1",)"
            R"("lag_ms":"15","publisher":"tcp://127.0.0.1:2390","last_heartbeat_age_ms":"120",)"
            R"("up_to_date":false,"snapshots_installed":"1","catchups":"2",)"
            R"("compact_revision":"0","malformed_frames":"0","failovers":"0","running":true,)"
            R"("error":""})");
}

TEST(ShadowStatusJson, LagMsOnlyWhileBehind) {
  EXPECT_EQ(LagMs(0, 1000, 5000), 0);
  EXPECT_EQ(LagMs(3, 1000, 5000), 4000);
  EXPECT_EQ(LagMs(3, 0, 5000), 0);     // unknown time (after a snapshot)
  EXPECT_EQ(LagMs(3, 6000, 5000), 0);  // a leader clock ahead of ours
}

TEST(SyncProgress, LineShowsRevisionsPercentBytesAndTime) {
  EXPECT_EQ(FormatSyncProgress(250, 1000, 3 * 1024 * 1024, std::chrono::milliseconds(2500)),
            "initial sync: revision 250/1000 (25%), 3.0 MiB received, 2.5 s");
  EXPECT_EQ(FormatSyncProgress(0, 0, 0, std::chrono::milliseconds(0)),
            "initial sync: revision 0/0 (0%), 0.0 MiB received, 0.0 s");
  EXPECT_EQ(FormatSyncProgress(90, 100, 0, std::chrono::milliseconds(100), true),
            "catching up: revision 90/100 (90%), 0.0 MiB received, 0.1 s");
}

}  // namespace
}  // namespace shadekv::shadow
