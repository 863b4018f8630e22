// A shadow's data put to use with real processes only (issue 7, "Tests with
// real processes"): a real primary and a real shadekv-shadow, then
//   - fork: `shadectl shadow fork` of the stopped shadow at a revision, a
//     plain single-member shadekv started on it, written to; the primary and
//     the shadow must not notice;
//   - promotion after disaster: every primary member SIGKILLed, the runbook
//     (docs/runbooks/promote-shadow.md) followed with `shadectl shadow
//     promote` once per new member, the new 3-member cluster started: every
//     key with its value, revisions and version as the primary had them, a
//     new cluster id, writes continuing the revisions;
//   - the same when the shadow itself died (SIGKILL) behind the primary:
//     promoted with --bump-revision --mark-compacted, the writes it never
//     received are lost, and no old revision number is ever answered again.
#include <gtest/gtest.h>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <random>
#include <set>
#include <thread>

#include "tests/agent/cluster/base64_text.h"
#include "tests/agent/cluster/watch_client.h"
#include "tests/agent/restore/tool_run.h"
#include "tests/shadow/shadow_fixture.h"

namespace shadekv::shadow_testing {
namespace {

using cluster_testing::Agent;
using cluster_testing::Base64;
using cluster_testing::HttpReply;
using restore_testing::RunTool;
using restore_testing::ToolResult;

constexpr milliseconds kConverge(60000);

Poco::JSON::Object::Ptr Json(const std::string& text) {
  try {
    Poco::JSON::Object::Ptr o = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    if (!o.isNull()) return o;
  } catch (const Poco::Exception&) {
  }
  ADD_FAILURE() << "not a JSON object: " << text.substr(0, 300);
  return new Poco::JSON::Object;
}

// A 64-bit field of the reply's header (etcd sends them as strings).
uint64_t HeaderField(const std::string& body, const std::string& field) {
  Poco::JSON::Object::Ptr header = Json(body)->getObject("header");
  if (header.isNull() || !header->has(field)) return 0;
  return std::stoull(header->getValue<std::string>(field));
}

// The whole keyspace, with every field of every key.
std::string RangeAllJson(int64_t revision) {
  const std::string zero = Base64(std::string(1, '\0'));
  std::string body = "{\"key\":\"" + zero + "\",\"range_end\":\"" + zero + "\"";
  if (revision != 0) body += ",\"revision\":\"" + std::to_string(revision) + "\"";
  return body + "}";
}

class ShadowDisasterTest : public ShadowFixture {
 protected:
  // `count` writes through the running members in turn: puts over `keys`
  // keys (so most keys get several versions), every 7th write a delete (so
  // keys are deleted and created again). Returns the highest revision seen.
  int64_t Write(int count, uint32_t seed, const std::string& prefix, int keys) {
    std::mt19937 rng(seed);
    std::vector<int> members = RunningMembers();
    int64_t last = 0;
    for (int i = 0; i < count; ++i) {
      const int via = members[static_cast<size_t>(i) % members.size()];
      const std::string key = prefix + std::to_string(rng() % static_cast<uint32_t>(keys));
      Result<int64_t> rev =
          (i % 7 == 6) ? Delete(via, key) : Put(via, key, "v" + std::to_string(rng()));
      EXPECT_TRUE(rev.ok()) << rev.status().message();
      if (!rev.ok()) return last;
      last = std::max(last, *rev);
    }
    return last;
  }

  // SIGTERM as the runbook says; the shadow must exit 0 within 30 s (its
  // store closed, so the shadow commands may open it).
  void StopShadow() {
    ASSERT_GT(shadow_pid_, 0);
    kill(shadow_pid_, SIGTERM);
    int status = -1;
    pid_t done = 0;
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(30000);
    while ((done = waitpid(shadow_pid_, &status, WNOHANG)) == 0 &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(20));
    }
    if (done != shadow_pid_) {
      KillShadow();
      FAIL() << "the shadow did not stop on SIGTERM";
    }
    shadow_pid_ = -1;
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "exit status " << status;
  }

