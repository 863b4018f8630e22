// etcd's watch range and filter rules.
#include "agent/watch/watch_filter.h"

#include <gtest/gtest.h>

namespace shadekv::watch {
namespace {

WatchCreate Range(std::string key, std::string end) {
  WatchCreate w;
  w.key = std::move(key);
  w.range_end = std::move(end);
  return w;
}

store::KeyChange Change(store::KeyChange::Type type, std::string key, bool with_prev) {
  store::KeyChange c;
  c.type = type;
  c.kv.key = std::move(key);
  c.kv.mod_revision = 7;
  if (with_prev) c.prev_kv = store::KeyValue{c.kv.key, "old", 2, 3, 1, 0};
  return c;
}

TEST(WatchFilterTest, SingleKeyMatchesOnlyThatKey) {
  WatchCreate w = Range("a", "");
  EXPECT_TRUE(InWatchRange(w, "a"));
  EXPECT_FALSE(InWatchRange(w, "a0"));
  EXPECT_FALSE(InWatchRange(w, ""));
  EXPECT_FALSE(IsEmptyWatchRange(w));
}

TEST(WatchFilterTest, HalfOpenRangeExcludesItsEnd) {
  WatchCreate w = Range("a", "c");
  EXPECT_TRUE(InWatchRange(w, "a"));
  EXPECT_TRUE(InWatchRange(w, "bzzz"));
  EXPECT_FALSE(InWatchRange(w, "c"));
  EXPECT_FALSE(InWatchRange(w, "0"));
}

TEST(WatchFilterTest, NulRangeEndMeansEveryKeyFromKeyOn) {
  WatchCreate w = Range("b", std::string(1, '\0'));
  EXPECT_FALSE(IsEmptyWatchRange(w));
  EXPECT_TRUE(InWatchRange(w, "b"));
  EXPECT_TRUE(InWatchRange(w, "\xff\xff"));
  EXPECT_FALSE(InWatchRange(w, "a"));
  WatchCreate all = Range(std::string(1, '\0'), std::string(1, '\0'));
  EXPECT_TRUE(InWatchRange(all, std::string(1, '\0')));
}

TEST(WatchFilterTest, RangeEndNotAboveKeyIsEmpty) {
  EXPECT_TRUE(IsEmptyWatchRange(Range("b", "a")));
  EXPECT_TRUE(IsEmptyWatchRange(Range("b", "b")));
  EXPECT_FALSE(IsEmptyWatchRange(Range("b", "b\x01")));
}

TEST(WatchFilterTest, FiltersDropPutsOrDeletesAndPrevKvOnlyWhenAsked) {
  std::vector<store::KeyChange> changes = {Change(store::KeyChange::Type::kPut, "a", true),
                                           Change(store::KeyChange::Type::kDelete, "b", true),
                                           Change(store::KeyChange::Type::kPut, "z", true)};
  WatchCreate w = Range("a", "c");
  std::vector<store::KeyChange> both = SelectChanges(w, changes);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_FALSE(both[0].prev_kv.has_value());
  EXPECT_FALSE(both[1].prev_kv.has_value());
  w.prev_kv = true;
  both = SelectChanges(w, changes);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].prev_kv->value, "old");
  w.no_put = true;
  std::vector<store::KeyChange> deletes = SelectChanges(w, changes);
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].kv.key, "b");
  w.no_put = false;
  w.no_delete = true;
  std::vector<store::KeyChange> puts = SelectChanges(w, changes);
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].kv.key, "a");
  w.no_put = true;
  EXPECT_TRUE(SelectChanges(w, changes).empty());
}

}  // namespace
}  // namespace shadekv::watch
