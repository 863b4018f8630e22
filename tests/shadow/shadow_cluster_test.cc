// shadekv-shadow against a real primary: real shadekv processes with the
// publisher plugin, a real shadow process, all on 127.0.0.1, killed with
// SIGKILL. The shadow must answer what the primary answered at every
// revision, refuse every write, and never send the primary a request.
#include <gtest/gtest.h>

#include <signal.h>
#include <cstdio>

#include <map>
#include <random>
#include <regex>
#include <thread>

#include "tests/agent/cluster/base64_text.h"
#include "tests/agent/cluster/watch_client.h"
#include "tests/shadow/shadow_fixture.h"

namespace shadekv::shadow_testing {
namespace {

using cluster_testing::HttpReply;
using cluster_testing::WatchClient;
using cluster_testing::WatchCreateJson;
using cluster_testing::WatchEvent;
using cluster_testing::WatchMessage;

constexpr milliseconds kConverge(60000);

class ShadowClusterTest : public ShadowFixture {
 protected:
  // `count` writes through member `via`: puts over a small key space (so
  // keys get many versions) and a delete every 10th. Returns the last
  // revision written.
  int64_t Write(int via, int count, uint32_t seed, const std::string& prefix = "k/") {
    std::mt19937 rng(seed);
    int64_t last = 0;
    for (int i = 0; i < count; ++i) {
      std::string key = prefix + std::to_string(rng() % 150);
      Result<int64_t> rev =
          (i % 10 == 9) ? Delete(via, key) : Put(via, key, "v" + std::to_string(rng()));
      EXPECT_TRUE(rev.ok()) << rev.status().message();
      if (!rev.ok()) return last;
      if (*rev > last) last = *rev;
    }
    Result<cluster_testing::StatusInfo> s = GetStatus(via);
    EXPECT_TRUE(s.ok());
    return s.ok() ? s->revision : last;
  }

  void ExpectHashesEqual(int member, const std::vector<int64_t>& revisions) {
    for (int64_t rev : revisions) {
      Result<cluster_testing::HashInfo> p = HashKv(member, rev);
      Result<cluster_testing::HashInfo> s = ShadowHashKv(rev);
      ASSERT_TRUE(p.ok()) << p.status().message();
      ASSERT_TRUE(s.ok()) << s.status().message();
      EXPECT_EQ(s->hash, p->hash) << "hashkv at revision " << rev;
    }
  }

  // The raw range reply bodies for `body` on the primary member and the
  // shadow, header removed (it names the member).
  void ExpectSameRange(int member, const std::string& body) {
    Result<HttpReply> p = Call(member, "/v3/kv/range", body);
    Result<HttpReply> s = ShadowCall("/v3/kv/range", body);
    ASSERT_TRUE(p.ok() && s.ok());
    EXPECT_EQ(s->status, p->status) << body;
    EXPECT_EQ(WithoutHeader(s->body), WithoutHeader(p->body)) << body;
  }

