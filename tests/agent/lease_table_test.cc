// The pure lease table: grant/remove/attach/detach, expiry on the primary
// only, promote/demote across leader changes, checkpoint selection, and the
// meta record codec. Time is a number passed in.
#include "agent/lease/lease_table.h"

#include <gtest/gtest.h>

#include "agent/lease/lease_record.h"

namespace shadekv::lease {
namespace {

using store::ChangeEvent;
using store::KeyChange;
using store::KeyValue;

KeyValue Kv(std::string key, int64_t lease) {
  KeyValue kv;
  kv.key = std::move(key);
  kv.lease = lease;
  return kv;
}

// A put of `key` with `lease`, replacing a version with `prev_lease` (-1: new key).
KeyChange PutChange(const std::string& key, int64_t lease, int64_t prev_lease = -1) {
  KeyChange c;
  c.type = KeyChange::Type::kPut;
  c.kv = Kv(key, lease);
  if (prev_lease >= 0) c.prev_kv = Kv(key, prev_lease);
  return c;
}

KeyChange DeleteChange(const std::string& key, int64_t prev_lease) {
  KeyChange c;
  c.type = KeyChange::Type::kDelete;
  c.kv.key = key;
  c.prev_kv = Kv(key, prev_lease);
  return c;
}

ChangeEvent Event(std::vector<KeyChange> changes) { return ChangeEvent{2, std::move(changes), {}}; }

LeaseTableOptions NoCheckpoints() {
  LeaseTableOptions o;
  o.checkpoint_interval_ms = 0;
  o.revoke_retry_ms = 1000;
  return o;
}

TEST(LeaseTableTest, GrantRefusesAnExistingId) {
  LeaseTable t;
  ASSERT_TRUE(t.Grant(5, 10, 0).ok());
  EXPECT_EQ(t.Grant(5, 20, 0), Status::FailedPrecondition("etcdserver: lease already exists"));
  EXPECT_EQ(t.Record(5), (LeaseRecord{5, 10, 0}));
  EXPECT_TRUE(t.Grant(-7, 3, 0).ok());  // etcd honours negative explicit ids
  EXPECT_EQ(t.Ids(), (std::vector<int64_t>{-7, 5}));
}

TEST(LeaseTableTest, RemoveForgetsALeaseOnce) {
  LeaseTable t;
  ASSERT_TRUE(t.Grant(1, 10, 0).ok());
  EXPECT_TRUE(t.Remove(1));
  EXPECT_FALSE(t.Remove(1));
  EXPECT_FALSE(t.Exists(1));
  EXPECT_EQ(t.size(), 0u);
}

TEST(LeaseTableTest, EventsAttachAndDetachKeys) {
  LeaseTable t;
  ASSERT_TRUE(t.Grant(1, 10, 0).ok());
  ASSERT_TRUE(t.Grant(2, 10, 0).ok());
  t.ApplyEvent(Event({PutChange("a", 1), PutChange("b", 1), PutChange("c", 0)}));
  EXPECT_EQ(t.Keys(1), (std::vector<std::string>{"a", "b"}));
  // "a" moves to lease 2, "b" loses its lease, "c" gains lease 2.
  t.ApplyEvent(Event({PutChange("a", 2, 1), PutChange("b", 0, 1), PutChange("c", 2, 0)}));
  EXPECT_TRUE(t.Keys(1).empty());
  EXPECT_EQ(t.Keys(2), (std::vector<std::string>{"a", "c"}));
  t.ApplyEvent(Event({DeleteChange("a", 2)}));
  EXPECT_EQ(t.Keys(2), (std::vector<std::string>{"c"}));
  // Keys of unknown leases are ignored, not remembered.
  t.ApplyEvent(Event({PutChange("z", 99)}));
  ASSERT_TRUE(t.Grant(99, 10, 0).ok());
  EXPECT_TRUE(t.Keys(99).empty());
  EXPECT_TRUE(t.Keys(12345).empty());
}

TEST(LeaseTableTest, ResetRebuildsFromRecordsAndTheKeyspace) {
  LeaseTable t;
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 10, 0).ok());
  t.Reset({{3, 30, 7}, {4, 40, 0}}, {{"x", 3}, {"y", 3}, {"z", 4}, {"orphan", 8}});
  EXPECT_FALSE(t.primary());
  EXPECT_FALSE(t.Exists(1));
  EXPECT_EQ(t.Record(3), (LeaseRecord{3, 30, 7}));
  EXPECT_EQ(t.Keys(3), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(t.Keys(4), (std::vector<std::string>{"z"}));
  EXPECT_FALSE(t.Exists(8));
}

TEST(LeaseTableTest, NonPrimaryNeverExpiresAndCannotRenew) {
  LeaseTable t(NoCheckpoints());
  ASSERT_TRUE(t.Grant(1, 2, 0).ok());
  EXPECT_EQ(t.ExpiryMs(1), kForeverMs);
  EXPECT_TRUE(t.TakeExpired(1'000'000'000, 10).empty());
  bool checkpointed = false;
  EXPECT_EQ(t.Renew(1, 0, &checkpointed).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(t.TimeToLiveOf(1, 0, false).has_value());
}

TEST(LeaseTableTest, PrimaryExpiresLeasesAfterTheirTtl) {
  LeaseTable t(NoCheckpoints());
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 2, 1000).ok());
  ASSERT_TRUE(t.Grant(2, 5, 1000).ok());
  EXPECT_TRUE(t.TakeExpired(2999, 10).empty());
  EXPECT_EQ(t.TakeExpired(3000, 10), (std::vector<int64_t>{1}));
  EXPECT_TRUE(t.TakeExpired(3500, 10).empty());  // 1 in flight, 2 alive
  // 2 expired; 1's revoke was not applied within the retry time: again.
  EXPECT_EQ(t.TakeExpired(6000, 10), (std::vector<int64_t>{1, 2}));
}

TEST(LeaseTableTest, TakeExpiredDoesNotRepeatARevokeInFlightUntilTheRetryTime) {
  LeaseTable t(NoCheckpoints());  // revoke_retry_ms 1000
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 1, 0).ok());
  EXPECT_EQ(t.TakeExpired(1000, 10), (std::vector<int64_t>{1}));
  EXPECT_TRUE(t.TakeExpired(1999, 10).empty());
  EXPECT_EQ(t.TakeExpired(2000, 10), (std::vector<int64_t>{1}));  // lost proposal: retried
  t.Remove(1);                                                    // the revoke applied
  EXPECT_TRUE(t.TakeExpired(5000, 10).empty());
}

