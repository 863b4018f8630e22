// The watch hub over a real MvccStore: each test writes through the store,
// feeds the hub as the apply loop does, and reads streams as a writer would.
#include "agent/watch/watch_hub.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "agent/watch/watch_filter.h"
#include "shadekv/store/mvcc_store.h"
#include "tests/store/temp_dir.h"

namespace shadekv::watch {
namespace {

using std::chrono::milliseconds;
using Type = store::KeyChange::Type;

const std::string kNul(1, '\0');

WatchCreate Watch(std::string key, std::string range_end = "", int64_t start = 0) {
  WatchCreate w;
  w.key = std::move(key);
  w.range_end = std::move(range_end);
  w.start_revision = start;
  return w;
}

// One delivered event, flattened for comparisons.
struct Seen {
  int64_t revision;
  Type type;
  std::string key;
  std::string value;
  bool has_prev;
  friend bool operator==(const Seen&, const Seen&) = default;
};

std::vector<Seen> Flatten(const std::vector<store::KeyChange>& changes) {
  std::vector<Seen> out;
  for (const store::KeyChange& c : changes) {
    out.push_back({c.kv.mod_revision, c.type, c.kv.key, c.kv.value, c.prev_kv.has_value()});
  }
  return out;
}

class WatchHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = store::MvccStore::Open(dir_.Sub("kv"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    history_ = std::make_unique<HistoryOf<store::MvccStore>>(store_.get());
    MakeHub({});
  }

  void MakeHub(WatchHubOptions options) {
    hub_.reset();
    hub_ = std::make_unique<WatchHub>(history_.get(), options);
  }

  // Applies and, unless told not to, tells the hub (the apply listener).
  int64_t Apply(store::WriteRequest request, bool notify = true) {
    Result<store::ApplyResult> r = store_->Apply(request, ++index_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) return 0;
    if (notify && r->event.revision != 0) hub_->Notify(r->event);
    return r->event.revision;
  }
  int64_t Put(std::string key, std::string value, bool notify = true) {
    store::PutRequest p;
    p.key = std::move(key);
    p.value = std::move(value);
    return Apply({p, {}, {}, {}}, notify);
  }
  int64_t Del(std::string key, std::string range_end = "") {
    store::DeleteRangeRequest d;
    d.key = std::move(key);
    d.range_end = std::move(range_end);
    return Apply({d, {}, {}, {}});
  }
  void Compact(int64_t revision) {
    store::CompactionRequest c;
    c.revision = revision;
    Apply({c, {}, {}, {}});
  }

  // Reads `stream` until `events` events arrived, a cancel came, or the
  // deadline passed; returns every response in order.
  static std::vector<WatchResponse> Read(WatchStream& stream, size_t events,
                                         milliseconds limit = milliseconds(3000)) {
    std::vector<WatchResponse> out;
    size_t seen = 0;
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (seen < events && std::chrono::steady_clock::now() < deadline) {
      for (WatchResponse& r : stream.Next(milliseconds(20))) {
        seen += r.events.size();
        bool canceled = r.canceled && !r.created;
        out.push_back(std::move(r));
        if (canceled) return out;
      }
    }
    return out;
  }

  // Whatever is ready within a short wait.
  static std::vector<WatchResponse> ReadSome(WatchStream& stream) {
    std::vector<WatchResponse> out;
    for (int i = 0; i < 5; ++i) {
      for (WatchResponse& r : stream.Next(milliseconds(10))) out.push_back(std::move(r));
    }
    return out;
  }

  static std::vector<Seen> EventsOf(const std::vector<WatchResponse>& responses, int64_t id) {
    std::vector<Seen> out;
    for (const WatchResponse& r : responses) {
      if (r.watch_id != id) continue;
      std::vector<Seen> f = Flatten(r.events);
      out.insert(out.end(), f.begin(), f.end());
    }
    return out;
  }

  // What `w` must see, straight from the store's history.
  std::vector<Seen> Expected(const WatchCreate& w, int64_t from) {
    Result<std::vector<store::ChangeEvent>> all =
        store_->Changes(from - 1, store_->CurrentRevision(), 1 << 20);
    EXPECT_TRUE(all.ok());
    std::vector<Seen> out;
    for (const store::ChangeEvent& e : *all) {
      std::vector<Seen> f = Flatten(SelectChanges(w, e.changes));
      out.insert(out.end(), f.begin(), f.end());
    }
    return out;
  }

  store::testing::TempDir dir_{"shadekv-watch-"};
  std::unique_ptr<store::MvccStore> store_;
  std::unique_ptr<WatchHistory> history_;
  std::unique_ptr<WatchHub> hub_;
  uint64_t index_ = 0;
};

TEST_F(WatchHubTest, CreatedComesFirstWithTheHubRevisionThenLiveEvents) {
  Put("a", "0");
  auto s = hub_->OpenStream();
  EXPECT_EQ(s->Create(Watch("a")), 0);
  int64_t r1 = Put("a", "1");
  Put("b", "x");
  std::vector<WatchResponse> got = Read(*s, 1);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].created);
  EXPECT_EQ(got[0].revision, r1 - 1);
  EXPECT_EQ(got[1].revision, r1);
  EXPECT_EQ(EventsOf(got, 0), (std::vector<Seen>{{r1, Type::kPut, "a", "1", false}}));
}