  // Sum of the primary member's gateway request counters under /v3/.
  int64_t PrimaryGatewayRequests(int member) {
    Result<HttpReply> m = cluster_testing::HttpCall(agents_[member].client_port, "GET", "/metrics",
                                                    "", milliseconds(5000));
    EXPECT_TRUE(m.ok() && m->status == 200);
    if (!m.ok()) return -1;
    int64_t sum = 0;
    std::regex line(R"(^shadekv_http_requests_total\{path="/v3[^"]*",code="\d+"\} (\d+))");
    std::istringstream in(m->body);
    for (std::string l; std::getline(in, l);) {
      std::smatch match;
      if (std::regex_search(l, match, line)) sum += std::stoll(match[1]);
    }
    return sum;
  }
};

std::string RangeJson(const std::string& key, const std::string& range_end, int64_t revision) {
  std::string body = "{\"key\":\"" + cluster_testing::Base64(key) + "\"";
  if (!range_end.empty()) body += ",\"range_end\":\"" + cluster_testing::Base64(range_end) + "\"";
  if (revision != 0) body += ",\"revision\":\"" + std::to_string(revision) + "\"";
  return body + "}";
}

TEST_F(ShadowClusterTest, MirrorsWritesWithEqualHashesAndOldRanges) {
  StartPrimary(1);
  StartShadow();
  int64_t mid = Write(0, 1500, 1);
  int64_t last = Write(0, 1500, 2);
  WaitShadowAt(last, kConverge);
  ExpectHashesEqual(0, {2, mid / 2, mid, last - 1, last, 0});
  for (int64_t rev : {int64_t{2}, mid / 3, mid, last - 7, last}) {
    ExpectSameRange(0, RangeJson("k/", "k0", rev));
    ExpectSameRange(0, RangeJson("k/7", "", rev));
  }
  // A read past the mirror's revision: the same future-revision error.
  ExpectSameRange(0, RangeJson("k/", "k0", last + 100));
  Result<ShadowStatusView> s = ShadowStatus();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->lag, 0);
  EXPECT_EQ(s->lag_ms, 0);
  EXPECT_EQ(s->primary, last);
  EXPECT_EQ(s->publisher, "tcp://127.0.0.1:" + std::to_string(pub_ports_[0]));
  EXPECT_GE(s->heartbeat_age_ms, 0);
  EXPECT_LT(s->heartbeat_age_ms, 5000);
}

TEST_F(ShadowClusterTest, WatchOnShadowSeesTheSameEventsAsOnPrimary) {
  StartPrimary(1);
  StartShadow();
  int64_t start = Write(0, 50, 3) + 1;
  WaitShadowAt(start - 1, kConverge);
  // One watch from an old revision (history) and one from now (live).
  auto open = [&](int port, int64_t from) {
    Result<std::unique_ptr<WatchClient>> c = WatchClient::Open(port);
    EXPECT_TRUE(c.ok()) << c.status().message();
    EXPECT_TRUE((*c)->Send(WatchCreateJson("k/", "k0", from, true)).ok());
    Result<WatchMessage> created = (*c)->Next(milliseconds(5000));
    EXPECT_TRUE(created.ok() && created->created);
    return std::move(*c);
  };
  auto primary_watch = open(agents_[0].client_port, 2);
  auto shadow_watch = open(shadow_port_, 2);
  int64_t last = Write(0, 300, 4);
  WaitShadowAt(last, kConverge);
  auto collect = [&](WatchClient& c) {
    std::vector<WatchEvent> events;
    for (int i = 0; i < 2000 && (events.empty() || events.back().mod_revision < last); ++i) {
      Result<WatchMessage> m = c.Next(milliseconds(5000));
      EXPECT_TRUE(m.ok()) << m.status().message();
      if (!m.ok()) break;
      events.insert(events.end(), m->events.begin(), m->events.end());
    }
    return events;
  };
  std::vector<WatchEvent> from_primary = collect(*primary_watch);
  std::vector<WatchEvent> from_shadow = collect(*shadow_watch);
  ASSERT_FALSE(from_primary.empty());
  EXPECT_EQ(from_primary.back().mod_revision, last);
  EXPECT_EQ(from_shadow, from_primary);
}

TEST_F(ShadowClusterTest, ShadowKilledMidWritesResumesAndConverges) {
  StartPrimary(1);
  StartShadow();
  std::atomic<bool> done(false);
  std::atomic<int64_t> last(0);
  std::thread writer([&] {
    last = Write(0, 1500, 5);
    done = true;
  });
  for (int round = 0; round < 3; ++round) {
    std::this_thread::sleep_for(milliseconds(700));
    KillShadow();
    std::this_thread::sleep_for(milliseconds(200));
    StartShadow();
  }
  writer.join();
  ASSERT_TRUE(done);
  WaitShadowAt(last, kConverge);
  ExpectHashesEqual(0, {last / 2, last});
  // Lag returns to zero and stays there with no writes.
  Result<ShadowStatusView> s = ShadowStatus();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->lag, 0);
  EXPECT_EQ(s->lag_ms, 0);
  EXPECT_TRUE(s->up_to_date);
}

