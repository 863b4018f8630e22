// The restore library end to end with real processes: a real member's store
// (history, a lease, membership, envelopes) is exported after SIGKILL, built
// into data dirs of a NEW cluster, and plain `shadekv` processes start on
// them: 3 members, and 1 member with the revision bumped.
#include <gtest/gtest.h>

#include <fstream>

#include "agent/restore/data_dir_builder.h"
#include "agent/server/member_directory.h"
#include "shadekv/store/mvcc_store.h"
#include "tests/agent/restore/restore_fixture.h"

namespace shadekv::restore_testing {
namespace {

using std::chrono::milliseconds;

class RestoreCluster : public RestoreFixture {
 protected:
  // A one-member primary with history, a lease with an attached key, then
  // SIGKILLed; its store exported to root_/snap. Returns its state.
  std::vector<store::KeyValue> MakeSourceSnapshot(int64_t* revision, uint64_t* cluster_id,
                                                  std::string* lease_id) {
    StartCluster(1);
    WaitForLeader({0}, milliseconds(20000));
    for (int i = 0; i < 40; ++i) {
      EXPECT_TRUE(Put(0, "/config/" + std::to_string(i % 15), "value-" + std::to_string(i)).ok());
    }
    EXPECT_TRUE(Delete(0, "/config/7").ok());
    auto grant = Call(0, "/v3/lease/grant", "{\"TTL\":\"600\"}");
    EXPECT_TRUE(grant.ok() && grant->status == 200);
    const std::string marker = "\"ID\":\"";
    size_t at = grant->body.find(marker);
    EXPECT_NE(at, std::string::npos) << grant->body;
    *lease_id = grant->body.substr(at + marker.size(),
                                   grant->body.find('"', at + marker.size()) - at - marker.size());
    auto leased =
        Call(0, "/v3/kv/put",
             "{\"key\":\"" + cluster_testing::Base64("/leased") + "\",\"value\":\"" +
                 cluster_testing::Base64("on-lease") + "\",\"lease\":\"" + *lease_id + "\"}");
    EXPECT_TRUE(leased.ok() && leased->status == 200);
    EXPECT_TRUE(Put(0, "/config/last", "end").ok());
    std::vector<store::KeyValue> state = RangeAll(0, revision);
    *cluster_id = ClusterIdOf(0);
    Kill(0);
    auto kv = store::MvccStore::Open(agents_[0].data_dir + "/kv");
    EXPECT_TRUE(kv.ok()) << kv.status().ToString();
    std::ofstream out(root_ + "/snap", std::ios::binary);
    EXPECT_TRUE((*kv)
                    ->ExportSnapshot([&](std::string_view chunk) {
                      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                      return Status::Ok();
                    })
                    .ok());
    return state;
  }

  restore::NewClusterSpec SpecFor(int i) {
    restore::NewClusterSpec spec;
    spec.name = agents_[i].name;
    spec.initial_cluster = agents_[i].initial_cluster;
    spec.token = token_;
    spec.initial_advertise_peer_urls = {agents_[i].peer_url()};
    return spec;
  }
};

TEST_F(RestoreCluster, ThreeMembersServeEveryKeyWithItsRevisionsInANewCluster) {
  int64_t revision = 0;
  uint64_t old_cluster = 0;
  std::string lease;
  const std::vector<store::KeyValue> before = MakeSourceSnapshot(&revision, &old_cluster, &lease);
  ASSERT_GT(revision, 40);
  token_ = "restored-" + token_;
  const std::vector<int> members = PrepareMembers({"d", "e", "f"});
  for (int i : members) {
    auto built = restore::BuildMemberDataDir(root_ + "/snap", agents_[i].data_dir, SpecFor(i), {});
    ASSERT_TRUE(built.ok()) << built.status().ToString();
  }
  for (int i : members) Start(i);
  WaitForLeader(members, milliseconds(30000));
  for (int i : members) {
    int64_t now = 0;
    EXPECT_EQ(RangeAll(i, &now), before) << "member " << agents_[i].name;
    EXPECT_EQ(now, revision);
    EXPECT_EQ(ClusterIdOf(i), agent::ComputeClusterId(token_));
    EXPECT_NE(ClusterIdOf(i), old_cluster);
  }
  auto list = MemberList(members[0]);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 3u);
  // The lease survived (etcd's restore keeps leases) with its key attached.
  auto ttl = Call(members[1], "/v3/lease/timetolive", "{\"ID\":\"" + lease + "\",\"keys\":true}");
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(ttl->status, 200) << ttl->body;
  EXPECT_NE(ttl->body.find(cluster_testing::Base64("/leased")), std::string::npos) << ttl->body;
  // New writes continue the revision sequence, on every member.
  auto put = Put(members[2], "/after", "restore");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, revision + 1);
  WaitForConvergence(members, milliseconds(20000));
  // A restart replays nothing old and keeps everything.
  Kill(members[0]);
  Start(members[0]);
  WaitForLeader(members, milliseconds(30000));
  auto got = Get(members[0], "/after", true);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->mod_revision, revision + 1);
}

TEST_F(RestoreCluster, SingleMemberWithBumpedRevisionNeverGoesBackInTime) {
  int64_t revision = 0;
  uint64_t old_cluster = 0;
  std::string lease;
  const std::vector<store::KeyValue> before = MakeSourceSnapshot(&revision, &old_cluster, &lease);
  token_ = "bumped-" + token_;
  const int solo = PrepareMembers({"solo"})[0];
  restore::DataDirOptions options;
  options.bump_revision = 500;
  options.mark_compacted = true;
  auto built =
      restore::BuildMemberDataDir(root_ + "/snap", agents_[solo].data_dir, SpecFor(solo), options);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  Start(solo);
  WaitForLeader({solo}, milliseconds(20000));
  int64_t now = 0;
  EXPECT_EQ(RangeAll(solo, &now), before);
  EXPECT_EQ(now, revision + 500);
  auto put = Put(solo, "/after", "bump");
  ASSERT_TRUE(put.ok());
  EXPECT_EQ(*put, revision + 501);
  auto old = Call(solo, "/v3/kv/range",
                  "{\"key\":\"" + cluster_testing::Base64("/config/1") + "\",\"revision\":\"" +
                      std::to_string(revision) + "\"}");
  ASSERT_TRUE(old.ok());
  EXPECT_NE(old->body.find("compacted"), std::string::npos) << old->body;
}

TEST_F(RestoreCluster, StartingWithAnotherTokenIsRefused) {
  int64_t revision = 0;
  uint64_t old_cluster = 0;
  std::string lease;
  MakeSourceSnapshot(&revision, &old_cluster, &lease);
  const std::string built_token = "new-" + token_;
  const int solo = PrepareMembers({"solo"})[0];
  restore::NewClusterSpec spec = SpecFor(solo);
  spec.token = built_token;
  ASSERT_TRUE(restore::BuildMemberDataDir(root_ + "/snap", agents_[solo].data_dir, spec, {}).ok());
  // The fixture starts it with the OLD token: member.json refuses the mix.
  auto result = cluster_testing::RunCommand(
      {cluster_testing::ShadekvBinary(), "--name", "solo", "--data-dir", agents_[solo].data_dir,
       "--listen-client-urls", "http://127.0.0.1:" + std::to_string(agents_[solo].client_port),
       "--listen-peer-urls", agents_[solo].peer_url(), "--initial-cluster",
       agents_[solo].initial_cluster, "--initial-cluster-token", token_},
      root_, milliseconds(20000));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("--initial-cluster-token"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace shadekv::restore_testing
