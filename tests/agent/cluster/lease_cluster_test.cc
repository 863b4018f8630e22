// Leases on real 3-member clusters: expiry decided by the leader deletes the
// keys on every member at one revision; keep-alives (also through a follower,
// also as one interactive chunked stream) keep them; leases survive a
// SIGKILLed leader without expiring early and are revoked exactly once; a
// full restart keeps leases and their keys; checkpoints shorten the
// post-failover TTL to what was left.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <map>
#include <string>
#include <thread>

#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::cluster_testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kElection(20000);
constexpr milliseconds kConverge(30000);

int64_t ElapsedMs(Clock::time_point since) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - since).count();
}

std::string Q(const std::string& s) { return "\"" + s + "\""; }

class LeaseClusterTest : public ClusterFixture {
 protected:
  Result<Poco::JSON::Object::Ptr> Json(const Result<HttpReply>& reply) {
    if (!reply.ok()) return reply.status();
    if (reply->status != 200) {
      return Status::Unavailable("HTTP " + std::to_string(reply->status) + ": " + reply->body);
    }
    try {
      Poco::JSON::Parser parser;
      return parser.parse(reply->body).extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
      return Status::Internal("bad JSON: " + reply->body);
    }
  }

  static int64_t Int(const Poco::JSON::Object::Ptr& o, const std::string& field) {
    if (o.isNull() || !o->has(field)) return 0;
    return std::stoll(o->get(field).convert<std::string>());
  }

  // Grants lease `id` with `ttl` through member i; returns the granted TTL.
  int64_t Grant(int i, int64_t id, int64_t ttl) {
    Result<Poco::JSON::Object::Ptr> o =
        Json(Call(i, "/v3/lease/grant",
                  "{\"ID\":" + Q(std::to_string(id)) + ",\"TTL\":" + Q(std::to_string(ttl)) + "}"));
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    if (!o.ok()) return 0;
    EXPECT_EQ(Int(*o, "ID"), id);
    return Int(*o, "TTL");
  }

  // Puts key=value attached to `lease` through member i; returns the revision.
  int64_t PutWithLease(int i, const std::string& key, int64_t lease) {
    Result<Poco::JSON::Object::Ptr> o =
        Json(Call(i, "/v3/kv/put",
                  "{\"key\":" + Q(Base64(key)) + ",\"value\":" + Q(Base64("v")) +
                      ",\"lease\":" + Q(std::to_string(lease)) + "}"));
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    return o.ok() ? Int((*o)->getObject("header"), "revision") : 0;
  }

  // One keep-alive request through member i; the TTL answered (0: unknown).
  Result<int64_t> KeepAlive(int i, int64_t id) {
    Result<HttpReply> reply =
        Call(i, "/v3/lease/keepalive", "{\"ID\":" + Q(std::to_string(id)) + "}");
    if (!reply.ok()) return reply.status();
    if (reply->status != 200) return Status::Unavailable(reply->body);
    Result<Poco::JSON::Object::Ptr> o = Json(reply);
    if (!o.ok()) return o.status();
    if (!(*o)->has("result")) return Status::Unavailable("no result: " + reply->body);
    return Int((*o)->getObject("result"), "TTL");
  }