TEST(LeaseTableTest, TakeExpiredReturnsEarliestFirstAndAtMostMax) {
  LeaseTable t(NoCheckpoints());
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(10, 3, 0).ok());
  ASSERT_TRUE(t.Grant(20, 1, 0).ok());
  ASSERT_TRUE(t.Grant(30, 2, 0).ok());
  EXPECT_EQ(t.TakeExpired(10000, 2), (std::vector<int64_t>{20, 30}));
  EXPECT_EQ(t.TakeExpired(10000, 2), (std::vector<int64_t>{10}));
}

TEST(LeaseTableTest, RenewRestartsTheTtl) {
  LeaseTable t(NoCheckpoints());
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 2, 0).ok());
  bool checkpointed = true;
  Result<int64_t> ttl = t.Renew(1, 1500, &checkpointed);
  ASSERT_TRUE(ttl.ok());
  EXPECT_EQ(*ttl, 2);
  EXPECT_FALSE(checkpointed);
  EXPECT_EQ(t.ExpiryMs(1), 3500);
  EXPECT_TRUE(t.TakeExpired(3499, 10).empty());
  EXPECT_EQ(t.TakeExpired(3500, 10), (std::vector<int64_t>{1}));
}

TEST(LeaseTableTest, RenewOfUnknownOrExpiredLeaseIsNotFound) {
  LeaseTable t(NoCheckpoints());
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 2, 0).ok());
  bool checkpointed = false;
  EXPECT_EQ(t.Renew(9, 0, &checkpointed).status(),
            Status::NotFound("etcdserver: requested lease not found"));
  // Expired: its revoke is coming, a renew must not resurrect it.
  EXPECT_EQ(t.Renew(1, 2000, &checkpointed).status().code(), StatusCode::kNotFound);
}