TEST_F(WatchHubTest, IdsStartAtZeroSkipChosenOnesAndRefuseDuplicates) {
  auto s = hub_->OpenStream();
  EXPECT_EQ(s->Create([] {
    WatchCreate w = Watch("a");
    w.watch_id = 1;
    return w;
  }()),
            1);
  EXPECT_EQ(s->Create(Watch("a")), 0);
  EXPECT_EQ(s->Create(Watch("a")), 2);
  WatchCreate dup = Watch("a");
  dup.watch_id = 2;
  EXPECT_EQ(s->Create(dup), kNoWatchId);
  EXPECT_EQ(s->Create(Watch("b", "a")), kNoWatchId);
  std::vector<WatchResponse> got = ReadSome(*s);
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[3].watch_id, kNoWatchId);
  EXPECT_TRUE(got[3].created && got[3].canceled);
  EXPECT_EQ(got[3].cancel_reason, kDuplicateWatchId);
  EXPECT_EQ(got[4].cancel_reason, kEmptyWatchRange);
  EXPECT_EQ(hub_->Stats().watchers, 3);
}

// A create the API refused (auth) is answered in order, watches nothing and
// takes no id: the next auto id is still 0.
TEST_F(WatchHubTest, RefusedCreateIsCreatedThenCanceledInOrderAndWatchesNothing) {
  int64_t r = Put("a", "0");
  auto s = hub_->OpenStream();
  s->Refuse("rpc error: code = PermissionDenied desc = etcdserver: permission denied");
  EXPECT_EQ(s->Create(Watch("b")), 0);
  Put("a", "1");
  std::vector<WatchResponse> got = ReadSome(*s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].watch_id, kNoWatchId);
  EXPECT_TRUE(got[0].created && got[0].canceled);
  EXPECT_EQ(got[0].revision, r);
  EXPECT_EQ(got[0].cancel_reason,
            "rpc error: code = PermissionDenied desc = etcdserver: permission denied");
  EXPECT_EQ(got[1].watch_id, 0);
  EXPECT_TRUE(got[1].created && !got[1].canceled);
  EXPECT_EQ(hub_->Stats().watchers, 1);
}

TEST_F(WatchHubTest, FiltersPrevKvAndRangesSelectEvents) {
  auto s = hub_->OpenStream();
  WatchCreate puts = Watch("k", "l");
  puts.no_delete = true;
  WatchCreate deletes = Watch("k", "l");
  deletes.no_put = true;
  deletes.prev_kv = true;
  WatchCreate from = Watch("k2", kNul);
  int64_t start = store_->CurrentRevision() + 1;
  for (const WatchCreate& w : {puts, deletes, from}) s->Create(w);
  Put("k1", "a");
  Put("k2", "b");
  Put("z", "c");
  Put("j", "d");
  Del("k1");
  Del("k", "l");  // deletes k2
  std::vector<WatchResponse> got = Read(*s, 2 + 2 + 3);
  for (int64_t id = 0; id < 3; ++id) {
    const WatchCreate& w = id == 0 ? puts : id == 1 ? deletes : from;
    EXPECT_EQ(EventsOf(got, id), Expected(w, start)) << "watch " << id;
  }
  EXPECT_EQ(EventsOf(got, 1).size(), 2u);
  EXPECT_TRUE(EventsOf(got, 1)[0].has_prev);
  EXPECT_EQ(EventsOf(got, 2).size(), 3u);  // k2 put, z put, k2 delete
}