  // TimeToLive through member i: (TTL, grantedTTL, number of keys).
  struct Ttl {
    int64_t ttl = 0;
    int64_t granted = 0;
    size_t keys = 0;
  };
  Result<Ttl> TimeToLive(int i, int64_t id) {
    SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Object::Ptr o,
                             Json(Call(i, "/v3/lease/timetolive",
                                       "{\"ID\":" + Q(std::to_string(id)) + ",\"keys\":true}")));
    Ttl t;
    t.ttl = Int(o, "TTL");
    t.granted = Int(o, "grantedTTL");
    if (o->has("keys")) t.keys = o->getArray("keys")->size();
    return t;
  }

  // Lease ids member i knows (its own replicated table).
  std::vector<int64_t> LeaseIds(int i) {
    std::vector<int64_t> ids;
    Result<Poco::JSON::Object::Ptr> o = Json(Call(i, "/v3/lease/leases", "{}"));
    EXPECT_TRUE(o.ok()) << o.status().ToString();
    if (!o.ok() || !(*o)->has("leases")) return ids;
    Poco::JSON::Array::Ptr leases = (*o)->getArray("leases");
    for (size_t k = 0; k < leases->size(); ++k) {
      ids.push_back(Int(leases->getObject(static_cast<unsigned>(k)), "ID"));
    }
    return ids;
  }

  // Keys under `prefix` on member i at `revision` (0: current), serializable.
  std::set<std::string> KeysAt(int i, const std::string& prefix, int64_t revision) {
    std::string end = prefix;
    end.back() = static_cast<char>(end.back() + 1);
    Result<Poco::JSON::Object::Ptr> o =
        Json(Call(i, "/v3/kv/range",
                  "{\"key\":" + Q(Base64(prefix)) + ",\"range_end\":" + Q(Base64(end)) +
                      ",\"serializable\":true,\"revision\":" + Q(std::to_string(revision)) + "}"));
    EXPECT_TRUE(o.ok()) << agents_[i].name << ": " << o.status().ToString();
    std::set<std::string> keys;
    if (!o.ok() || !(*o)->has("kvs")) return keys;
    Poco::JSON::Array::Ptr kvs = (*o)->getArray("kvs");
    for (size_t k = 0; k < kvs->size(); ++k) {
      keys.insert(Unbase64(kvs->getObject(static_cast<unsigned>(k))->getValue<std::string>("key")));
    }
    return keys;
  }

  // Polls until no member in `members` holds a key under `prefix`; returns
  // false at the deadline.
  bool WaitUntilGone(const std::vector<int>& members, const std::string& prefix,
                     milliseconds deadline) {
    const auto until = Clock::now() + deadline;
    while (Clock::now() < until) {
      bool gone = true;
      for (int i : members) gone = gone && KeysAt(i, prefix, 0).empty();
      if (gone) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  // Expects every member: the keys under `prefix` exist at R-1 and not at R,
  // where R is the converged revision; returns R.
  int64_t ExpectDeletedAtOneRevision(const std::vector<int>& members, const std::string& prefix,
                                     const std::set<std::string>& keys) {
    const int64_t r = WaitForConvergence(members, kConverge);
    for (int i : members) {
      EXPECT_EQ(KeysAt(i, prefix, r - 1), keys) << agents_[i].name << " at " << r - 1;
      EXPECT_TRUE(KeysAt(i, prefix, r).empty()) << agents_[i].name << " at " << r;
    }
    return r;
  }

  std::vector<int> Followers(int leader) {
    std::vector<int> out;
    for (int i : RunningMembers()) {
      if (i != leader) out.push_back(i);
    }
    return out;
  }
};

TEST_F(LeaseClusterTest, ExpiryDeletesKeysOnEveryMemberAtOneRevision) {
  StartCluster(3);
  const int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  const int follower = Followers(leader)[0];
  const int64_t lease = 4242;
  ASSERT_EQ(Grant(follower, lease, 3), 3);
  const auto granted_at = Clock::now();
  std::set<std::string> keys;
  for (int k = 0; k < 5; ++k) {
    const std::string key = "/exp/k" + std::to_string(k);
    PutWithLease(k % 3, key, lease);
    keys.insert(key);
  }
  ASSERT_TRUE(Put(leader, "/other", "stays").ok());
  const int64_t before = WaitForConvergence({0, 1, 2}, kConverge);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(KeysAt(i, "/exp/", 0), keys) << agents_[i].name;

  ASSERT_TRUE(WaitUntilGone({0, 1, 2}, "/exp/", milliseconds(30000)));
  // Never early: the lease was granted before granted_at.
  EXPECT_GE(ElapsedMs(granted_at), 3000 - 100);
  const int64_t r = ExpectDeletedAtOneRevision({0, 1, 2}, "/exp/", keys);
  EXPECT_EQ(r, before + 1) << "all five keys go in one revision";
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(KeysAt(i, "/other", 0).count("/other")) << agents_[i].name;
    EXPECT_TRUE(LeaseIds(i).empty()) << agents_[i].name;
  }
  // Revoked exactly once: nothing more happens later.
  std::this_thread::sleep_for(milliseconds(1500));
  EXPECT_EQ(WaitForConvergence({0, 1, 2}, kConverge), r);
  // A put naming the dead lease is refused on every member alike.
  Result<HttpReply> late =
      Call(follower, "/v3/kv/put", "{\"key\":" + Q(Base64("/exp/late")) + ",\"lease\":\"4242\"}");
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->status, 404) << late->body;
}

