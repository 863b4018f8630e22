// Watch on real shadekv processes: the same writes seen identically on every
// member, history replay and compaction, resuming after a SIGKILLed leader,
// a stalled reader that never stalls writes, and a thousand open streams.
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/agent/cluster/cluster_fixture.h"
#include "tests/agent/cluster/watch_client.h"

namespace shadekv::cluster_testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr milliseconds kElection(20000);
constexpr milliseconds kConverge(30000);
constexpr milliseconds kRead(15000);

// A write we made and the revision it got (the reference for watchers).
struct Op {
  bool is_delete;
  std::string key;
  std::string value;
  int64_t revision;
};

std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  end.back() = static_cast<char>(end.back() + 1);
  return end;
}

class WatchClusterTest : public ClusterFixture {
 protected:
  // Opens a stream on member i with one create request and checks "created".
  std::unique_ptr<WatchClient> OpenWatch(int i, const std::string& create, int rcvbuf = 0) {
    Result<std::unique_ptr<WatchClient>> c = WatchClient::Open(agents_[i].client_port, rcvbuf);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    if (!c.ok()) return nullptr;
    EXPECT_TRUE((*c)->Send(create).ok());
    Result<WatchMessage> created = (*c)->Next(kRead);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (created.ok()) {
      EXPECT_TRUE(created->created) << created->line;
    }
    return std::move(c).value();
  }

  // Reads until `want` events for `watch_id` arrived, a cancel, or the deadline.
  static std::vector<WatchEvent> Collect(WatchClient& c, size_t want, int64_t watch_id = 0,
                                         WatchMessage* cancel = nullptr,
                                         milliseconds limit = kRead) {
    std::vector<WatchEvent> out;
    auto deadline = steady_clock::now() + limit;
    while (out.size() < want && steady_clock::now() < deadline) {
      Result<WatchMessage> m = c.Next(milliseconds(500));
      if (!m.ok()) {
        if (m.status().code() == StatusCode::kDeadlineExceeded) continue;
        ADD_FAILURE() << m.status().ToString();
        break;
      }
      if (m->canceled) {
        if (cancel != nullptr) *cancel = *m;
        break;
      }
      if (m->watch_id != watch_id) continue;
      out.insert(out.end(), m->events.begin(), m->events.end());
    }
    return out;
  }

  // What a watcher with these rules must see of `ops`.
  static std::vector<WatchEvent> Expected(const std::vector<Op>& ops, const std::string& key,
                                          const std::string& range_end, bool no_put, bool no_delete,
                                          bool prev_kv, int64_t from = 0) {
    std::map<std::string, WatchEvent> live;  // key -> latest version, for prev_kv
    std::vector<WatchEvent> out;
    for (const Op& op : ops) {
      WatchEvent e;
      e.is_delete = op.is_delete;
      e.key = op.key;
      e.mod_revision = op.revision;
      auto it = live.find(op.key);
      bool existed = it != live.end();
      if (!op.is_delete) {
        e.value = op.value;
        e.create_revision = existed ? it->second.create_revision : op.revision;
        e.version = existed ? it->second.version + 1 : 1;
      }
      bool in_range = range_end.empty() ? op.key == key : op.key >= key && op.key < range_end;
      if (in_range && op.revision >= from && !(op.is_delete ? no_delete : no_put)) {
        WatchEvent shown = e;
        if (prev_kv && existed) {
          shown.has_prev = true;
          shown.prev_value = it->second.value;
        }
        out.push_back(shown);
      }
      if (op.is_delete) {
        live.erase(op.key);
      } else {
        live[op.key] = e;
      }
    }
    return out;
  }

  Status Compact(int i, int64_t revision) {
    Result<HttpReply> r =
        Call(i, "/v3/kv/compaction", "{\"revision\":\"" + std::to_string(revision) + "\"}");
    if (!r.ok()) return r.status();
    if (r->status != 200) return Status::Internal("compaction: " + r->body);
    return Status::Ok();
  }

  // A metric's value on member i (-1 when absent).
  double Metric(int i, const std::string& name) {
    Result<HttpReply> r =
        HttpCall(agents_[i].client_port, "GET", "/metrics", "", milliseconds(5000));
    if (!r.ok()) return -1;
    size_t at = r->body.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(r->body.substr(at + name.size() + 2));
  }
};

