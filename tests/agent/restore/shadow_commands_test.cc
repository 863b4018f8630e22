// `shadectl shadow fork|promote|replay|status` as real processes: a shadow's
// mirror store built with the MirrorStore API from a seeded primary workload
// (EVENT bodies, as the bus delivers them), forked at a revision and promoted
// to a 3-member cluster that real `shadekv` processes serve; replay against a
// real member (it serves the same read API as a shadow).
#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/server/event_envelope.h"
#include "agent/server/member_directory.h"
#include "shadekv/mirror/mirror_store.h"
#include "tests/agent/restore/restore_fixture.h"
#include "tests/agent/restore/tool_run.h"
#include "tests/mirror/primary_workload.h"

namespace shadekv::restore_testing {
namespace {

using std::chrono::milliseconds;
namespace fs = std::filesystem;

class ShadowCommands : public RestoreFixture {
 protected:
  // A shadow data dir (its mirror in <dir>/mirror) holding `steps` random
  // primary requests, all history kept. Closed when this returns.
  std::string MakeShadow(int steps, int64_t* revision) {
    const std::string shadow = root_ + "/shadow";
    mirror::testing::PrimaryWorkload workload(root_ + "/primary", 7, /*compactions=*/false);
    auto opened = mirror::MirrorStore::Open(shadow + "/mirror");
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    for (int i = 0; i < steps; ++i) {
      std::optional<std::string> body = workload.Step();
      if (body) {
        EXPECT_TRUE((*opened)->ApplyEvent(*body).ok());
      }
    }
    *revision = (*opened)->AppliedRevision();
    return shadow;
  }

  ToolResult Shadectl(std::vector<std::string> args) {
    args.insert(args.begin(), ShadectlBinary());
    return RunTool(args, milliseconds(60000));
  }