TEST_F(ShadowClusterTest, FailsOverWhenItsPublisherMemberIsKilled) {
  StartPrimary(3);
  StartShadow();
  int64_t first = Write(0, 300, 6);
  WaitShadowAt(first, kConverge);
  Result<ShadowStatusView> before = ShadowStatus();
  ASSERT_TRUE(before.ok());
  // The shadow reads from the first endpoint in --bus: member a.
  ASSERT_EQ(before->publisher, "tcp://127.0.0.1:" + std::to_string(pub_ports_[0]));
  Kill(0);
  WaitForLeader({1, 2}, milliseconds(20000));
  int64_t during = Write(1, 300, 7);
  // Every member publishes the same stream, so live events from b and c may
  // arrive before a's heartbeats are missed; the failover itself follows
  // within a few heartbeat intervals.
  auto until = std::chrono::steady_clock::now() + milliseconds(20000);
  Result<ShadowStatusView> after = ShadowStatus();
  while (std::chrono::steady_clock::now() < until && after.ok() && after->failovers == 0) {
    std::this_thread::sleep_for(milliseconds(100));
    after = ShadowStatus();
  }
  ASSERT_TRUE(after.ok());
  EXPECT_GE(after->failovers, 1);
  EXPECT_NE(after->publisher, before->publisher);
  // And it keeps following through the new publisher.
  int64_t last = Write(2, 300, 8);
  WaitShadowAt(last, kConverge);
  ExpectHashesEqual(1, {first, during, last});
  Result<ShadowStatusView> settled = ShadowStatus();
  ASSERT_TRUE(settled.ok());
  EXPECT_EQ(settled->lag, 0);
  EXPECT_GE(settled->heartbeat_age_ms, 0);
}

TEST_F(ShadowClusterTest, InitialSyncOfACompactedPrimaryGoesThroughASnapshot) {
  StartPrimary(1);
  int64_t last = Write(0, 400, 8);
  Result<HttpReply> compact =
      Call(0, "/v3/kv/compaction", "{\"revision\":\"" + std::to_string(last - 20) + "\"}");
  ASSERT_TRUE(compact.ok() && compact->status == 200) << (compact.ok() ? compact->body : "");
  StartShadow();
  WaitShadowAt(last, kConverge);
  Result<ShadowStatusView> s = ShadowStatus();
  ASSERT_TRUE(s.ok());
  EXPECT_GE(s->snapshots, 1);
  ExpectHashesEqual(0, {last - 20, last});
  // Below the primary's compaction the shadow has no history either.
  ExpectSameRange(0, RangeJson("k/", "k0", last - 30));
  ExpectSameRange(0, RangeJson("k/", "k0", last - 20));
  // Live events after the snapshot.
  int64_t more = Write(0, 100, 9);
  WaitShadowAt(more, kConverge);
  ExpectHashesEqual(0, {more});
  EXPECT_NE(ShadowLog().find("initial sync"), std::string::npos) << "no progress was shown";
}