  // New members (fresh ports and dirs, not started) forming one cluster.
  std::vector<int> PrepareMembers(const std::vector<std::string>& names) {
    std::set<int> used;
    for (const Agent& a : agents_) {
      used.insert(a.client_port);
      used.insert(a.peer_port);
    }
    used.insert(shadow_port_);
    used.insert(pub_ports_.begin(), pub_ports_.end());
    used.insert(catchup_ports_.begin(), catchup_ports_.end());
    std::vector<int> indexes;
    std::string initial;
    for (const std::string& name : names) {
      Agent a;
      a.name = name;
      do {
        a.client_port = cluster_testing::PickFreePort();
        a.peer_port = cluster_testing::PickFreePort();
      } while (a.client_port == 0 || a.peer_port == 0 || a.client_port == a.peer_port ||
               used.count(a.client_port) || used.count(a.peer_port));
      used.insert(a.client_port);
      used.insert(a.peer_port);
      a.data_dir = root_ + "/" + name + ".data";
      a.log_path = root_ + "/" + name + ".log";
      initial += (initial.empty() ? "" : ",") + name + "=" + a.peer_url();
      indexes.push_back(static_cast<int>(agents_.size()));
      agents_.push_back(a);
    }
    for (int i : indexes) agents_[i].initial_cluster = initial;
    return indexes;
  }

  ToolResult Shadectl(std::vector<std::string> args) {
    args.insert(args.begin(), SHADECTL_BIN);
    return RunTool(args, milliseconds(120000));
  }

  // A range reply's body from member i (200 expected).
  std::string Range(int i, const std::string& body) {
    Result<HttpReply> r = Call(i, "/v3/kv/range", body);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return "";
    EXPECT_EQ(r->status, 200) << r->body.substr(0, 300);
    return r->body;
  }