TEST_F(WatchHubTest, HistoricalWatchReplaysExactlyTheHistoryThenGoesLive) {
  for (int i = 0; i < 30; ++i) {
    if (i % 7 == 6) {
      Del("p" + std::to_string(i % 5));
    } else {
      Put("p" + std::to_string(i % 5), std::to_string(i));
    }
  }
  auto s = hub_->OpenStream();
  WatchCreate w = Watch("p", "q", 4);
  w.prev_kv = true;
  s->Create(w);
  EXPECT_EQ(hub_->Stats().unsynced_watchers, 1);
  std::vector<Seen> want = Expected(w, 4);
  std::vector<WatchResponse> got = Read(*s, want.size());
  EXPECT_EQ(EventsOf(got, 0), want);
  EXPECT_EQ(hub_->Stats().unsynced_watchers, 0);
  int64_t live = Put("p1", "live");
  got = Read(*s, 1);
  ASSERT_EQ(EventsOf(got, 0).size(), 1u);
  EXPECT_EQ(EventsOf(got, 0)[0].revision, live);
}

TEST_F(WatchHubTest, SlowWatcherGoesUnsyncedAndCatchesUpWithoutGapOrDuplicate) {
  WatchHubOptions o;
  o.max_queued_events = 4;
  o.catch_up_batch_revisions = 7;
  MakeHub(o);
  auto s = hub_->OpenStream();
  int64_t start = store_->CurrentRevision() + 1;
  s->Create(Watch("x"));
  for (int i = 0; i < 60; ++i) Put("x", std::to_string(i));
  EXPECT_EQ(hub_->Stats().unsynced_watchers, 1);
  std::vector<WatchResponse> got = Read(*s, 60);
  EXPECT_EQ(EventsOf(got, 0), Expected(Watch("x"), start));
  EXPECT_EQ(hub_->Stats().unsynced_watchers, 0);
  // Writes while it rejoins are still seen once each.
  for (int i = 0; i < 10; ++i) Put("x", "again" + std::to_string(i));
  got = Read(*s, 10);
  EXPECT_EQ(EventsOf(got, 0).size(), 10u);
}

TEST_F(WatchHubTest, LargeValuesHitTheByteBoundBeforeTheEventBound) {
  WatchHubOptions o;
  o.max_queued_events = 1000;
  o.max_queued_bytes = 10 * 1024;
  MakeHub(o);
  auto s = hub_->OpenStream();
  int64_t start = store_->CurrentRevision() + 1;
  s->Create(Watch("big"));
  for (int i = 0; i < 20; ++i) Put("big", std::string(4096, static_cast<char>('a' + i)));
  EXPECT_EQ(hub_->Stats().unsynced_watchers, 1);  // 20 x 4 KiB > 10 KiB queued
  std::vector<WatchResponse> got = Read(*s, 20);
  EXPECT_EQ(EventsOf(got, 0), Expected(Watch("big"), start));
}