  static Poco::JSON::Object::Ptr Json(const std::string& text) {
    try {
      return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception&) {
      ADD_FAILURE() << "not JSON: " << text;
      return new Poco::JSON::Object;
    }
  }
};

TEST_F(ShadowCommands, ForkHoldsExactlyTheStateAtRevAndAcceptsWritesAlone) {
  int64_t revision = 0;
  const std::string shadow = MakeShadow(160, &revision);
  ASSERT_GT(revision, 60);
  const int64_t rev = revision / 2;
  const int fork = PrepareMembers({"default"})[0];
  const std::string out = agents_[fork].data_dir;
  ToolResult r = Shadectl({"shadow", "fork", "--data-dir", shadow, "--rev", std::to_string(rev),
                           "--out", out + "/", "--initial-advertise-peer-urls",
                           agents_[fork].peer_url(), "-w", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  Poco::JSON::Object::Ptr summary = Json(r.out);
  EXPECT_EQ(summary->getValue<int64_t>("revision"), rev);
  token_ = summary->getValue<std::string>("token");
  EXPECT_NE(token_.find("shadekv-fork-"), std::string::npos);

  std::vector<store::KeyValue> at_rev;
  uint32_t hash_at_rev = 0;
  {
    auto mirror = mirror::MirrorStore::Open(shadow + "/mirror");
    ASSERT_TRUE(mirror.ok());
    auto kv = store::MvccStore::Open(out + "/kv");
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    const store::MvccStore& forked = **kv;
    const store::MvccStore& source = *(*mirror)->Store();
    ASSERT_EQ(forked.CurrentRevision(), rev);
    for (int64_t r2 = 1; r2 <= rev; ++r2) {
      ASSERT_EQ(StoreState(forked, r2), StoreState(source, r2)) << "revision " << r2;
      ASSERT_EQ(forked.HashKv(r2)->hash, source.HashKv(r2)->hash);
    }
    at_rev = StoreState(source, rev);
    hash_at_rev = source.HashKv(rev)->hash;
    // History up to rev, each revision's who/when as a member envelope.
    auto changes = forked.Changes(0, rev, 100000);
    ASSERT_TRUE(changes.ok());
    auto want = source.Changes(0, rev, 100000);
    ASSERT_EQ(changes->size(), want->size());
    for (const store::ChangeEvent& e : *changes) {
      auto origin = agent::DecodeEventEnvelope(e.annotation);
      ASSERT_TRUE(origin.ok()) << "revision " << e.revision;
      EXPECT_EQ(origin->member_id, 0xabcdefu);
    }
  }
  Start(fork);
  WaitForLeader({fork}, milliseconds(20000));
  int64_t now = 0;
  EXPECT_EQ(RangeAll(fork, &now), at_rev);
  EXPECT_EQ(now, rev);
  auto put = Put(fork, "fork-only", "experiment");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, rev + 1);
  Kill(fork);
  // The shadow did not move.
  auto mirror = mirror::MirrorStore::Open(shadow + "/mirror");
  ASSERT_TRUE(mirror.ok());
  EXPECT_EQ((*mirror)->AppliedRevision(), revision);
  EXPECT_EQ((*mirror)->Store()->HashKv(rev)->hash, hash_at_rev);
}

TEST_F(ShadowCommands, PromoteStartsANewThreeMemberPrimaryWithEveryRevision) {
  int64_t revision = 0;
  const std::string shadow = MakeShadow(200, &revision);
  std::vector<store::KeyValue> state;
  {
    auto mirror = mirror::MirrorStore::Open(shadow + "/mirror");
    ASSERT_TRUE(mirror.ok());
    state = StoreState(*(*mirror)->Store(), 0);
  }
  token_ = "promoted-" + token_;
  const std::vector<int> members = PrepareMembers({"p1", "p2", "p3"});
  for (int i : members) {
    ToolResult r = Shadectl({"shadow", "promote", "--data-dir", shadow, "--out",
                             agents_[i].data_dir, "--name", agents_[i].name, "--initial-cluster",
                             agents_[i].initial_cluster, "--initial-cluster-token", token_,
                             "--initial-advertise-peer-urls", agents_[i].peer_url()});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_NE(
        r.out.find("promoted " + agents_[i].data_dir + ": revision " + std::to_string(revision)),
        std::string::npos)
        << r.out;
  }
  for (int i : members) Start(i);
  WaitForLeader(members, milliseconds(30000));
  for (int i : members) {
    int64_t now = 0;
    EXPECT_EQ(RangeAll(i, &now), state) << agents_[i].name;
    EXPECT_EQ(now, revision);
    EXPECT_EQ(ClusterIdOf(i), agent::ComputeClusterId(token_));
  }
  auto put = Put(members[1], "after-promotion", "yes");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  EXPECT_EQ(*put, revision + 1);
  WaitForConvergence(members, milliseconds(20000));
}

TEST_F(ShadowCommands, BuildCommandsRefuseBadInputAndLeaveNothing) {
  int64_t revision = 0;
  const std::string shadow = MakeShadow(40, &revision);
  const std::string out = root_ + "/out";
  // Missing flags: bad args (128).
  ToolResult r = Shadectl({"shadow", "fork", "--data-dir", shadow, "--out", out});
  EXPECT_EQ(r.exit_code, 128) << r.err;
  EXPECT_NE(r.err.find("--rev"), std::string::npos) << r.err;
  r = Shadectl({"shadow", "promote", "--data-dir", shadow, "--out", out, "--name", "x"});
  EXPECT_EQ(r.exit_code, 128) << r.err;
  r = Shadectl({"shadow", "promote", "--data-dir", shadow, "--out", out, "--name", "zed",
                "--initial-cluster", "a=tcp://127.0.0.1:27520", "--initial-cluster-token", "t"});
  EXPECT_EQ(r.exit_code, 128) << r.err;
  EXPECT_NE(r.err.find("not in --initial-cluster"), std::string::npos) << r.err;
  // A revision in the future, and a directory that is no shadow.
  r = Shadectl({"shadow", "fork", "--data-dir", shadow, "--out", out, "--rev",
                std::to_string(revision + 5)});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("future"), std::string::npos) << r.err;
  r = Shadectl({"shadow", "fork", "--data-dir", root_, "--out", out, "--rev", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is not a shadow's data dir"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(out + ".shadow-export.tmp"));
  {
    // A shadow still running (its store open in another process) is refused.
    auto running = mirror::MirrorStore::Open(shadow + "/mirror");
    ASSERT_TRUE(running.ok());
    r = Shadectl({"shadow", "promote", "--data-dir", shadow, "--out", out, "--name", "a",
                  "--initial-cluster", "a=tcp://127.0.0.1:27520", "--initial-cluster-token", "t"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("stop the shadow first"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(out));
  }
  // A non-empty target is refused and kept.
  fs::create_directories(out);
  std::ofstream(out + "/precious") << "keep";
  r = Shadectl({"shadow", "fork", "--data-dir", shadow, "--out", out, "--rev", "3"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not empty"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(out + "/precious"));
  EXPECT_FALSE(fs::exists(out + "/kv"));
}

TEST_F(ShadowCommands, ReplayPrintsTheHistoryBetweenTwoRevisions) {
  StartCluster(1);
  WaitForLeader({0}, milliseconds(20000));
  const std::string ep = "http://127.0.0.1:" + std::to_string(agents_[0].client_port);
  auto first = Put(0, "app/a", "1");  // revision 2
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Put(0, "other/x", "1").ok());  // 3
  ASSERT_TRUE(Put(0, "app/b", "2").ok());    // 4
  ASSERT_TRUE(Delete(0, "app/a").ok());      // 5
  ASSERT_TRUE(Put(0, "app/c", "3").ok());    // 6
  ASSERT_TRUE(Put(0, "other/y", "4").ok());  // 7
  ASSERT_EQ(*first, 2);

  ToolResult r = Shadectl(
      {"--endpoints", ep, "shadow", "replay", "--from", "3", "--to", "5", "--prefix", "app/"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "PUT\napp/b\n2\nDELETE\napp/a\n\n");
  // Without --to: up to the current revision; all keys.
  r = Shadectl({"--endpoints", ep, "shadow", "replay", "--from", "6"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "PUT\napp/c\n3\nPUT\nother/y\n4\n");
  // One key, json: one watch response per line, as etcdctl watch -w json.
  r = Shadectl({"--endpoints", ep, "-w", "json", "shadow", "replay", "--from", "1", "app/c"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Poco::JSON::Object::Ptr line = Json(r.out);
  ASSERT_TRUE(line->has("Events")) << r.out;
  EXPECT_EQ(line->getArray("Events")->size(), 1u);
  // Bad arguments and a future --to.
  r = Shadectl({"--endpoints", ep, "shadow", "replay"});
  EXPECT_EQ(r.exit_code, 128);
  EXPECT_NE(r.err.find("--from"), std::string::npos);
  r = Shadectl({"--endpoints", ep, "shadow", "replay", "--from", "5", "--to", "3"});
  EXPECT_EQ(r.exit_code, 128);
  r = Shadectl({"--endpoints", ep, "shadow", "replay", "--from", "2", "--to", "99"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("future"), std::string::npos) << r.err;
  // Compacted history: the server's cancel reason, exit 1.
  auto compact = Call(0, "/v3/kv/compaction", "{\"revision\":\"6\"}");
  ASSERT_TRUE(compact.ok() && compact->status == 200);
  r = Shadectl({"--endpoints", ep, "shadow", "replay", "--from", "2"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("compacted"), std::string::npos) << r.err;
}

TEST_F(ShadowCommands, StatusReportsAnEndpointWithoutShadowClearly) {
  StartCluster(1);
  WaitForLeader({0}, milliseconds(20000));
  const std::string ep = "http://127.0.0.1:" + std::to_string(agents_[0].client_port);
  // A primary member is not a shadow: a clear error, exit 1.
  ToolResult r = Shadectl({"--endpoints", ep, "shadow", "status"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(r.err.rfind("Error: ", 0), 0u) << r.err;
  // Nothing listening at all.
  r = Shadectl({"--endpoints",
                "http://127.0.0.1:" + std::to_string(cluster_testing::PickFreePort()), "shadow",
                "status"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.rfind("Error: ", 0), 0u) << r.err;
  r = Shadectl({"shadow", "status", "extra"});
  EXPECT_EQ(r.exit_code, 128);
}

}  // namespace
}  // namespace shadekv::restore_testing