TEST_F(LeaseClusterTest, KeepAliveThroughAFollowerKeepsKeysPastTheTtl) {
  StartCluster(3);
  const int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  const int follower = Followers(leader)[0];
  const int64_t lease = 77;
  ASSERT_EQ(Grant(leader, lease, 3), 3);
  PutWithLease(follower, "/ka/key", lease);
  const auto start = Clock::now();
  // 8 s of keep-alives through the follower, every 700 ms.
  while (ElapsedMs(start) < 8000) {
    Result<int64_t> ttl = KeepAlive(follower, lease);
    ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
    EXPECT_EQ(*ttl, 3);
    std::this_thread::sleep_for(milliseconds(700));
  }
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(KeysAt(i, "/ka/", 0), std::set<std::string>{"/ka/key"}) << agents_[i].name;
  }
  Result<Ttl> ttl = TimeToLive(follower, lease);  // forwarded to the leader
  ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
  EXPECT_GE(ttl->ttl, 1);
  EXPECT_LE(ttl->ttl, 3);
  EXPECT_EQ(ttl->granted, 3);
  EXPECT_EQ(ttl->keys, 1u);

  // One interactive chunked stream to the other follower: each request is
  // answered before the next is sent, for 6 s (past the TTL).
  const int other = Followers(leader)[1];
  Poco::Net::StreamSocket socket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<uint16_t>(agents_[other].client_port)));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string head =
      "POST /v3/lease/keepalive HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  socket.sendBytes(head.data(), static_cast<int>(head.size()));
  const std::string value = "{\"ID\":\"77\"}";
  char hex[16];
  std::snprintf(hex, sizeof(hex), "%zx\r\n", value.size());
  const std::string chunk = hex + value + "\r\n";
  std::string received;
  const auto stream_start = Clock::now();
  int answers = 0;
  for (int n = 1; n <= 6; ++n) {
    socket.sendBytes(chunk.data(), static_cast<int>(chunk.size()));
    // Wait for the n-th answer before sending more.
    while (true) {
      size_t count = 0;
      for (size_t at = received.find("\"TTL\":\"3\""); at != std::string::npos;
           at = received.find("\"TTL\":\"3\"", at + 1)) {
        ++count;
      }
      if (static_cast<int>(count) >= n) break;
      char buffer[4096];
      int got = socket.receiveBytes(buffer, sizeof(buffer));
      ASSERT_GT(got, 0) << "stream closed after " << received;
      received.append(buffer, static_cast<size_t>(got));
    }
    ++answers;
    std::this_thread::sleep_for(milliseconds(1000));
  }
  socket.sendBytes("0\r\n\r\n", 5);
  socket.close();
  EXPECT_EQ(answers, 6);
  EXPECT_GE(ElapsedMs(stream_start), 6000);
  EXPECT_NE(received.find("{\"result\":{\"header\""), std::string::npos) << received;
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(KeysAt(i, "/ka/", 0), std::set<std::string>{"/ka/key"}) << agents_[i].name;
  }
  // Without keep-alives the key goes, on every member.
  ASSERT_TRUE(WaitUntilGone({0, 1, 2}, "/ka/", milliseconds(30000)));
  ExpectDeletedAtOneRevision({0, 1, 2}, "/ka/", {"/ka/key"});
  // Keep-alive of the gone lease: answered with no TTL.
  Result<int64_t> gone = KeepAlive(follower, lease);
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  EXPECT_EQ(*gone, 0);
}