TEST_F(WatchHubTest, CompactionOvertakingASlowWatcherCancelsItWithCompactRevision) {
  WatchHubOptions o;
  o.max_queued_events = 3;
  MakeHub(o);
  auto s = hub_->OpenStream();
  s->Create(Watch("x"));
  for (int i = 0; i < 20; ++i) Put("x", std::to_string(i));
  std::vector<Seen> want = Expected(Watch("x"), 2);
  int64_t compact_at = store_->CurrentRevision() - 2;
  Compact(compact_at);
  std::vector<WatchResponse> got = Read(*s, 100);
  ASSERT_FALSE(got.empty());
  const WatchResponse& last = got.back();
  EXPECT_TRUE(last.canceled);
  EXPECT_EQ(last.compact_revision, compact_at);
  EXPECT_EQ(last.revision, 0);
  // What came before the cancel is a gapless prefix of the history.
  std::vector<Seen> seen = EventsOf(got, 0);
  ASSERT_LE(seen.size(), want.size());
  EXPECT_EQ(seen, std::vector<Seen>(want.begin(), want.begin() + seen.size()));
  EXPECT_EQ(hub_->Stats().watchers, 0);
  EXPECT_TRUE(ReadSome(*s).empty());
}

TEST_F(WatchHubTest, WatchFromACompactedRevisionIsCreatedThenCanceled) {
  for (int i = 0; i < 5; ++i) Put("a", std::to_string(i));
  Compact(4);
  auto s = hub_->OpenStream();
  s->Create(Watch("a", "", 2));
  std::vector<WatchResponse> got = Read(*s, 1);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[0].created);
  EXPECT_TRUE(got[1].canceled);
  EXPECT_EQ(got[1].compact_revision, 4);
  // At the compaction revision itself the watch works (etcd allows it).
  auto s2 = hub_->OpenStream();
  s2->Create(Watch("a", "", 4));
  got = Read(*s2, 3);
  EXPECT_EQ(EventsOf(got, 0).size(), 3u);
}

TEST_F(WatchHubTest, FutureStartRevisionWaitsForIt) {
  int64_t now = Put("f", "0");
  auto s = hub_->OpenStream();
  s->Create(Watch("f", "", now + 3));
  Put("f", "1");
  Put("f", "2");
  EXPECT_TRUE(EventsOf(ReadSome(*s), 0).empty());
  int64_t third = Put("f", "3");
  std::vector<Seen> seen = EventsOf(Read(*s, 1), 0);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].revision, third);
}

TEST_F(WatchHubTest, CancelStopsEventsAndUnknownIdsAreIgnored) {
  auto s = hub_->OpenStream();
  s->Create(Watch("c"));
  Put("c", "1");
  s->Cancel(0);
  s->Cancel(42);
  Put("c", "2");
  std::vector<WatchResponse> got = ReadSome(*s);
  ASSERT_EQ(got.size(), 2u);  // created, canceled: the queued event was dropped
  EXPECT_TRUE(got[1].canceled);
  EXPECT_EQ(got[1].watch_id, 0);
  EXPECT_EQ(hub_->Stats().watchers, 0);
}

TEST_F(WatchHubTest, AnIdReusedAfterCancelStartsAFreshWatcher) {
  for (int i = 0; i < 10; ++i) Put("u", std::to_string(i));
  auto s = hub_->OpenStream();
  WatchCreate old_one = Watch("u", "", 2);
  old_one.watch_id = 7;
  s->Create(old_one);  // unsynced: history to replay
  s->Cancel(7);
  WatchCreate new_one = Watch("u", "", 9);
  new_one.watch_id = 7;
  new_one.prev_kv = true;
  EXPECT_EQ(s->Create(new_one), 7);
  std::vector<WatchResponse> got = ReadSome(*s);  // created, canceled, created, history
  EXPECT_EQ(EventsOf(got, 7), Expected(new_one, 9));
  EXPECT_EQ(hub_->Stats().watchers, 1);
}

TEST_F(WatchHubTest, ProgressRequestWaitsUntilEveryEventUpToItsRevisionIsOut) {
  WatchHubOptions o;
  o.max_queued_events = 2;
  o.catch_up_batch_revisions = 3;
  MakeHub(o);
  auto s = hub_->OpenStream();
  s->Create(Watch("a"));
  s->Create(Watch("b"));
  for (int i = 0; i < 20; ++i) Put(i % 2 ? "a" : "b", std::to_string(i));
  s->RequestProgress();
  std::vector<WatchResponse> got = Read(*s, 20);
  // The progress answer is last, with the hub's revision.
  std::vector<WatchResponse> more = ReadSome(*s);
  got.insert(got.end(), more.begin(), more.end());
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().watch_id, kNoWatchId);
  EXPECT_EQ(got.back().revision, store_->CurrentRevision());
  EXPECT_EQ(EventsOf(got, 0).size() + EventsOf(got, 1).size(), 20u);
}

