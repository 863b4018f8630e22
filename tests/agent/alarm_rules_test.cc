// The pure alarm and quota rules: which entries an active NOSPACE or CORRUPT
// alarm refuses (etcd's applierV3Capped / applierV3Corrupt), the quota cost
// of a request, and the alarm meta keys (including malformed ones).
#include "agent/server/alarm_rules.h"

#include <gtest/gtest.h>

#include <memory>

namespace shadekv::agent {
namespace {

const std::vector<AlarmMember> kNoSpace = {{7, AlarmType::kNoSpace}};
const std::vector<AlarmMember> kCorrupt = {{7, AlarmType::kCorrupt}};

store::PutRequest Put(std::string key, std::string value) {
  store::PutRequest p;
  p.key = std::move(key);
  p.value = std::move(value);
  return p;
}

store::TxnRequest TxnWith(std::vector<store::RequestOp> success,
                          std::vector<store::RequestOp> failure = {}) {
  store::TxnRequest t;
  t.success = std::move(success);
  t.failure = std::move(failure);
  return t;
}

store::RequestOp Op(store::PutRequest p) { return store::RequestOp{std::move(p)}; }
store::RequestOp Op(store::RangeRequest r) { return store::RequestOp{std::move(r)}; }
store::RequestOp Op(store::DeleteRangeRequest d) { return store::RequestOp{std::move(d)}; }
store::RequestOp Op(store::TxnRequest t) {
  return store::RequestOp{std::make_shared<const store::TxnRequest>(std::move(t))};
}

store::RangeRequest Range(std::string key) {
  store::RangeRequest r;
  r.key = std::move(key);
  return r;
}

store::DeleteRangeRequest Delete(std::string key) {
  store::DeleteRangeRequest d;
  d.key = std::move(key);
  return d;
}

TEST(AlarmRulesTest, NoAlarmRefusesNothing) {
  EXPECT_TRUE(CheckAlarmedWrite(Put("a", "b"), {}).ok());
  EXPECT_TRUE(CheckAlarmedWrite(LeaseGrant{1, 10}, {}).ok());
}

TEST(AlarmRulesTest, NoSpaceRefusesPutsTxnsWithPutsAndLeaseGrants) {
  EXPECT_EQ(CheckAlarmedWrite(Put("a", "b"), kNoSpace),
            Status::ResourceExhausted("etcdserver: mvcc: database space exceeded"));
  EXPECT_EQ(CheckAlarmedWrite(LeaseGrant{1, 10}, kNoSpace), NoSpaceError());
  EXPECT_EQ(CheckAlarmedWrite(TxnWith({Op(Put("a", "b"))}), kNoSpace), NoSpaceError());
  // A put in the failure branch, or nested, counts too.
  EXPECT_EQ(CheckAlarmedWrite(TxnWith({Op(Range("a"))}, {Op(Put("a", "b"))}), kNoSpace),
            NoSpaceError());
  EXPECT_EQ(CheckAlarmedWrite(TxnWith({Op(TxnWith({}, {Op(Put("x", ""))}))}), kNoSpace),
            NoSpaceError());
}

TEST(AlarmRulesTest, NoSpaceAllowsWhatFreesSpace) {
  EXPECT_TRUE(CheckAlarmedWrite(Delete("a"), kNoSpace).ok());
  store::CompactionRequest compact;
  compact.revision = 5;
  EXPECT_TRUE(CheckAlarmedWrite(compact, kNoSpace).ok());
  EXPECT_TRUE(CheckAlarmedWrite(LeaseRevoke{3}, kNoSpace).ok());
  EXPECT_TRUE(CheckAlarmedWrite(TxnWith({Op(Range("a")), Op(Delete("b"))}), kNoSpace).ok());
  EXPECT_TRUE(CheckAlarmedWrite(LeaseCheckpoint{{{1, 5}}}, kNoSpace).ok());
  EXPECT_TRUE(CheckAlarmedWrite(MemberAttributes{7, "n", {}}, kNoSpace).ok());
  EXPECT_TRUE(CheckAlarmedWrite(
                  AlarmChange{AlarmChange::Action::kDeactivate, 7, AlarmType::kNoSpace}, kNoSpace)
                  .ok());
}

TEST(AlarmRulesTest, CorruptRefusesEveryKeyWriteButNotAlarmChanges) {
  const Status corrupt = Status::DataLoss("etcdserver: corrupt cluster");
  EXPECT_EQ(CheckAlarmedWrite(Put("a", "b"), kCorrupt), corrupt);
  EXPECT_EQ(CheckAlarmedWrite(Delete("a"), kCorrupt), corrupt);
  EXPECT_EQ(CheckAlarmedWrite(TxnWith({Op(Range("a"))}, {Op(Delete("b"))}), kCorrupt), corrupt);
  EXPECT_EQ(CheckAlarmedWrite(TxnWith({Op(TxnWith({Op(Put("a", ""))}))}), kCorrupt), corrupt);
  // Read-only txns are answered, as etcd answers them outside its applier.
  EXPECT_TRUE(CheckAlarmedWrite(TxnWith({Op(Range("a"))}, {Op(Range("b"))}), kCorrupt).ok());
  EXPECT_EQ(CheckAlarmedWrite(store::CompactionRequest{}, kCorrupt), corrupt);
  EXPECT_EQ(CheckAlarmedWrite(LeaseGrant{1, 10}, kCorrupt), corrupt);
  EXPECT_EQ(CheckAlarmedWrite(LeaseRevoke{1}, kCorrupt), corrupt);
  EXPECT_TRUE(CheckAlarmedWrite(
                  AlarmChange{AlarmChange::Action::kDeactivate, 7, AlarmType::kCorrupt}, kCorrupt)
                  .ok());
  EXPECT_TRUE(CheckAlarmedWrite(MemberAttributes{7, "n", {}}, kCorrupt).ok());
}

TEST(AlarmRulesTest, QuotaCostFollowsEtcd) {
  EXPECT_EQ(QuotaCost(Put("key", "value")), 256u + 3 + 5);
  EXPECT_EQ(QuotaCost(TxnWith({Op(Put("a", "bb")), Op(Range("z"))}, {Op(Put("c", ""))})),
            (256u + 3) + (256u + 1));
  EXPECT_EQ(QuotaCost(TxnWith({Op(TxnWith({Op(Put("n", "1"))}))})), 256u + 2);
  EXPECT_EQ(QuotaCost(TxnWith({Op(Range("a"))})), 0u);
  EXPECT_EQ(QuotaCost(LeaseGrant{1, 10}), 64u);
  EXPECT_EQ(QuotaCost(Delete("a")), 0u);
}

TEST(AlarmRulesTest, FitsQuotaIsStrictlyBelow) {
  EXPECT_TRUE(FitsQuota(100, 10, 111));
  EXPECT_FALSE(FitsQuota(100, 10, 110));
  EXPECT_FALSE(FitsQuota(200, 0, 100));
  EXPECT_EQ(EffectiveQuotaBytes(0), uint64_t{2} << 30);
  EXPECT_EQ(EffectiveQuotaBytes(4096), 4096u);
}

TEST(AlarmRulesTest, MetaKeysRoundTripInMemberOrder) {
  AlarmMember a{18446744073709551615u, AlarmType::kCorrupt};
  AlarmMember b{5, AlarmType::kNoSpace};
  EXPECT_EQ(AlarmMetaKey(b), "alarm/00000000000000000005/1");
  EXPECT_LT(AlarmMetaKey(b), AlarmMetaKey(a));
  for (const AlarmMember& m : {a, b}) {
    Result<AlarmMember> back = ParseAlarmMetaKey(AlarmMetaKey(m));
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, m);
  }
}

TEST(AlarmRulesTest, MalformedMetaKeysAreDataLoss) {
  for (const char* key : {"", "alarm/", "alarm/5/1", "alarm/00000000000000000005/3",
                          "alarm/00000000000000000005/0", "alarm/0000000000000000000x/1",
                          "alarm/00000000000000000005-1", "alarm/99999999999999999999/1",
                          "lease/00000000000000000005/1", "alarm/00000000000000000005/1x"}) {
    Result<AlarmMember> parsed = ParseAlarmMetaKey(key);
    EXPECT_EQ(parsed.status().code(), StatusCode::kDataLoss) << key;
  }
}

}  // namespace
}  // namespace shadekv::agent