TEST_F(LeaseClusterTest, LeasesSurviveALeaderKillAndAreRevokedOnce) {
  StartCluster(3);
  const int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  const std::vector<int> survivors = Followers(leader);
  // Lease 1 is never kept alive; lease 2 is kept alive until the kill.
  ASSERT_EQ(Grant(survivors[0], 1, 6), 6);
  const auto granted_at = Clock::now();
  ASSERT_EQ(Grant(survivors[1], 2, 6), 6);
  PutWithLease(survivors[0], "/l1/key", 1);
  PutWithLease(survivors[1], "/l2/key", 2);
  for (int n = 0; n < 3; ++n) {
    std::this_thread::sleep_for(milliseconds(1000));
    ASSERT_TRUE(KeepAlive(survivors[0], 2).ok());
  }
  const auto last_keepalive = Clock::now();
  const int64_t before = WaitForConvergence({0, 1, 2}, kConverge);
  Kill(leader);
  const int new_leader = WaitForLeader(survivors, kElection);
  ASSERT_GE(new_leader, 0);
  // Not revoked before their TTL ran out (from grant / last keep-alive).
  while (ElapsedMs(granted_at) < 6000 - 300) {
    for (int i : survivors) {
      ASSERT_EQ(KeysAt(i, "/l1/", 0).size(), 1u) << "lease 1 expired early on " << agents_[i].name
                                                 << " after " << ElapsedMs(granted_at) << " ms";
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  while (ElapsedMs(last_keepalive) < 6000 - 300) {
    for (int i : survivors) {
      ASSERT_EQ(KeysAt(i, "/l2/", 0).size(), 1u) << "lease 2 expired early on " << agents_[i].name;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  // Revoked afterwards, each in one revision, exactly once.
  ASSERT_TRUE(WaitUntilGone(survivors, "/l1/", milliseconds(30000)));
  ASSERT_TRUE(WaitUntilGone(survivors, "/l2/", milliseconds(30000)));
  std::this_thread::sleep_for(milliseconds(1500));
  const int64_t after = WaitForConvergence(survivors, kConverge);
  EXPECT_EQ(after, before + 2) << "one revision per lease, none repeated";
  for (int i : survivors) EXPECT_TRUE(LeaseIds(i).empty()) << agents_[i].name;
  // The killed leader comes back and agrees.
  Restart(leader);
  EXPECT_EQ(WaitForConvergence({0, 1, 2}, kConverge), after);
  EXPECT_TRUE(LeaseIds(leader).empty());
}

TEST_F(LeaseClusterTest, FullRestartKeepsLeasesAndAttachedKeys) {
  StartCluster(3);
  ASSERT_GE(WaitForLeader({0, 1, 2}, kElection), 0);
  ASSERT_EQ(Grant(0, 555, 600), 600);
  ASSERT_EQ(Grant(1, 556, 600), 600);
  std::set<std::string> keys;
  for (int k = 0; k < 4; ++k) {
    const std::string key = "/rs/k" + std::to_string(k);
    PutWithLease(k % 3, key, 555);
    keys.insert(key);
  }
  PutWithLease(2, "/rs2/x", 556);
  WaitForConvergence({0, 1, 2}, kConverge);
  for (int i = 0; i < 3; ++i) Kill(i);
  for (int i = 0; i < 3; ++i) Restart(i);
  const int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(LeaseIds(i), (std::vector<int64_t>{555, 556})) << agents_[i].name;
  }
  // The attachments were rebuilt from the keyspace: timetolive lists them
  // and a revoke deletes exactly them, in one revision.
  for (int i = 0; i < 3; ++i) {
    Result<Ttl> ttl = TimeToLive(i, 555);
    ASSERT_TRUE(ttl.ok()) << ttl.status().ToString();
    EXPECT_EQ(ttl->keys, 4u);
    EXPECT_EQ(ttl->granted, 600);
    EXPECT_GT(ttl->ttl, 500);
  }
  const int64_t before = WaitForConvergence({0, 1, 2}, kConverge);
  Result<HttpReply> revoked = Call((leader + 1) % 3, "/v3/lease/revoke", "{\"ID\":\"555\"}");
  ASSERT_TRUE(revoked.ok());
  ASSERT_EQ(revoked->status, 200) << revoked->body;
  EXPECT_EQ(ExpectDeletedAtOneRevision({0, 1, 2}, "/rs/", keys), before + 1);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(KeysAt(i, "/rs2/", 0), std::set<std::string>{"/rs2/x"});
    EXPECT_EQ(LeaseIds(i), (std::vector<int64_t>{556})) << agents_[i].name;
  }
  // A second revoke of the same lease: 404, no revision.
  revoked = Call(leader, "/v3/lease/revoke", "{\"ID\":\"555\"}");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->status, 404) << revoked->body;
  EXPECT_EQ(WaitForConvergence({0, 1, 2}, kConverge), before + 1);
}

TEST_F(LeaseClusterTest, CheckpointsCarryTheRemainingTtlAcrossAFailover) {
  // Checkpoints every 1 s: after 8 s a 20 s lease has about 12 s left, and a
  // new leader must use that instead of restarting it from 20 s.
  StartCluster(3, {"--lease-checkpoint-interval", "1000"});
  const int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  const std::vector<int> survivors = Followers(leader);
  ASSERT_EQ(Grant(survivors[0], 9, 20), 20);
  const auto granted_at = Clock::now();
  PutWithLease(survivors[0], "/cp/key", 9);
  std::this_thread::sleep_for(milliseconds(8000));
  Kill(leader);
  ASSERT_GE(WaitForLeader(survivors, kElection), 0);
  ASSERT_TRUE(WaitUntilGone(survivors, "/cp/", milliseconds(40000)));
  const int64_t gone_after = ElapsedMs(granted_at);
  EXPECT_GE(gone_after, 20000 - 300) << "expired before its TTL";
  // Without the checkpoint: >= 8 s + 20 s + the election timeout.
  EXPECT_LT(gone_after, 27000) << "the checkpointed remaining TTL was not used";
  ExpectDeletedAtOneRevision(survivors, "/cp/", {"/cp/key"});
}

}  // namespace
}  // namespace shadekv::cluster_testing