  uint64_t ClusterIdOf(int i) {
    Result<HttpReply> r = Call(i, "/v3/maintenance/status", "{}");
    EXPECT_TRUE(r.ok() && r->status == 200);
    return r.ok() ? HeaderField(r->body, "cluster_id") : 0;
  }
};

TEST_F(ShadowDisasterTest, ForkTakesWritesThatNeitherPrimaryNorShadowSee) {
  ASSERT_NO_FATAL_FAILURE(StartPrimary(1));
  ASSERT_NO_FATAL_FAILURE(StartShadow());
  const int64_t mid = Write(600, 11, "cfg/", 60);
  const int64_t last = Write(600, 12, "cfg/", 60);
  ASSERT_GT(last, mid);
  const int64_t fork_rev = mid;
  ASSERT_NO_FATAL_FAILURE(WaitShadowAt(last, kConverge));

  // The primary's view at the fork revision and now.
  const std::string primary_at_rev = Range(0, RangeAllJson(fork_rev));
  Result<cluster_testing::HashInfo> primary_hash_at_rev = HashKv(0, fork_rev);
  Result<cluster_testing::HashInfo> primary_hash = HashKv(0, last);
  ASSERT_TRUE(primary_hash_at_rev.ok() && primary_hash.ok());
  ASSERT_EQ(primary_hash->revision, last);

  ASSERT_NO_FATAL_FAILURE(StopShadow());
  const int fork = PrepareMembers({"default"})[0];
  ToolResult r =
      Shadectl({"shadow", "fork", "--data-dir", shadow_dir_, "--rev", std::to_string(fork_rev),
                "--out", agents_[fork].data_dir, "--initial-advertise-peer-urls",
                agents_[fork].peer_url(), "-w", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  Poco::JSON::Object::Ptr summary = Json(r.out);
  EXPECT_EQ(summary->optValue<int64_t>("revision", 0), fork_rev);
  // The fork is its own cluster: its members start with the printed token.
  const std::string primary_token = token_;
  token_ = summary->optValue<std::string>("token", "");
  ASSERT_FALSE(token_.empty()) << r.out;
  ASSERT_NE(token_, primary_token);

  ASSERT_NO_FATAL_FAILURE(Start(fork));
  WaitForLeader({fork}, milliseconds(20000));
  const std::string fork_now = Range(fork, RangeAllJson(0));
  EXPECT_EQ(HeaderField(fork_now, "revision"), static_cast<uint64_t>(fork_rev));
  EXPECT_EQ(WithoutHeader(fork_now), WithoutHeader(primary_at_rev));
  Result<cluster_testing::HashInfo> fork_hash = HashKv(fork, fork_rev);
  ASSERT_TRUE(fork_hash.ok()) << fork_hash.status().message();
  EXPECT_EQ(fork_hash->hash, primary_hash_at_rev->hash);
  EXPECT_NE(ClusterIdOf(fork), ClusterIdOf(0));

  // Writes to the fork: new keys and a change to a key the primary has.
  for (int i = 0; i < 20; ++i) {
    Result<int64_t> rev = Put(fork, "experiment/" + std::to_string(i), "try");
    ASSERT_TRUE(rev.ok()) << rev.status().message();
    EXPECT_EQ(*rev, fork_rev + 1 + i);
  }
  ASSERT_TRUE(Put(fork, "cfg/1", "fork-only").ok());
  ASSERT_TRUE(Delete(fork, "cfg/2").ok());

  // The primary did not move: same revision, same hash, no fork key.
  Result<cluster_testing::StatusInfo> status = GetStatus(0);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->revision, last);
  Result<cluster_testing::HashInfo> primary_after = HashKv(0, last);
  ASSERT_TRUE(primary_after.ok());
  EXPECT_EQ(primary_after->hash, primary_hash->hash);
  Result<std::optional<cluster_testing::KeyValue>> leaked = Get(0, "experiment/0");
  ASSERT_TRUE(leaked.ok());
  EXPECT_FALSE(leaked->has_value()) << "a fork write reached the primary";

  // The shadow, restarted, holds what it held and still follows the primary.
  Kill(fork);
  ASSERT_NO_FATAL_FAILURE(StartShadow());
  ASSERT_NO_FATAL_FAILURE(WaitShadowAt(last, kConverge));
  Result<cluster_testing::HashInfo> shadow_hash = ShadowHashKv(last);
  ASSERT_TRUE(shadow_hash.ok()) << shadow_hash.status().message();
  EXPECT_EQ(shadow_hash->hash, primary_hash->hash);
  Result<HttpReply> on_shadow = ShadowCall("/v3/kv/range", RangeAllJson(0));
  ASSERT_TRUE(on_shadow.ok());
  EXPECT_EQ(WithoutHeader(on_shadow->body), WithoutHeader(Range(0, RangeAllJson(0))));
  Result<int64_t> next = Put(0, "after-fork", "primary");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, last + 1);
  ASSERT_NO_FATAL_FAILURE(WaitShadowAt(last + 1, kConverge));
}

TEST_F(ShadowDisasterTest, PromotionAfterEveryPrimaryMemberIsLostKeepsAllData) {
  ASSERT_NO_FATAL_FAILURE(StartPrimary(3));
  ASSERT_NO_FATAL_FAILURE(StartShadow());
  Write(900, 21, "app/", 80);
  // A key with many versions, one deleted and created again.
  for (int i = 0; i < 12; ++i) ASSERT_TRUE(Put(1, "app/hot", "v" + std::to_string(i)).ok());
  ASSERT_TRUE(Put(2, "app/reborn", "first").ok());
  ASSERT_TRUE(Delete(0, "app/reborn").ok());
  ASSERT_TRUE(Put(1, "app/reborn", "second").ok());
  const int64_t final_revision = WaitForConvergence({0, 1, 2}, kConverge);
  ASSERT_NO_FATAL_FAILURE(WaitShadowAt(final_revision, kConverge));

  // What the primary holds: every key with its value, revisions, version.
  const std::string primary_state = WithoutHeader(Range(0, RangeAllJson(0)));
  ASSERT_NE(primary_state.find("\"kvs\""), std::string::npos);
  Result<cluster_testing::HashInfo> primary_hash = HashKv(0, final_revision);
  ASSERT_TRUE(primary_hash.ok());
  const uint64_t old_cluster_id = ClusterIdOf(0);
  ASSERT_NE(old_cluster_id, 0u);
  // The shadow's position, as the runbook says to record first.
  Result<ShadowStatusView> before = ShadowStatus();
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->applied, final_revision);
  EXPECT_EQ(before->lag, 0);