TEST_F(ShadowClusterTest, SnapshotInstallWhileWatchingCancelsWatchersItOvertook) {
  // A tiny PUB high-water mark and large values: what the frozen shadow
  // cannot take is dropped (the kernel buffers hold well under the 4.8 MB
  // written), so it meets a gap, not a tidy queue.
  StartPrimary(1, {"--plugin-config", "publisher.send_hwm=5"});
  StartShadow();
  int64_t first = Write(0, 50, 12);
  WaitShadowAt(first, kConverge);
  Result<std::unique_ptr<WatchClient>> watch = WatchClient::Open(shadow_port_);
  ASSERT_TRUE(watch.ok()) << watch.status().message();
  ASSERT_TRUE((*watch)->Send(WatchCreateJson("k/", "k0", 0, false)).ok());
  Result<WatchMessage> created = (*watch)->Next(milliseconds(5000));
  ASSERT_TRUE(created.ok() && created->created);
  // Freeze the shadow (our own child, by PID), move the primary on and
  // compact its history past the shadow's position: on waking up the shadow
  // can only catch up by snapshot.
  ASSERT_EQ(kill(shadow_pid_, SIGSTOP), 0);
  for (int i = 0; i < 300; ++i) {
    Result<int64_t> rev =
        Put(0, "k/big" + std::to_string(i % 20), std::string(16384, 'a' + i % 26));
    ASSERT_TRUE(rev.ok()) << rev.status().message();
  }
  int64_t last = Write(0, 20, 13);
  Result<HttpReply> compact =
      Call(0, "/v3/kv/compaction", "{\"revision\":\"" + std::to_string(last - 10) + "\"}");
  ASSERT_TRUE(compact.ok() && compact->status == 200);
  ASSERT_EQ(kill(shadow_pid_, SIGCONT), 0);
  WaitShadowAt(last, kConverge);
  Result<ShadowStatusView> s = ShadowStatus();
  ASSERT_TRUE(s.ok());
  EXPECT_GE(s->snapshots, 1);
  ExpectHashesEqual(0, {last - 10, last});
  // The watcher gets the events applied before the gap, in order with no
  // hole, then (its next revision being gone from the snapshot's history)
  // is canceled with the compaction revision, as etcd does.
  bool canceled = false;
  int64_t previous = first;
  for (int i = 0; i < 400 && !canceled; ++i) {
    Result<WatchMessage> m = (*watch)->Next(milliseconds(5000));
    ASSERT_TRUE(m.ok()) << m.status().message();
    if (m->canceled) {
      canceled = true;
      EXPECT_EQ(m->compact_revision, last - 10);
    }
    for (const WatchEvent& e : m->events) {
      EXPECT_EQ(e.mod_revision, previous + 1);
      previous = e.mod_revision;
    }
  }
  EXPECT_TRUE(canceled);
  EXPECT_LT(previous, last - 10);
  // A new watch from the compaction revision on sees the primary's events.
  Result<std::unique_ptr<WatchClient>> again = WatchClient::Open(shadow_port_);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->Send(WatchCreateJson("k/", "k0", last - 10, false)).ok());
  int64_t seen = 0;
  for (int i = 0; i < 50 && seen < last; ++i) {
    Result<WatchMessage> m = (*again)->Next(milliseconds(5000));
    ASSERT_TRUE(m.ok()) << m.status().message();
    EXPECT_FALSE(m->canceled) << m->line;
    for (const WatchEvent& e : m->events) seen = e.mod_revision;
  }
  EXPECT_EQ(seen, last);
}