TEST_F(WatchClusterTest, WatchersOnEveryMemberSeeIdenticalEventsWithFiltersAndPrevKv) {
  StartCluster(3);
  ASSERT_GE(WaitForLeader({0, 1, 2}, kElection), 0);
  const std::string p = "w/";
  // Per member: one stream with three watchers, and a second stream.
  struct MemberWatches {
    std::unique_ptr<WatchClient> a;  // 0: prefix + prev_kv, 1: NODELETE prefix, 2: one key NOPUT
    std::unique_ptr<WatchClient> b;  // 0: from key "w/k2" on
  };
  std::vector<MemberWatches> watches(3);
  for (int i = 0; i < 3; ++i) {
    watches[i].a = OpenWatch(i, WatchCreateJson(p, PrefixEnd(p), 0, true));
    ASSERT_NE(watches[i].a, nullptr);
    ASSERT_TRUE(
        watches[i]
            .a->Send(WatchCreateJson(p, PrefixEnd(p), 0, false, R"("filters":["NODELETE"])"))
            .ok());
    ASSERT_TRUE(
        watches[i].a->Send(WatchCreateJson("w/k1", "", 0, true, R"("filters":["NOPUT"])")).ok());
    watches[i].b = OpenWatch(i, WatchCreateJson("w/k2", std::string(1, '\0')));
    ASSERT_NE(watches[i].b, nullptr);
  }
  for (int i = 0; i < 3; ++i) {  // the two "created" of the extra watchers
    for (int n = 0; n < 2; ++n) {
      Result<WatchMessage> m = watches[i].a->Next(kRead);
      ASSERT_TRUE(m.ok() && m->created) << (m.ok() ? m->line : m.status().ToString());
    }
  }
  std::vector<Op> ops;
  std::map<std::string, bool> exists;
  for (int n = 0; n < 60; ++n) {
    int via = n % 3;
    std::string key = (n % 7 == 3 ? "x/k" : "w/k") + std::to_string(n % 4);
    if (n % 5 == 4 && exists[key]) {
      Result<int64_t> rev = Delete(via, key);
      ASSERT_TRUE(rev.ok()) << rev.status().ToString();
      ops.push_back({true, key, "", *rev});
      exists[key] = false;
    } else {
      std::string value = "v" + std::to_string(n);
      Result<int64_t> rev = Put(via, key, value);
      ASSERT_TRUE(rev.ok()) << rev.status().ToString();
      ops.push_back({false, key, value, *rev});
      exists[key] = true;
    }
  }
  std::vector<WatchEvent> all = Expected(ops, p, PrefixEnd(p), false, false, true);
  std::vector<WatchEvent> puts = Expected(ops, p, PrefixEnd(p), false, true, false);
  std::vector<WatchEvent> k1_deletes = Expected(ops, "w/k1", "", true, false, true);
  std::vector<WatchEvent> from_k2 =
      Expected(ops, "w/k2", std::string(1, '\x7f'), false, false, false);
  ASSERT_FALSE(k1_deletes.empty());
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("member " + agents_[i].name);
    // One stream carries three watchers: split its messages by watch id.
    std::map<int64_t, std::vector<WatchEvent>> by_id;
    size_t want = all.size() + puts.size() + k1_deletes.size();
    size_t have = 0;
    auto deadline = steady_clock::now() + kRead;
    while (have < want && steady_clock::now() < deadline) {
      Result<WatchMessage> m = watches[i].a->Next(milliseconds(500));
      if (!m.ok()) continue;
      have += m->events.size();
      auto& v = by_id[m->watch_id];
      v.insert(v.end(), m->events.begin(), m->events.end());
    }
    EXPECT_EQ(by_id[0], all);
    EXPECT_EQ(by_id[1], puts);
    EXPECT_EQ(by_id[2], k1_deletes);
    EXPECT_EQ(Collect(*watches[i].b, from_k2.size()), from_k2);
  }
}