TEST_F(WatchHubTest, ProgressNotifyOnlyAfterEverythingWasSent) {
  WatchHubOptions o;
  o.progress_notify_interval = milliseconds(30);
  o.max_queued_events = 2;
  MakeHub(o);
  auto s = hub_->OpenStream();
  WatchCreate w = Watch("n");
  w.progress_notify = true;
  s->Create(w);
  s->Create(Watch("other"));  // no progress_notify: never notified
  for (int i = 0; i < 10; ++i) Put("n", std::to_string(i));
  int64_t last_event = 0;
  int progress = 0;
  auto deadline = std::chrono::steady_clock::now() + milliseconds(2000);
  while (progress < 2 && std::chrono::steady_clock::now() < deadline) {
    for (const WatchResponse& r : s->Next(milliseconds(50))) {
      if (!r.created) {
        ASSERT_NE(r.watch_id, 1);
      }
      if (!r.events.empty()) last_event = r.events.back().kv.mod_revision;
      if (!r.created && r.events.empty()) {
        ++progress;
        EXPECT_EQ(last_event, store_->CurrentRevision()) << "progress before all events";
        EXPECT_EQ(r.revision, store_->CurrentRevision());
      }
    }
  }
  EXPECT_EQ(progress, 2);
}

TEST_F(WatchHubTest, SnapshotJumpMakesWatchersCatchUpFromTheNewHistory) {
  auto s = hub_->OpenStream();
  int64_t start = store_->CurrentRevision() + 1;
  s->Create(Watch("j", "k"));
  Put("j1", "seen");
  // The store moves on without the hub hearing of it, as when a snapshot
  // replaces it; then the hook tells the hub.
  for (int i = 0; i < 5; ++i) Put("j" + std::to_string(i), "jumped", /*notify=*/false);
  hub_->OnRevisionJump(store_->CurrentRevision());
  EXPECT_EQ(hub_->Stats().unsynced_watchers, 1);
  Put("j9", "after");
  std::vector<WatchResponse> got = Read(*s, 7);
  EXPECT_EQ(EventsOf(got, 0), Expected(Watch("j", "k"), start));
}

TEST_F(WatchHubTest, SnapshotJumpPastCompactionCancelsWithCompactRevision) {
  auto s = hub_->OpenStream();
  s->Create(Watch("j"));
  for (int i = 0; i < 5; ++i) Put("j", std::to_string(i), /*notify=*/false);
  store::CompactionRequest c;
  c.revision = store_->CurrentRevision();
  Apply({c, {}, {}, {}}, false);
  hub_->OnRevisionJump(store_->CurrentRevision());
  std::vector<WatchResponse> got = Read(*s, 100);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[1].canceled);
  EXPECT_EQ(got[1].compact_revision, store_->CompactRevision());
}

TEST_F(WatchHubTest, AThousandWatchersOnOneKeyEachSeeTheEventOnce) {
  std::vector<std::unique_ptr<WatchStream>> streams;
  for (int i = 0; i < 100; ++i) {
    streams.push_back(hub_->OpenStream());
    for (int j = 0; j < 10; ++j) streams.back()->Create(Watch("hot"));
  }
  EXPECT_EQ(hub_->Stats().watchers, 1000);
  int64_t rev = Put("hot", "v");
  for (auto& s : streams) {
    std::vector<WatchResponse> got = Read(*s, 10);
    for (int64_t id = 0; id < 10; ++id) {
      std::vector<Seen> seen = EventsOf(got, id);
      ASSERT_EQ(seen.size(), 1u);
      EXPECT_EQ(seen[0].revision, rev);
    }
  }
  streams.clear();
  EXPECT_EQ(hub_->Stats().watchers, 0);
  EXPECT_EQ(hub_->Stats().streams, 0);
}