TEST_F(ShadowClusterTest, EveryWriteEndpointIsRefusedAndChangesNothing) {
  StartPrimary(1);
  StartShadow();
  int64_t last = Write(0, 100, 10);
  WaitShadowAt(last, kConverge);
  Result<cluster_testing::HashInfo> hash_before = ShadowHashKv(0);
  ASSERT_TRUE(hash_before.ok());
  int64_t primary_requests = PrimaryGatewayRequests(0);
  const std::string key = cluster_testing::Base64("k/1");
  const std::vector<std::pair<std::string, std::string>> writes = {
      {"/v3/kv/put", "{\"key\":\"" + key + "\",\"value\":\"eA==\"}"},
      {"/v3/kv/deleterange", "{\"key\":\"" + key + "\"}"},
      {"/v3/kv/txn", "{\"success\":[{\"request_put\":{\"key\":\"" + key + "\"}}]}"},
      {"/v3/kv/txn", "{\"success\":[{\"request_range\":{\"key\":\"" + key + "\"}}]}"},
      {"/v3/kv/compaction", "{\"revision\":\"5\"}"},
      {"/v3/lease/grant", "{\"TTL\":\"60\"}"},
      {"/v3/lease/revoke", "{\"ID\":\"1\"}"},
      {"/v3/lease/keepalive", "{\"ID\":\"1\"}"},
      {"/v3/kv/lease/revoke", "{\"ID\":\"1\"}"},
      {"/v3/cluster/member/add", "{\"peerURLs\":[\"tcp://127.0.0.1:1\"]}"},
      {"/v3/cluster/member/remove", "{\"ID\":\"1\"}"},
      {"/v3/cluster/member/update", "{\"ID\":\"1\"}"},
      {"/v3/cluster/member/promote", "{\"ID\":\"1\"}"},
      {"/v3/maintenance/alarm", "{\"action\":\"ACTIVATE\",\"alarm\":\"NOSPACE\"}"},
      {"/v3/maintenance/alarm", "{\"action\":\"DEACTIVATE\",\"alarm\":\"NOSPACE\"}"},
      {"/v3/maintenance/defragment", "{}"},
      {"/v3/auth/enable", "{}"},
      {"/v3/auth/user/add", "{\"name\":\"u\",\"password\":\"p\"}"},
      {"/v3beta/kv/put", "{\"key\":\"" + key + "\",\"value\":\"eA==\"}"},
      {"/v3/kv/put", "garbage{"},
  };
  for (const auto& [path, body] : writes) {
    Result<HttpReply> r = ShadowCall(path, body);
    ASSERT_TRUE(r.ok()) << path << ": " << r.status().message();
    EXPECT_EQ(r->status, 412) << path << " " << body << ": " << r->body;
    EXPECT_NE(r->body.find("\"code\":9"), std::string::npos) << path << ": " << r->body;
    EXPECT_NE(r->body.find("read-only mirror of cluster"), std::string::npos) << r->body;
    EXPECT_NE(r->body.find("writes go to the primary"), std::string::npos) << r->body;
  }
  // Reads still work; alarm list is a read.
  Result<HttpReply> alarms = ShadowCall("/v3/maintenance/alarm", "{}");
  ASSERT_TRUE(alarms.ok());
  EXPECT_EQ(alarms->status, 200) << alarms->body;
  Result<cluster_testing::HashInfo> hash_after = ShadowHashKv(0);
  ASSERT_TRUE(hash_after.ok());
  EXPECT_EQ(hash_after->hash, hash_before->hash);
  EXPECT_EQ(hash_after->revision, last);
  // The primary saw no gateway request while the shadow was refusing.
  EXPECT_EQ(PrimaryGatewayRequests(0), primary_requests);
  // Bad input to the read side: a clear error, the shadow keeps serving.
  Result<HttpReply> bad = ShadowCall("/v3/kv/range", "{\"key\":\"eA\"}");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400) << bad->body;
  Result<HttpReply> get = ShadowCall("/v3/kv/range", "", "GET");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->status, 405);
  Result<HttpReply> unknown = ShadowCall("/v3/nope", "{}");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
}

TEST_F(ShadowClusterTest, RetentionCompactsTheMirrorOnItsOwn) {
  StartPrimary(1);
  StartShadow({"--retention", "50"});
  int64_t last = Write(0, 300, 11);
  WaitShadowAt(last, kConverge);
  auto until = std::chrono::steady_clock::now() + milliseconds(15000);
  Result<ShadowStatusView> s = ShadowStatus();
  while (std::chrono::steady_clock::now() < until && s.ok() && s->compact_revision != last - 49) {
    std::this_thread::sleep_for(milliseconds(100));
    s = ShadowStatus();
  }
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->compact_revision, last - 49);
  // The primary kept its history; the shadow answers "compacted" below.
  Result<HttpReply> old = ShadowCall("/v3/kv/range", RangeJson("k/", "k0", last - 100));
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->status, 400) << old->body;
  EXPECT_NE(old->body.find("required revision has been compacted"), std::string::npos);
  Result<HttpReply> primary_old = Call(0, "/v3/kv/range", RangeJson("k/", "k0", last - 100));
  ASSERT_TRUE(primary_old.ok());
  EXPECT_EQ(primary_old->status, 200);
  ExpectHashesEqual(0, {last - 49, last});
}