TEST_F(WatchClusterTest, HistoricalWatchReplaysExactlyAndCompactedStartIsCanceled) {
  StartCluster(3);
  ASSERT_GE(WaitForLeader({0, 1, 2}, kElection), 0);
  std::vector<Op> ops;
  for (int n = 0; n < 40; ++n) {
    std::string key = "h/" + std::to_string(n % 6);
    if (n % 9 == 8) {
      Result<int64_t> rev = Delete(n % 3, key);
      ASSERT_TRUE(rev.ok());
      ops.push_back({true, key, "", *rev});
    } else {
      Result<int64_t> rev = Put(n % 3, key, "v" + std::to_string(n));
      ASSERT_TRUE(rev.ok());
      ops.push_back({false, key, "v" + std::to_string(n), *rev});
    }
  }
  ASSERT_GT(WaitForConvergence({0, 1, 2}, kConverge), 0);
  const int64_t from = ops[10].revision;
  std::vector<WatchEvent> want = Expected(ops, "h/", "h0", false, false, true, from);
  for (int i = 0; i < 3; ++i) {
    auto c = OpenWatch(i, WatchCreateJson("h/", "h0", from, true));
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(Collect(*c, want.size()), want) << "replay on " << agents_[i].name;
  }
  // Compact, then a watch from below the compaction revision is created and
  // canceled with compact_revision on every member.
  const int64_t compact_at = ops[30].revision;
  ASSERT_TRUE(Compact(0, compact_at).ok());
  for (int i = 0; i < 3; ++i) {
    auto deadline = steady_clock::now() + kConverge;
    bool compacted = false;
    while (!compacted && steady_clock::now() < deadline) {
      Result<HashInfo> h = HashKv(i, 0);
      compacted = h.ok() && h->compact_revision == compact_at;
      if (!compacted) std::this_thread::sleep_for(milliseconds(50));
    }
    ASSERT_TRUE(compacted) << agents_[i].name;
    auto c = OpenWatch(i, WatchCreateJson("h/", "h0", from));
    ASSERT_NE(c, nullptr);
    Result<WatchMessage> m = c->Next(kRead);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    EXPECT_TRUE(m->canceled) << m->line;
    EXPECT_EQ(m->compact_revision, compact_at) << m->line;
    EXPECT_TRUE(m->events.empty());
    // From the compaction revision itself the history is still there.
    auto at = OpenWatch(i, WatchCreateJson("h/", "h0", compact_at));
    std::vector<WatchEvent> tail = Expected(ops, "h/", "h0", false, false, false, compact_at);
    EXPECT_EQ(Collect(*at, tail.size()), tail) << agents_[i].name;
  }
}