  // Disaster: every primary member is lost.
  for (int i = 0; i < 3; ++i) Kill(i);
  ASSERT_NO_FATAL_FAILURE(StopShadow());

  // Runbook step 2: one data dir per new member, same shadow, cluster and
  // NEW token each time. The shadow was up to date (lag 0): no bump needed,
  // so the old revisions stay readable.
  token_ = "promoted-" + token_;
  const std::vector<int> members = PrepareMembers({"n1", "n2", "n3"});
  for (int i : members) {
    ToolResult r = Shadectl({"shadow", "promote", "--data-dir", shadow_dir_, "--out",
                             agents_[i].data_dir, "--name", agents_[i].name, "--initial-cluster",
                             agents_[i].initial_cluster, "--initial-cluster-token", token_,
                             "--initial-advertise-peer-urls", agents_[i].peer_url(), "-w", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    Poco::JSON::Object::Ptr summary = Json(r.out);
    EXPECT_EQ(summary->optValue<int64_t>("revision", 0), final_revision) << r.out;
    EXPECT_EQ(summary->optValue<int64_t>("members", 0), 3) << r.out;
  }
  // Step 3: start them.
  for (int i : members) ASSERT_NO_FATAL_FAILURE(Start(i));
  WaitForLeader(members, milliseconds(30000));

  // Step 4: every member holds all data, same hash at the old revision, a
  // new cluster id.
  std::set<uint64_t> new_ids;
  for (int i : members) {
    SCOPED_TRACE("member " + agents_[i].name);
    const std::string now = Range(i, RangeAllJson(0));
    EXPECT_EQ(HeaderField(now, "revision"), static_cast<uint64_t>(final_revision));
    EXPECT_EQ(WithoutHeader(now), primary_state);
    Result<cluster_testing::HashInfo> hash = HashKv(i, final_revision);
    ASSERT_TRUE(hash.ok()) << hash.status().message();
    EXPECT_EQ(hash->hash, primary_hash->hash);
    new_ids.insert(ClusterIdOf(i));
  }
  EXPECT_EQ(new_ids.size(), 1u) << "members disagree on the cluster id";
  EXPECT_EQ(new_ids.count(old_cluster_id), 0u) << "the promoted cluster kept the old id";
  Result<std::vector<cluster_testing::MemberInfo>> list = MemberList(members[0]);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 3u);

  // Step 5: clients keep working; revisions continue after the restored one.
  for (int i = 0; i < 10; ++i) {
    Result<int64_t> rev =
        Put(members[static_cast<size_t>(i) % 3], "app/new/" + std::to_string(i), "after");
    ASSERT_TRUE(rev.ok()) << rev.status().message();
    EXPECT_EQ(*rev, final_revision + 1 + i);
  }
  Result<int64_t> overwrite = Put(members[2], "app/hot", "after-promotion");
  ASSERT_TRUE(overwrite.ok());
  Result<std::optional<cluster_testing::KeyValue>> hot = Get(members[0], "app/hot");
  ASSERT_TRUE(hot.ok() && hot->has_value());
  EXPECT_EQ((*hot)->value, "after-promotion");
  EXPECT_EQ((*hot)->mod_revision, final_revision + 11);
  EXPECT_EQ(WaitForConvergence(members, kConverge), final_revision + 11);
}

TEST_F(ShadowDisasterTest, PromotionOfADeadLaggingShadowBumpsPastTheLostRevisions) {
  ASSERT_NO_FATAL_FAILURE(StartPrimary(3));
  ASSERT_NO_FATAL_FAILURE(StartShadow());
  Write(400, 31, "svc/", 50);
  const int64_t shadow_revision = WaitForConvergence({0, 1, 2}, kConverge);
  ASSERT_NO_FATAL_FAILURE(WaitShadowAt(shadow_revision, kConverge));
  // The shadow dies first (uncleanly), then the primary takes writes it
  // never receives, then every primary member is lost.
  KillShadow();
  const int64_t lost_until = Write(60, 32, "svc/", 50);
  ASSERT_GT(lost_until, shadow_revision);
  const std::string primary_at_shadow = WithoutHeader(Range(0, RangeAllJson(shadow_revision)));
  for (int i = 0; i < 3; ++i) Kill(i);

  // Runbook, step 2 with the recommended bump: past every lost revision.
  constexpr int64_t kBump = 10000;
  token_ = "promoted-bumped-" + token_;
  const std::vector<int> members = PrepareMembers({"m1", "m2", "m3"});
  for (int i : members) {
    ToolResult r = Shadectl(
        {"shadow", "promote", "--data-dir", shadow_dir_, "--out", agents_[i].data_dir, "--name",
         agents_[i].name, "--initial-cluster", agents_[i].initial_cluster,
         "--initial-cluster-token", token_, "--initial-advertise-peer-urls", agents_[i].peer_url(),
         "--bump-revision", std::to_string(kBump), "--mark-compacted", "-w", "json"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    Poco::JSON::Object::Ptr summary = Json(r.out);
    EXPECT_EQ(summary->optValue<int64_t>("revision", 0), shadow_revision + kBump) << r.out;
    EXPECT_EQ(summary->optValue<int64_t>("compact_revision", 0), shadow_revision + kBump) << r.out;
  }
  for (int i : members) ASSERT_NO_FATAL_FAILURE(Start(i));
  WaitForLeader(members, milliseconds(30000));

  for (int i : members) {
    SCOPED_TRACE("member " + agents_[i].name);
    const std::string now = Range(i, RangeAllJson(0));
    EXPECT_EQ(HeaderField(now, "revision"), static_cast<uint64_t>(shadow_revision + kBump));
    // Keys exactly as the primary had them when the shadow last heard it.
    EXPECT_EQ(WithoutHeader(now), primary_at_shadow);
    // A revision the lost writes used is not answered with other data.
    Result<HttpReply> old = Call(i, "/v3/kv/range", RangeAllJson(lost_until));
    ASSERT_TRUE(old.ok());
    EXPECT_NE(old->status, 200) << old->body.substr(0, 300);
    EXPECT_NE(old->body.find("compacted"), std::string::npos) << old->body.substr(0, 300);
  }
  // A watcher resuming from an old revision is told to re-list.
  Result<std::unique_ptr<cluster_testing::WatchClient>> watch =
      cluster_testing::WatchClient::Open(agents_[members[0]].client_port);
  ASSERT_TRUE(watch.ok()) << watch.status().message();
  ASSERT_TRUE(
      (*watch)->Send(cluster_testing::WatchCreateJson("svc/", "svc0", lost_until, false)).ok());
  bool canceled = false;
  for (int n = 0; n < 3 && !canceled; ++n) {
    Result<cluster_testing::WatchMessage> m = (*watch)->Next(milliseconds(5000));
    ASSERT_TRUE(m.ok()) << m.status().message();
    canceled = m->canceled;
    if (canceled) {
      EXPECT_EQ(m->compact_revision, shadow_revision + kBump) << m->line;
    }
  }
  EXPECT_TRUE(canceled) << "a watch from a lost revision was not canceled";

  Result<int64_t> next = Put(members[1], "svc/new", "after");
  ASSERT_TRUE(next.ok()) << next.status().message();
  EXPECT_EQ(*next, shadow_revision + kBump + 1);
  EXPECT_EQ(WaitForConvergence(members, kConverge), shadow_revision + kBump + 1);
}

}  // namespace
}  // namespace shadekv::shadow_testing
