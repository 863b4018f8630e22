// etcd 3.4's pure range rules: intervals, filters, sorting, limits, compares.
#include <gtest/gtest.h>

#include "store/range_rules.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::Cmp;
using testing::Kv;
using testing::ValueCmp;
using K = KeyInterval::Kind;
using R = Compare::Result;
using T = Compare::Target;

TEST(MvccRangeRulesTest, IntervalKinds) {
  EXPECT_EQ(MakeKeyInterval("a", "").kind, K::kSingle);
  EXPECT_EQ(MakeKeyInterval("a", std::string(1, '\0')).kind, K::kFromKey);
  EXPECT_EQ(MakeKeyInterval("a", "b").kind, K::kBounded);
  EXPECT_EQ(MakeKeyInterval("b", "a").kind, K::kEmpty);
  EXPECT_EQ(MakeKeyInterval("b", "b").kind, K::kEmpty);
  EXPECT_EQ(MakeKeyInterval("a", std::string("\0\0", 2)).kind, K::kEmpty);
  EXPECT_EQ(MakeKeyInterval(std::string(1, '\0'), std::string(1, '\0')).kind, K::kFromKey);
}

TEST(MvccRangeRulesTest, IntervalMembershipAndEnd) {
  const KeyInterval single = MakeKeyInterval("b", "");
  EXPECT_TRUE(single.Contains("b"));
  EXPECT_FALSE(single.Contains("ba"));
  EXPECT_TRUE(single.IsPastEnd("ba"));
  EXPECT_FALSE(single.IsPastEnd("b"));
  const KeyInterval bounded = MakeKeyInterval("b", "d");
  EXPECT_TRUE(bounded.Contains("c\xff"));
  EXPECT_FALSE(bounded.Contains("d"));
  EXPECT_TRUE(bounded.IsPastEnd("d"));
  EXPECT_FALSE(bounded.Contains("a"));
  const KeyInterval from = MakeKeyInterval("b", std::string(1, '\0'));
  EXPECT_TRUE(from.Contains("\xff\xff"));
  EXPECT_FALSE(from.IsPastEnd("\xff\xff"));
  EXPECT_FALSE(from.Contains("a"));
  const KeyInterval empty = MakeKeyInterval("b", "a");
  EXPECT_FALSE(empty.Contains("b"));
  EXPECT_TRUE(empty.IsPastEnd("b"));
}

TEST(MvccRangeRulesTest, CollectLimitFollowsEtcd) {
  RangeRequest r;
  EXPECT_EQ(CollectLimit(r), 0u);
  r.limit = 3;
  EXPECT_EQ(CollectLimit(r), 4u);
  r.sort_target = SortTarget::kValue;  // order NONE: still limit+1, like etcd 3.4
  EXPECT_EQ(CollectLimit(r), 4u);
  r.sort_order = SortOrder::kAscend;
  EXPECT_EQ(CollectLimit(r), 0u);
  r.sort_order = SortOrder::kNone;
  r.min_create_revision = 2;
  EXPECT_EQ(CollectLimit(r), 0u);
}

std::vector<KeyValue> Sample() {
  return {Kv("a", "z", 5, 9, 3), Kv("b", "x", 2, 4, 1), Kv("c", "y", 7, 7, 1),
          Kv("d", "x", 3, 8, 2)};
}

std::vector<std::string> Finish(const RangeRequest& r, bool* more = nullptr) {
  std::vector<KeyValue> kvs = Sample();
  bool ignored = false;
  FinishRange(r, &kvs, more ? more : &ignored);
  return testing::Keys(kvs);
}

TEST(MvccRangeRulesTest, SortsEveryTargetBothWays) {
  RangeRequest r;
  using V = std::vector<std::string>;
  EXPECT_EQ(Finish(r), (V{"a", "b", "c", "d"}));
  r.sort_order = SortOrder::kDescend;
  EXPECT_EQ(Finish(r), (V{"d", "c", "b", "a"}));
  r.sort_target = SortTarget::kValue;
  EXPECT_EQ(Finish(r), (V{"a", "c", "b", "d"}));  // x ties keep key order
  r.sort_order = SortOrder::kAscend;
  EXPECT_EQ(Finish(r), (V{"b", "d", "c", "a"}));
  r.sort_target = SortTarget::kCreate;
  EXPECT_EQ(Finish(r), (V{"b", "d", "a", "c"}));
  r.sort_target = SortTarget::kMod;
  EXPECT_EQ(Finish(r), (V{"b", "c", "d", "a"}));
  r.sort_target = SortTarget::kVersion;
  EXPECT_EQ(Finish(r), (V{"b", "c", "d", "a"}));
  r.sort_order = SortOrder::kNone;  // non-KEY target with NONE sorts ascending
  EXPECT_EQ(Finish(r), (V{"b", "c", "d", "a"}));
  r.sort_target = SortTarget::kKey;
  r.sort_order = SortOrder::kAscend;
  EXPECT_EQ(Finish(r), (V{"a", "b", "c", "d"}));
}