TEST_F(ShadowClusterTest, DurationRetentionKeepsCountingAcrossARestart) {
  StartPrimary(1);
  StartShadow({"--retention", "2s"});
  // In sync first, so the writes arrive as events (a snapshot's revisions
  // carry no leader time).
  WaitShadowAt(1, kConverge);
  auto wait_compacted_at = [&](int64_t revision) {
    auto until = std::chrono::steady_clock::now() + milliseconds(15000);
    Result<ShadowStatusView> s = ShadowStatus();
    while (std::chrono::steady_clock::now() < until && s.ok() && s->compact_revision != revision) {
      std::this_thread::sleep_for(milliseconds(100));
      s = ShadowStatus();
    }
    ASSERT_TRUE(s.ok());
    EXPECT_EQ(s->compact_revision, revision);
  };
  int64_t a = Write(0, 100, 14);
  WaitShadowAt(a, kConverge);
  // With no newer revision, the state two seconds ago is revision a.
  wait_compacted_at(a);
  int64_t b = Write(0, 100, 15);
  WaitShadowAt(b, kConverge);
  // Killed before b is two seconds old: the restarted shadow learns the
  // leader times of a+1..b from its own history.
  KillShadow();
  StartShadow();
  wait_compacted_at(b);
  ExpectHashesEqual(0, {b});
}

TEST(ShadowFlags, BadFlagsExitTwoWithAClearMessage) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{}, "--bus is required"},
      {{"--bus", "udp://x"}, "not a tcp://host:port"},
      {{"--bus", "tcp://127.0.0.1:1", "--retention", "soon"}, "--retention 'soon'"},
      {{"--bus", "tcp://127.0.0.1:1", "--frobnicate"}, "unknown flag --frobnicate"},
  };
  for (const auto& [args, message] : cases) {
    std::vector<std::string> argv = {ShadowBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    cluster_testing::CommandResult r =
        cluster_testing::RunCommand(argv, "/tmp", milliseconds(10000));
    EXPECT_EQ(r.exit_code, 2) << message;
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
  }
  cluster_testing::CommandResult help =
      cluster_testing::RunCommand({ShadowBinary(), "--help"}, "/tmp", milliseconds(10000));
  EXPECT_EQ(help.exit_code, 0);
}

// shadectl shadow status against a real shadow: the table and JSON forms
// carry the shadow's own numbers (applied revision, lag, publisher).
TEST_F(ShadowClusterTest, ShadectlShadowStatusReportsTheShadow) {
  StartPrimary(1);
  StartShadow();
  const int64_t last = Write(0, 50, 1);
  WaitShadowAt(last, kConverge);
  auto run = [&](const std::string& format) {
    const std::string command =
        std::string(SHADECTL_BIN) + " -w " + format +
        " shadow status --endpoints http://127.0.0.1:" + std::to_string(shadow_port_) + " 2>&1";
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    if (pipe == nullptr) return out;
    char buffer[4096];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) out.append(buffer, n);
    EXPECT_EQ(::pclose(pipe), 0) << command << "\n" << out;
    return out;
  };
  const std::string simple = run("simple");
  EXPECT_NE(simple.find("applied_revision: " + std::to_string(last)), std::string::npos) << simple;
  EXPECT_NE(simple.find("lag_revisions: 0"), std::string::npos) << simple;
  EXPECT_NE(simple.find("up_to_date: true"), std::string::npos) << simple;
  EXPECT_NE(simple.find("publisher: tcp://127.0.0.1:" + std::to_string(pub_ports_[0])),
            std::string::npos)
      << simple;
  const std::string json = run("json");
  EXPECT_NE(json.find("\"applied_revision\":\"" + std::to_string(last) + "\""), std::string::npos)
      << json;
}

}  // namespace
}  // namespace shadekv::shadow_testing