// Seeded random writes against many random watchers with tiny queues, read
// at random moments; every watcher must see exactly its slice of history.
TEST_F(WatchHubTest, RandomizedWatchersSeeExactlyTheirHistory) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    WatchHubOptions o;
    o.max_queued_events = 1 + rng() % 6;
    o.catch_up_batch_revisions = 1 + rng() % 5;
    MakeHub(o);
    const char* keys[] = {"a", "b", "c", "d", "e"};
    auto key = [&] { return std::string(keys[rng() % 5]); };
    struct Live {
      std::unique_ptr<WatchStream> stream;
      std::map<int64_t, std::pair<WatchCreate, int64_t>> watches;  // id -> spec, first revision
      std::vector<WatchResponse> got;
    };
    std::vector<Live> live(5);
    for (Live& l : live) l.stream = hub_->OpenStream();
    for (int step = 0; step < 300; ++step) {
      int what = static_cast<int>(rng() % 10);
      if (what < 5) {
        Put(key(), std::to_string(step));
      } else if (what < 7) {
        Del(key(), rng() % 2 ? "" : "d");
      } else if (what < 8) {
        Live& l = live[rng() % live.size()];
        WatchCreate w = rng() % 2 ? Watch(key()) : Watch("b", rng() % 2 ? "d" : kNul);
        w.no_put = rng() % 5 == 0;
        w.no_delete = rng() % 5 == 0;
        w.prev_kv = rng() % 2;
        int64_t cur = store_->CurrentRevision();
        w.start_revision = rng() % 2 ? 0 : 1 + static_cast<int64_t>(rng() % (cur + 3));
        int64_t id = l.stream->Create(w);
        int64_t first = w.start_revision > 0 ? w.start_revision : cur + 1;
        l.watches[id] = {w, first};
      } else {
        Live& l = live[rng() % live.size()];
        for (WatchResponse& r : l.stream->Next(milliseconds(0))) l.got.push_back(std::move(r));
      }
    }
    for (Live& l : live) {
      size_t want_total = 0;
      for (auto& [id, w] : l.watches) want_total += Expected(w.first, w.second).size();
      size_t have = 0;
      for (const WatchResponse& r : l.got) have += r.events.size();
      std::vector<WatchResponse> rest = Read(*l.stream, want_total - have);
      l.got.insert(l.got.end(), rest.begin(), rest.end());
      for (auto& [id, w] : l.watches) {
        EXPECT_EQ(EventsOf(l.got, id), Expected(w.first, w.second)) << "watch " << id;
      }
    }
    live.clear();
    EXPECT_EQ(hub_->Stats().watchers, 0);
  }
}

// The apply thread and a reader thread race; the reader still sees every
// revision once, in order.
TEST_F(WatchHubTest, ConcurrentWritesAndSlowReadsKeepOrder) {
  WatchHubOptions o;
  o.max_queued_events = 8;
  o.catch_up_batch_revisions = 16;
  MakeHub(o);
  auto s = hub_->OpenStream();
  int64_t start = store_->CurrentRevision() + 1;
  s->Create(Watch("r", kNul));
  const int kWrites = 1500;
  std::thread writer([&] {
    for (int i = 0; i < kWrites; ++i) Put("r" + std::to_string(i % 13), std::to_string(i));
  });
  std::vector<WatchResponse> got;
  size_t seen = 0;
  auto deadline = std::chrono::steady_clock::now() + milliseconds(20000);
  int round = 0;
  while (seen < kWrites && std::chrono::steady_clock::now() < deadline) {
    if (++round % 10 == 0) std::this_thread::sleep_for(milliseconds(2));  // be slow sometimes
    for (WatchResponse& r : s->Next(milliseconds(20))) {
      seen += r.events.size();
      got.push_back(std::move(r));
    }
  }
  writer.join();
  EXPECT_EQ(EventsOf(got, 0), Expected(Watch("r", kNul), start));
}

TEST_F(WatchHubTest, CloseEndsNextAtOnce) {
  auto s = hub_->OpenStream();
  s->Close();
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(s->Next(milliseconds(2000)).empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, milliseconds(1000));
  EXPECT_TRUE(s->closed());
}

}  // namespace
}  // namespace shadekv::watch