TEST_F(WatchClusterTest, WatchersResumeAfterTheLeaderIsKilledWithoutGapOrDuplicate) {
  StartCluster(3);
  const int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  Result<int64_t> start = Put(leader, "r-start", "x");
  ASSERT_TRUE(start.ok());
  const std::string p = "r/";

  std::atomic<int> acknowledged{0};
  std::atomic<bool> writes_done{false};
  std::atomic<int64_t> final_revision{0};  // set once the survivors converged
  std::thread writer([&] {
    for (int n = 0; n < 400; ++n) {
      for (int attempt = 0; attempt < 40; ++attempt) {
        int via = (n + attempt) % 3;
        if (Put(via, p + std::to_string(n % 17), "v" + std::to_string(n)).ok()) {
          ++acknowledged;
          break;
        }
        std::this_thread::sleep_for(milliseconds(50));
      }
    }
    writes_done = true;
  });

  // Each watcher starts on its own member and moves to the next one when its
  // stream dies, resuming from its last revision + 1.
  struct Resumer {
    int member;
    int64_t last;
    std::vector<WatchEvent> seen;
    int resumes = 0;
    std::string failure;
  };
  std::vector<Resumer> resumers;
  for (int i = 0; i < 3; ++i) resumers.push_back({i, *start, {}, 0, ""});
  std::vector<std::thread> readers;
  for (Resumer& r : resumers) {
    readers.emplace_back([&, &r = r] {
      auto deadline = steady_clock::now() + milliseconds(120000);
      while (steady_clock::now() < deadline) {
        int64_t target = final_revision.load();
        if (target > 0 && r.last >= target) return;
        Result<std::unique_ptr<WatchClient>> c = WatchClient::Open(agents_[r.member].client_port);
        if (!c.ok() || !(*c)->Send(WatchCreateJson(p, PrefixEnd(p), r.last + 1)).ok()) {
          r.member = (r.member + 1) % 3;
          std::this_thread::sleep_for(milliseconds(100));
          continue;
        }
        for (;;) {
          target = final_revision.load();
          if (target > 0 && r.last >= target) return;
          Result<WatchMessage> m = (*c)->Next(milliseconds(300));
          if (!m.ok()) {
            if (m.status().code() == StatusCode::kDeadlineExceeded) continue;
            break;  // stream gone: resume elsewhere
          }
          if (m->canceled) {
            r.failure = "canceled: " + m->line;
            return;
          }
          for (const WatchEvent& e : m->events) {
            if (e.mod_revision <= r.last && r.failure.empty()) {
              r.failure =
                  "revision " + std::to_string(e.mod_revision) + " after " + std::to_string(r.last);
            }
            r.last = std::max(r.last, e.mod_revision);
            r.seen.push_back(e);
          }
        }
        ++r.resumes;
        r.member = (r.member + 1) % 3;
      }
    });
  }

  // Kill the leader in the middle of the writes.
  auto until = steady_clock::now() + milliseconds(60000);
  while (acknowledged < 120 && steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  Kill(leader);
  writer.join();
  ASSERT_TRUE(writes_done);
  std::vector<int> survivors;
  for (int i = 0; i < 3; ++i) {
    if (i != leader) survivors.push_back(i);
  }
  ASSERT_GE(WaitForLeader(survivors, kElection), 0);
  int64_t converged = WaitForConvergence(survivors, kConverge);
  ASSERT_GT(converged, 0);
  // The reference: the survivors' own history of the prefix.
  auto ref_stream = OpenWatch(survivors[0], WatchCreateJson(p, PrefixEnd(p), *start + 1));
  ASSERT_NE(ref_stream, nullptr);
  std::vector<WatchEvent> reference;
  auto deadline = steady_clock::now() + kRead;
  while (steady_clock::now() < deadline &&
         (reference.empty() || reference.back().mod_revision < converged)) {
    Result<WatchMessage> m = ref_stream->Next(milliseconds(300));
    if (!m.ok()) {
      if (m.status().code() == StatusCode::kDeadlineExceeded) break;  // nothing more
      continue;
    }
    reference.insert(reference.end(), m->events.begin(), m->events.end());
  }
  ASSERT_FALSE(reference.empty());
  EXPECT_GE(static_cast<int>(reference.size()), acknowledged.load());
  final_revision = reference.back().mod_revision;
  for (std::thread& t : readers) t.join();
  for (size_t i = 0; i < resumers.size(); ++i) {
    const Resumer& r = resumers[i];
    EXPECT_TRUE(r.failure.empty()) << r.failure;
    EXPECT_EQ(r.seen, reference) << "watcher that started on " << agents_[i].name << " ("
                                 << r.resumes << " resumes)";
  }
  // The watcher on the killed leader had to move.
  EXPECT_GE(resumers[leader].resumes, 1);
}

TEST_F(WatchClusterTest, StalledReaderNeverStallsWritesAndGetsEverythingOrACancel) {
  StartCluster(1);
  ASSERT_GE(WaitForLeader({0}, kElection), 0);
  const std::string p = "s/";
  // A watcher that stops reading right after "created", with a tiny buffer.
  auto slow = OpenWatch(0, WatchCreateJson(p, PrefixEnd(p)), 4096);
  ASSERT_NE(slow, nullptr);
  auto fast = OpenWatch(0, WatchCreateJson(p, PrefixEnd(p)));
  ASSERT_NE(fast, nullptr);
  std::vector<WatchEvent> fast_seen;
  std::atomic<bool> stop_fast{false};
  std::thread fast_reader([&] {
    auto deadline = steady_clock::now() + milliseconds(240000);
    while (!stop_fast && steady_clock::now() < deadline) {
      Result<WatchMessage> m = fast->Next(milliseconds(200));
      if (m.ok()) fast_seen.insert(fast_seen.end(), m->events.begin(), m->events.end());
    }
  });

  constexpr int kWriters = 4;
  constexpr int kPerWriter = 600;
  const std::string value(2048, 'v');  // ~5 MB in all: more than every buffer on the way
  std::atomic<int> completed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int n = 0; n < kPerWriter; ++n) {
        for (int attempt = 0; attempt < 20; ++attempt) {
          if (Put(0, p + std::to_string(w) + "/" + std::to_string(n % 50), value).ok()) {
            ++completed;
            break;
          }
          std::this_thread::sleep_for(milliseconds(50));
        }
      }
    });
  }
  for (std::thread& t : writers) t.join();
  // Every write completed although one watcher read nothing at all.
  ASSERT_EQ(completed.load(), kWriters * kPerWriter);
  EXPECT_GE(Metric(0, "shadekv_watch_slow_watchers"), 1) << "the stalled watcher never fell behind";

  // The fast watcher kept up meanwhile.
  auto deadline = steady_clock::now() + kRead;
  while (fast_seen.size() < static_cast<size_t>(kWriters * kPerWriter) &&
         steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  stop_fast = true;
  fast_reader.join();
  ASSERT_EQ(fast_seen.size(), static_cast<size_t>(kWriters * kPerWriter));

  // Reading again, the slow one gets every event in order.
  WatchMessage cancel;
  std::vector<WatchEvent> slow_seen =
      Collect(*slow, fast_seen.size(), 0, &cancel, milliseconds(120000));
  EXPECT_FALSE(cancel.canceled) << cancel.line;
  EXPECT_EQ(slow_seen, fast_seen);
  EXPECT_EQ(Metric(0, "shadekv_watch_slow_watchers"), 0);

  // Stalled again, and compaction overtakes it: it must get a prefix of the
  // events and then an explicit cancel with compact_revision, or (had it
  // kept up) everything.
  auto slow2 = OpenWatch(0, WatchCreateJson(p, PrefixEnd(p)), 4096);
  ASSERT_NE(slow2, nullptr);
  std::vector<Op> ops;
  for (int n = 0; n < 1200; ++n) {
    std::string key = p + "c/" + std::to_string(n % 10);
    Result<int64_t> rev = Put(0, key, value);
    ASSERT_TRUE(rev.ok()) << rev.status().ToString();
    ops.push_back({false, key, value, *rev});
  }
  const int64_t compact_at = ops.back().revision;
  ASSERT_TRUE(Compact(0, compact_at).ok());
  std::vector<WatchEvent> want = Expected(ops, p, PrefixEnd(p), false, false, false);
  WatchMessage cancel2;
  std::vector<WatchEvent> got = Collect(*slow2, want.size(), 0, &cancel2, milliseconds(120000));
  std::cout << "overtaken watcher: " << got.size() << " of " << want.size() << " events"
            << (cancel2.canceled ? ", then canceled at compact_revision " +
                                       std::to_string(cancel2.compact_revision)
                                 : "")
            << "\n";
  ASSERT_LE(got.size(), want.size());
  EXPECT_EQ(got, std::vector<WatchEvent>(want.begin(), want.begin() + got.size()));
  if (got.size() < want.size()) {
    EXPECT_TRUE(cancel2.canceled) << "events missing without a cancel";
    EXPECT_EQ(cancel2.compact_revision, compact_at) << cancel2.line;
  }
}