TEST(LeaseTableTest, TimeToLiveTruncatesLikeEtcdAndListsKeys) {
  LeaseTable t(NoCheckpoints());
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 10, 0).ok());
  t.ApplyEvent(Event({PutChange("b", 1), PutChange("a", 1)}));
  std::optional<TimeToLive> ttl = t.TimeToLiveOf(1, 500, true);
  ASSERT_TRUE(ttl.has_value());
  EXPECT_EQ(ttl->ttl, 9);                          // 9.5 s left
  EXPECT_EQ(t.TimeToLiveOf(1, 0, false)->ttl, 9);  // just granted: 9.999... s, as etcd shows
  EXPECT_EQ(ttl->granted_ttl, 10);
  EXPECT_EQ(ttl->keys, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(t.TimeToLiveOf(1, 500, false)->keys.empty());
  EXPECT_EQ(t.TimeToLiveOf(1, 20000, false)->ttl, 0);  // expired, not yet revoked
  EXPECT_FALSE(t.TimeToLiveOf(2, 0, false).has_value());
}

TEST(LeaseTableTest, PromoteGivesEveryLeaseItsTtlPlusTheExtension) {
  LeaseTable t(NoCheckpoints());
  ASSERT_TRUE(t.Grant(1, 10, 0).ok());  // granted on a follower
  ASSERT_TRUE(t.Grant(2, 60, 0).ok());
  t.Checkpoint(2, 7);  // the old leader saw 7 s left
  t.Promote(50'000, 1000);
  EXPECT_TRUE(t.primary());
  EXPECT_EQ(t.ExpiryMs(1), 50'000 + 10'000 + 1000);
  EXPECT_EQ(t.ExpiryMs(2), 50'000 + 7'000 + 1000);
}

TEST(LeaseTableTest, DemoteStopsExpiryAndForgetsRevokesInFlight) {
  LeaseTable t(NoCheckpoints());
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 1, 0).ok());
  EXPECT_EQ(t.TakeExpired(1000, 10).size(), 1u);
  t.Demote();
  EXPECT_FALSE(t.primary());
  EXPECT_EQ(t.ExpiryMs(1), kForeverMs);
  EXPECT_TRUE(t.TakeExpired(100'000, 10).empty());
  // Leader again later: the lease gets a full TTL, and can expire again.
  t.Promote(100'000, 0);
  EXPECT_EQ(t.TakeExpired(101'000, 10), (std::vector<int64_t>{1}));
}

TEST(LeaseTableTest, CheckpointsLongLeasesEveryInterval) {
  LeaseTableOptions o;
  o.checkpoint_interval_ms = 10'000;
  LeaseTable t(o);
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 60, 0).ok());  // outlives an interval
  ASSERT_TRUE(t.Grant(2, 5, 0).ok());   // does not
  EXPECT_TRUE(t.TakeDueCheckpoints(9'999, 10).empty());
  using Due = std::vector<std::pair<int64_t, int64_t>>;
  EXPECT_EQ(t.TakeDueCheckpoints(10'000, 10), (Due{{1, 50}}));
  EXPECT_TRUE(t.TakeDueCheckpoints(15'000, 10).empty());        // rescheduled
  EXPECT_EQ(t.TakeDueCheckpoints(20'500, 10), (Due{{1, 40}}));  // 39.5 s rounds up
  EXPECT_EQ(t.TakeDueCheckpoints(30'500, 10), (Due{{1, 30}}));
  EXPECT_EQ(t.TakeDueCheckpoints(40'500, 10), (Due{{1, 20}}));
  // 9.5 s left: recorded, and no further checkpoint (less than an interval).
  EXPECT_EQ(t.TakeDueCheckpoints(50'500, 10), (Due{{1, 10}}));
  EXPECT_TRUE(t.TakeDueCheckpoints(59'000, 10).empty());
}

TEST(LeaseTableTest, CheckpointingOffOrNotPrimarySelectsNothing) {
  LeaseTable off(NoCheckpoints());
  off.Promote(0, 0);
  ASSERT_TRUE(off.Grant(1, 600, 0).ok());
  EXPECT_TRUE(off.TakeDueCheckpoints(1'000'000, 10).empty());
  LeaseTableOptions o;
  o.checkpoint_interval_ms = 1000;
  LeaseTable follower(o);
  ASSERT_TRUE(follower.Grant(1, 600, 0).ok());
  EXPECT_TRUE(follower.TakeDueCheckpoints(1'000'000, 10).empty());
}

TEST(LeaseTableTest, RenewTellsWhenACheckpointMustBeCleared) {
  LeaseTableOptions o;
  o.checkpoint_interval_ms = 1000;
  LeaseTable t(o);
  t.Promote(0, 0);
  ASSERT_TRUE(t.Grant(1, 60, 0).ok());
  t.Checkpoint(1, 55);
  bool checkpointed = false;
  ASSERT_TRUE(t.Renew(1, 5000, &checkpointed).ok());
  EXPECT_TRUE(checkpointed);
  t.Checkpoint(1, 0);  // the clearing checkpoint applied
  ASSERT_TRUE(t.Renew(1, 6000, &checkpointed).ok());
  EXPECT_FALSE(checkpointed);
  // A failover now restarts the lease from its full TTL, not the stale 55 s.
  t.Demote();
  t.Promote(7000, 0);
  EXPECT_EQ(t.ExpiryMs(1), 67'000);
}

TEST(LeaseTableTest, CheckpointOfUnknownLeaseIsIgnored) {
  LeaseTable t;
  t.Checkpoint(42, 10);
  EXPECT_FALSE(t.Exists(42));
}

TEST(LeaseRecordTest, RoundTripsThroughMeta) {
  for (const LeaseRecord& r : {LeaseRecord{1, 2, 0}, LeaseRecord{-7, 9'000'000'000, 12},
                               LeaseRecord{std::numeric_limits<int64_t>::max(), 5, 5}}) {
    Result<LeaseRecord> back = DecodeLeaseRecord(LeaseMetaKey(r.id), EncodeLeaseRecord(r));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, r);
  }
  EXPECT_EQ(LeaseMetaKey(255), "lease/00000000000000ff");
  EXPECT_EQ(LeaseMetaKey(-1), "lease/ffffffffffffffff");
}

TEST(LeaseRecordTest, HasGoldenBytes) {
  EXPECT_EQ(EncodeLeaseRecord({5, 2, 1}), std::string("\x01"
                                                      "\0\0\0\0\0\0\0\x02"
                                                      "\0\0\0\0\0\0\0\x01",
                                                      17));
}

TEST(LeaseRecordTest, RejectsDamagedRecords) {
  const std::string good = EncodeLeaseRecord({5, 2, 1});
  const std::string key = LeaseMetaKey(5);
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_EQ(DecodeLeaseRecord(key, good.substr(0, cut)).status().code(), StatusCode::kDataLoss);
  }
  EXPECT_EQ(DecodeLeaseRecord(key, good + "x").status().code(), StatusCode::kDataLoss);
  std::string v2 = good;
  v2[0] = 2;
  EXPECT_EQ(DecodeLeaseRecord(key, v2).status(),
            Status::DataLoss("lease record 'lease/0000000000000005' is damaged: version 2 is not "
                             "supported (restore this member from a snapshot)"));
  EXPECT_EQ(DecodeLeaseRecord("lease/xyz", good).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DecodeLeaseRecord("lease/000000000000000g", good).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(DecodeLeaseRecord("other/0000000000000005", good).status().code(),
            StatusCode::kDataLoss);
}

}  // namespace
}  // namespace shadekv::lease