TEST(MvccRangeRulesTest, FiltersLimitAndKeysOnly) {
  using V = std::vector<std::string>;
  RangeRequest r;
  r.min_mod_revision = 5;
  EXPECT_EQ(Finish(r), (V{"a", "c", "d"}));
  r.max_mod_revision = 8;
  EXPECT_EQ(Finish(r), (V{"c", "d"}));
  r = RangeRequest{};
  r.min_create_revision = 3;
  r.max_create_revision = 5;
  EXPECT_EQ(Finish(r), (V{"a", "d"}));
  r = RangeRequest{};
  r.limit = 2;
  bool more = false;
  EXPECT_EQ(Finish(r, &more), (V{"a", "b"}));
  EXPECT_TRUE(more);
  r.limit = 4;
  EXPECT_EQ(Finish(r, &more), (V{"a", "b", "c", "d"}));
  EXPECT_FALSE(more);
  r.keys_only = true;
  r.sort_target = SortTarget::kValue;
  std::vector<KeyValue> kvs = Sample();
  FinishRange(r, &kvs, &more);
  EXPECT_EQ(testing::Keys(kvs), (V{"b", "d", "c", "a"}));  // sorted by value before clearing
  for (const KeyValue& kv : kvs) EXPECT_EQ(kv.value, "");
}

TEST(MvccRangeRulesTest, ComparesEveryResultOnEveryTarget) {
  const KeyValue kv = Kv("k", "m", 4, 6, 2, 9);
  struct Case {
    Compare c;
    bool want;
  };
  const std::vector<Case> cases = {
      {ValueCmp("k", R::kEqual, "m"), true},       {ValueCmp("k", R::kNotEqual, "m"), false},
      {ValueCmp("k", R::kGreater, "ma"), false},   {ValueCmp("k", R::kLess, "ma"), true},
      {ValueCmp("k", R::kGreater, ""), true},      {Cmp("k", T::kVersion, R::kEqual, 2), true},
      {Cmp("k", T::kVersion, R::kLess, 2), false}, {Cmp("k", T::kVersion, R::kGreater, 1), true},
      {Cmp("k", T::kCreate, R::kEqual, 4), true},  {Cmp("k", T::kCreate, R::kGreater, 4), false},
      {Cmp("k", T::kMod, R::kNotEqual, 6), false}, {Cmp("k", T::kMod, R::kLess, 7), true},
      {Cmp("k", T::kLease, R::kEqual, 9), true},   {Cmp("k", T::kLease, R::kGreater, 9), false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CompareHolds(c.c, &kv), c.want)
        << static_cast<int>(c.c.target) << "/" << static_cast<int>(c.c.result);
  }
}

TEST(MvccRangeRulesTest, MissingKeysCompareAsZeroExceptValue) {
  for (R result : {R::kEqual, R::kNotEqual, R::kGreater, R::kLess}) {
    EXPECT_FALSE(CompareHolds(ValueCmp("k", result, ""), nullptr));
    EXPECT_FALSE(CompareHolds(ValueCmp("k", result, "x"), nullptr));
  }
  EXPECT_TRUE(CompareHolds(Cmp("k", T::kVersion, R::kEqual, 0), nullptr));
  EXPECT_TRUE(CompareHolds(Cmp("k", T::kCreate, R::kLess, 1), nullptr));
  EXPECT_FALSE(CompareHolds(Cmp("k", T::kMod, R::kGreater, 0), nullptr));
  EXPECT_TRUE(CompareHolds(Cmp("k", T::kLease, R::kNotEqual, 3), nullptr));
  EXPECT_TRUE(CompareHoldsForAll(Cmp("k", T::kVersion, R::kEqual, 0), {}));
  EXPECT_FALSE(CompareHoldsForAll(ValueCmp("k", R::kNotEqual, "x"), {}));
  EXPECT_TRUE(CompareHoldsForAll(ValueCmp("k", R::kEqual, "x"),
                                 {Kv("a", "x", 1, 1, 1), Kv("b", "x", 2, 2, 1)}));
  EXPECT_FALSE(CompareHoldsForAll(ValueCmp("k", R::kEqual, "x"),
                                  {Kv("a", "x", 1, 1, 1), Kv("b", "y", 2, 2, 1)}));
}

}  // namespace
}  // namespace shadekv::store