TEST_F(WatchClusterTest, AThousandStreamsStayOpenWhileUnaryRequestsAreServed) {
  StartCluster(1);
  ASSERT_GE(WaitForLeader({0}, kElection), 0);
  constexpr int kStreams = 1000;
  std::vector<std::unique_ptr<WatchClient>> streams;
  for (int n = 0; n < kStreams; ++n) {
    Result<std::unique_ptr<WatchClient>> c = WatchClient::Open(agents_[0].client_port);
    ASSERT_TRUE(c.ok()) << n << ": " << c.status().ToString();
    ASSERT_TRUE((*c)->Send(WatchCreateJson("hot")).ok());
    streams.push_back(std::move(c).value());
  }
  for (int n = 0; n < kStreams; ++n) {
    Result<WatchMessage> created = streams[n]->Next(milliseconds(60000));
    ASSERT_TRUE(created.ok() && created->created)
        << n << ": " << (created.ok() ? created->line : created.status().ToString());
  }
  EXPECT_EQ(Metric(0, "shadekv_watch_streams"), kStreams);
  // Unary requests still get a server thread.
  Result<int64_t> rev = Put(0, "hot", "v");
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  Result<std::optional<KeyValue>> got = Get(0, "hot");
  ASSERT_TRUE(got.ok() && got->has_value());
  for (int n = 0; n < kStreams; ++n) {
    std::vector<WatchEvent> events = Collect(*streams[n], 1);
    ASSERT_EQ(events.size(), 1u) << "stream " << n;
    EXPECT_EQ(events[0].mod_revision, *rev);
  }
  // Clients going away free their streams, idle or not.
  streams.clear();
  auto deadline = steady_clock::now() + milliseconds(30000);
  while (Metric(0, "shadekv_watch_streams") != 0 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(Metric(0, "shadekv_watch_streams"), 0);
  EXPECT_EQ(Metric(0, "shadekv_watch_watchers"), 0);
}

// A follower paused (SIGSTOP) while the leader compacts its log catches up
// by installing a snapshot, which replaces its store wholesale: its open
// watchers must still see every event, or be canceled with compact_revision
// when the new store's history no longer reaches back to them.
TEST_F(WatchClusterTest, WatchersOnAFollowerSurviveASnapshotInstall) {
  StartCluster(3, {"--snapshot-count", "50"});
  const int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  const int follower = (leader + 1) % 3;
  ASSERT_GT(WaitForConvergence({0, 1, 2}, kConverge), 0);

  auto pause_and_write = [&](const std::string& prefix, int count, bool compact,
                             std::vector<Op>* ops) {
    ASSERT_EQ(::kill(agents_[follower].pid, SIGSTOP), 0);
    for (int n = 0; n < count; ++n) {
      std::string key = prefix + std::to_string(n % 20);
      Result<int64_t> rev = Put(leader, key, std::to_string(n));
      ASSERT_TRUE(rev.ok()) << rev.status().ToString();
      ops->push_back({false, key, std::to_string(n), *rev});
    }
    if (compact) {
      ASSERT_TRUE(Compact(leader, ops->back().revision).ok());
    }
    ASSERT_EQ(::kill(agents_[follower].pid, SIGCONT), 0);
  };

  auto a = OpenWatch(follower, WatchCreateJson("snap/", "snap0", 0, true));
  ASSERT_NE(a, nullptr);
  std::vector<Op> ops;
  pause_and_write("snap/", 400, false, &ops);
  std::vector<WatchEvent> want = Expected(ops, "snap/", "snap0", false, false, true);
  EXPECT_EQ(Collect(*a, want.size(), 0, nullptr, milliseconds(60000)), want);
  EXPECT_NE(LogOf(follower).find("installed snapshot"), std::string::npos)
      << "the follower caught up without a snapshot";

  // Again, with the history compacted away behind the watcher meanwhile.
  auto b = OpenWatch(follower, WatchCreateJson("snap2/", "snap20"));
  ASSERT_NE(b, nullptr);
  std::vector<Op> ops2;
  pause_and_write("snap2/", 400, true, &ops2);
  WatchMessage cancel;
  std::vector<WatchEvent> got = Collect(*b, 400, 0, &cancel, milliseconds(60000));
  std::vector<WatchEvent> want2 = Expected(ops2, "snap2/", "snap20", false, false, false);
  std::cout << "watcher across a snapshot with compaction: " << got.size() << " of " << want2.size()
            << " events"
            << (cancel.canceled ? ", then canceled at compact_revision " +
                                      std::to_string(cancel.compact_revision)
                                : "")
            << "\n";
  ASSERT_LE(got.size(), want2.size());
  EXPECT_EQ(got, std::vector<WatchEvent>(want2.begin(), want2.begin() + got.size()));
  if (got.size() < want2.size()) {
    EXPECT_TRUE(cancel.canceled) << "events missing without a cancel";
    EXPECT_EQ(cancel.compact_revision, ops2.back().revision) << cancel.line;
  }
}

TEST_F(WatchClusterTest, FragmentSplitsLargeResponsesAtMaxRequestBytes) {
  StartCluster(1, {"--max-request-bytes", "4096"});
  ASSERT_GE(WaitForLeader({0}, kElection), 0);
  std::vector<Op> ops;
  for (int n = 0; n < 12; ++n) {
    std::string key = "f/" + std::to_string(n);
    std::string value(1000, static_cast<char>('a' + n));
    Result<int64_t> rev = Put(0, key, value);
    ASSERT_TRUE(rev.ok()) << rev.status().ToString();
    ops.push_back({false, key, value, *rev});
  }
  // The history (12 events, ~16 KB of JSON) comes as one response, split.
  auto c =
      OpenWatch(0, WatchCreateJson("f/", "f0", ops.front().revision, false, R"("fragment":true)"));
  ASSERT_NE(c, nullptr);
  std::vector<WatchEvent> got;
  int fragments = 0;
  auto deadline = steady_clock::now() + kRead;
  while (got.size() < ops.size() && steady_clock::now() < deadline) {
    Result<WatchMessage> m = c->Next(milliseconds(500));
    if (!m.ok()) continue;
    EXPECT_LT(m->line.size(), 4096u);
    if (m->fragment) ++fragments;
    EXPECT_EQ(m->fragment, got.size() + m->events.size() < ops.size()) << "last part unmarked";
    got.insert(got.end(), m->events.begin(), m->events.end());
  }
  EXPECT_GE(fragments, 3);
  EXPECT_EQ(got, Expected(ops, "f/", "f0", false, false, false));
  // Without "fragment" the same history is one line.
  auto whole = OpenWatch(0, WatchCreateJson("f/", "f0", ops.front().revision));
  Result<WatchMessage> one = whole->Next(kRead);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->events.size(), ops.size());
  EXPECT_FALSE(one->fragment);
}

TEST_F(WatchClusterTest, ProgressNotifyFollowsTheFlagAndNeverRunsAheadOfEvents) {
  StartCluster(1, {"--experimental-watch-progress-notify-interval", "200ms"});
  ASSERT_GE(WaitForLeader({0}, kElection), 0);
  auto c = OpenWatch(0, WatchCreateJson("p", "", 0, false, R"("progress_notify":true)"));
  ASSERT_NE(c, nullptr);
  std::atomic<bool> writing{true};
  std::thread writer([&] {
    for (int n = 0; n < 40; ++n) {
      EXPECT_TRUE(Put(0, n % 2 ? "p" : "other", std::to_string(n)).ok());
      std::this_thread::sleep_for(milliseconds(20));
    }
    writing = false;
  });
  int64_t last_event = 0;
  int64_t last_progress = 0;
  int progress = 0;
  auto deadline = steady_clock::now() + milliseconds(30000);
  while ((writing || progress < 3) && steady_clock::now() < deadline) {
    Result<WatchMessage> m = c->Next(milliseconds(500));
    if (!m.ok()) continue;
    for (const WatchEvent& e : m->events) {
      // A progress notification at R promised every event <= R was sent.
      EXPECT_GT(e.mod_revision, last_progress) << "event after a progress notify covering it";
      last_event = e.mod_revision;
    }
    if (m->events.empty() && !m->created && !m->canceled) {
      ++progress;
      EXPECT_GE(m->revision, last_event);
      last_progress = m->revision;
    }
  }
  writer.join();
  EXPECT_GE(progress, 3);
  Result<std::optional<KeyValue>> p = Get(0, "p");
  ASSERT_TRUE(p.ok() && p->has_value());
  EXPECT_EQ(last_event, (*p)->mod_revision);
}

TEST_F(WatchClusterTest, SigtermWithOpenStreamsShutsDownCleanly) {
  StartCluster(1);
  ASSERT_GE(WaitForLeader({0}, kElection), 0);
  auto idle = OpenWatch(0, WatchCreateJson("idle"));
  auto busy = OpenWatch(0, WatchCreateJson("busy"));
  ASSERT_NE(idle, nullptr);
  ASSERT_NE(busy, nullptr);
  // A client that stops reading while its events pile up: the server's
  // writer for it ends up blocked on a full socket.
  auto stalled = OpenWatch(0, WatchCreateJson("stalled"), 4096);
  ASSERT_NE(stalled, nullptr);
  const std::string value(4096, 's');
  for (int n = 0; n < 300; ++n) ASSERT_TRUE(Put(0, "stalled", value).ok());
  ASSERT_TRUE(Put(0, "busy", "1").ok());
  ASSERT_EQ(Collect(*busy, 1).size(), 1u);
  ASSERT_EQ(::kill(agents_[0].pid, SIGTERM), 0);
  int status = 0;
  pid_t done = 0;
  auto deadline = steady_clock::now() + milliseconds(30000);
  while (done == 0 && steady_clock::now() < deadline) {
    done = ::waitpid(agents_[0].pid, &status, WNOHANG);
    if (done == 0) std::this_thread::sleep_for(milliseconds(50));
  }
  ASSERT_EQ(done, agents_[0].pid) << "still running 30 s after SIGTERM";
  agents_[0].pid = -1;  // reaped here
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
  Result<std::string> after = idle->NextLine(milliseconds(5000));
  EXPECT_EQ(after.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace shadekv::cluster_testing
