// Real shadekv processes forming a cluster: election, replication, leader
// loss, catch-up by snapshot, membership changes and full restarts.
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "shadekv/store/raft_log_store.h"
#include "tests/agent/cluster/cluster_fixture.h"

namespace shadekv::cluster_testing {
namespace {

using std::chrono::milliseconds;

// Deadlines allow for the sanitized binary on a busy 2-core machine.
constexpr milliseconds kElection(20000);
constexpr milliseconds kConverge(30000);

class ClusterTest : public ClusterFixture {
 protected:
  // Puts with retry on any member, for a bounded number of attempts.
  Result<int64_t> PutAnywhere(const std::string& key, const std::string& value, int first) {
    Status last = Status::Unavailable("no attempt");
    for (int attempt = 0; attempt < 20; ++attempt) {
      std::vector<int> running = RunningMembers();
      int i = running[static_cast<size_t>(first + attempt) % running.size()];
      Result<int64_t> put = Put(i, key, value);
      if (put.ok()) return put;
      last = put.status();
      std::this_thread::sleep_for(milliseconds(50));
    }
    return last;
  }

  // Polls member i's status until `done` holds (bounded by kConverge).
  template <typename Pred>
  bool WaitForStatus(int i, Pred done) {
    const auto until = std::chrono::steady_clock::now() + kConverge;
    while (std::chrono::steady_clock::now() < until) {
      Result<StatusInfo> s = GetStatus(i);
      if (s.ok() && done(*s)) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  // Expects every key of `want` on member i (a linearizable prefix read).
  void ExpectAllKeys(int i, const std::string& prefix,
                     const std::map<std::string, std::string>& want) {
    Result<std::map<std::string, KeyValue>> got = GetPrefix(i, prefix);
    ASSERT_TRUE(got.ok()) << agents_[i].name << ": " << got.status().ToString();
    int missing = 0;
    for (const auto& [key, value] : want) {
      auto it = got->find(key);
      if (it == got->end() || it->second.value != value) {
        if (++missing <= 5) {
          ADD_FAILURE() << agents_[i].name << " lacks acknowledged " << key << "=" << value
                        << (it == got->end() ? " (absent)" : " (has " + it->second.value + ")");
        }
      }
    }
    EXPECT_EQ(missing, 0) << "on member " << agents_[i].name;
  }
};

TEST_F(ClusterTest, ThreeMembersElectAndServeThroughEveryMember) {
  StartCluster(3);
  int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);

  // Every member serves only after publishing its name and client URLs
  // through Raft, so each member's list already knows everyone's.
  for (int via = 0; via < 3; ++via) {
    Result<std::vector<MemberInfo>> members = MemberList(via);
    ASSERT_TRUE(members.ok()) << members.status().ToString();
    ASSERT_EQ(members->size(), 3u);
    std::set<std::string> names;
    std::set<std::string> urls;
    for (const MemberInfo& m : *members) {
      names.insert(m.name);
      for (const std::string& u : m.client_urls) urls.insert(u);
    }
    std::set<std::string> want_names;
    std::set<std::string> want_urls;
    for (const Agent& a : agents_) {
      want_names.insert(a.name);
      want_urls.insert("http://127.0.0.1:" + std::to_string(a.client_port));
    }
    EXPECT_EQ(names, want_names) << "member list via " << agents_[via].name;
    EXPECT_EQ(urls, want_urls) << "member list via " << agents_[via].name;
  }

  // Each write, through any member, is seen at once by a linearizable read on
  // every member.
  std::map<std::string, int64_t> written;
  for (int round = 0; round < 3; ++round) {
    for (int via = 0; via < 3; ++via) {
      std::string key = "k/" + std::to_string(round) + "/" + agents_[via].name;
      Result<int64_t> revision = Put(via, key, "v" + std::to_string(round));
      ASSERT_TRUE(revision.ok()) << "put via " << agents_[via].name << ": "
                                 << revision.status().ToString();
      written[key] = *revision;
      for (int reader = 0; reader < 3; ++reader) {
        Result<std::optional<KeyValue>> got = Get(reader, key);
        ASSERT_TRUE(got.ok()) << agents_[reader].name << ": " << got.status().ToString();
        ASSERT_TRUE(got->has_value()) << key << " written via " << agents_[via].name
                                      << " is not visible on " << agents_[reader].name;
        EXPECT_EQ((*got)->value, "v" + std::to_string(round));
        EXPECT_EQ((*got)->mod_revision, *revision);
      }
    }
  }
  // Revisions are contiguous: nine puts from the empty store's revision 1.
  int64_t highest = 0;
  for (const auto& [key, revision] : written) highest = std::max(highest, revision);
  EXPECT_EQ(highest, 10);

  // Serializable reads catch up without a barrier.
  int64_t converged = WaitForConvergence({0, 1, 2}, kConverge);
  EXPECT_EQ(converged, 10);
  for (int reader = 0; reader < 3; ++reader) {
    Result<std::map<std::string, KeyValue>> got = GetPrefix(reader, "k/", true);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->size(), written.size()) << "on " << agents_[reader].name;
  }
}

// Regression: every member numbered its ReadIndex rounds from 1 and the
// leader keys pending reads by that context alone, so concurrent reads via two
// followers collided and one of them hung until "request timed out".
TEST_F(ClusterTest, ConcurrentLinearizableReadsOnEveryMemberAllComplete) {
  StartCluster(3);
  ASSERT_GE(WaitForLeader({0, 1, 2}, kElection), 0);
  ASSERT_TRUE(Put(0, "shared", "v").ok());
  constexpr int kReadsPerMember = 60;
  std::atomic<int> failures{0};
  std::atomic<int> slow{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    for (int t = 0; t < 2; ++t) {
      readers.emplace_back([&, i] {
        for (int n = 0; n < kReadsPerMember; ++n) {
          auto started = std::chrono::steady_clock::now();
          Result<std::optional<KeyValue>> got = Get(i, "shared");
          if (!got.ok() || !got->has_value()) ++failures;
          // Far below the 7 s request timeout a lost read ends in.
          if (std::chrono::steady_clock::now() - started > milliseconds(3000)) ++slow;
        }
      });
    }
  }
  for (std::thread& r : readers) r.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(slow.load(), 0) << "linearizable reads that took over 3 s";
}

TEST_F(ClusterTest, LeaderKilledDuringWritesLosesNoAcknowledgedWrite) {
  StartCluster(3);
  int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);

  constexpr int kThreads = 3;
  constexpr int kPutsPerThread = 200;
  std::mutex mu;
  std::map<std::string, std::string> acknowledged;
  std::atomic<int> acks{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int n = 0; n < kPutsPerThread; ++n) {
        std::string key = "load/" + std::to_string(t) + "/" + std::to_string(n);
        std::string value = "value-" + std::to_string(n);
        // Members are addressed by index; the killed one refuses connections.
        bool done = false;
        // Bounded: 40 tries, 100 ms apart, outlast an election.
        for (int attempt = 0; attempt < 40 && !done; ++attempt) {
          int i = (t + n + attempt) % 3;
          Result<int64_t> put = Put(i, key, value);
          if (put.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            acknowledged[key] = value;
            ++acks;
            done = true;
          } else {
            std::this_thread::sleep_for(milliseconds(100));
          }
        }
        if (!done) ++failures;
      }
    });
  }
  // Kill the leader once the load is under way.
  const auto until = std::chrono::steady_clock::now() + milliseconds(30000);
  while (acks < 100 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  Kill(leader);
  for (std::thread& w : writers) w.join();
  EXPECT_EQ(failures.load(), 0) << "puts that failed 40 times in a row";
  EXPECT_GT(acks.load(), kThreads * kPutsPerThread * 9 / 10);

  std::vector<int> survivors = RunningMembers();
  ASSERT_EQ(survivors.size(), 2u);
  int new_leader = WaitForLeader(survivors, kElection);
  ASSERT_GE(new_leader, 0);
  EXPECT_NE(new_leader, leader);
  for (int i : survivors) ExpectAllKeys(i, "load/", acknowledged);

  Restart(leader);
  int64_t revision = WaitForConvergence({0, 1, 2}, kConverge);
  ASSERT_GT(revision, 0);
  Result<std::map<std::string, KeyValue>> back = GetPrefix(leader, "load/", true);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  for (const auto& [key, value] : acknowledged) {
    auto it = back->find(key);
    ASSERT_TRUE(it != back->end()) << "restarted member lacks " << key;
    EXPECT_EQ(it->second.value, value);
  }
}

// Concurrent puts through every member commit in shared Ready batches and
// are applied as runs sharing one store write (RaftDriver::FlushRun,
// MvccStore::ApplyPuts); each client must still get its own put's revision,
// and every member must hold each key at exactly that revision.
TEST_F(ClusterTest, ConcurrentPutsThroughEveryMemberEachGetTheirOwnRevision) {
  StartCluster(3);
  ASSERT_GE(WaitForLeader({0, 1, 2}, kElection), 0);
  constexpr int kThreads = 6;
  constexpr int kPutsPerThread = 60;
  std::mutex mu;
  std::map<std::string, int64_t> revision_of;
  std::atomic<int> failures{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int n = 0; n < kPutsPerThread; ++n) {
        const std::string key = "own/" + std::to_string(t) + "/" + std::to_string(n);
        Result<int64_t> put = Put(t % 3, key, "v-" + key);
        if (!put.ok()) {
          ++failures;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        revision_of[key] = *put;
      }
    });
  }
  for (std::thread& w : writers) w.join();
  EXPECT_EQ(failures.load(), 0);
  std::set<int64_t> distinct;
  for (const auto& [key, revision] : revision_of) distinct.insert(revision);
  EXPECT_EQ(distinct.size(), revision_of.size()) << "two puts answered with one revision";
  ASSERT_GT(WaitForConvergence({0, 1, 2}, kConverge), 0);
  for (int i = 0; i < 3; ++i) {
    Result<std::map<std::string, KeyValue>> got = GetPrefix(i, "own/", true);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->size(), revision_of.size()) << agents_[i].name;
    int wrong = 0;
    for (const auto& [key, revision] : revision_of) {
      auto it = got->find(key);
      if (it == got->end() || it->second.mod_revision != revision ||
          it->second.value != "v-" + key) {
        if (++wrong <= 5) ADD_FAILURE() << agents_[i].name << ": " << key << " not at " << revision;
      }
    }
    EXPECT_EQ(wrong, 0) << agents_[i].name;
  }
}

TEST_F(ClusterTest, MemberDownDuringLogCompactionCatchesUpBySnapshot) {
  StartCluster(3, {"--snapshot-count", "50"});
  int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  ASSERT_TRUE(Put(leader, "before", "down").ok());
  int follower = (leader + 1) % 3;
  WaitForConvergence({0, 1, 2}, kConverge);
  Kill(follower);

  std::map<std::string, std::string> written;
  for (int n = 0; n < 400; ++n) {
    std::string key = "snap/" + std::to_string(n);
    Result<int64_t> put = PutAnywhere(key, std::to_string(n * n), n);
    ASSERT_TRUE(put.ok()) << key << ": " << put.status().ToString();
    written[key] = std::to_string(n * n);
  }
  EXPECT_NE(LogOf(leader).find("compacted the raft log"), std::string::npos)
      << "the leader never compacted its log, so no snapshot is needed";

  Restart(follower);
  int64_t revision = WaitForConvergence({0, 1, 2}, kConverge);
  EXPECT_EQ(revision, 402);
  EXPECT_NE(LogOf(follower).find("installed snapshot"), std::string::npos)
      << "the follower caught up without a snapshot";
  ExpectAllKeys(follower, "snap/", written);

  // It keeps following after the snapshot.
  ASSERT_TRUE(Put(follower, "after", "snapshot").ok());
  EXPECT_EQ(WaitForConvergence({0, 1, 2}, kConverge), 403);
}

TEST_F(ClusterTest, MembershipAddLearnerPromoteRemove) {
  // A small --snapshot-count: by the time the learner joins, the leader has
  // compacted its log, so the joiner (with no configuration of its own yet)
  // must accept a snapshot from a leader it does not know as a member.
  StartCluster(3, {"--snapshot-count", "50"});
  int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  std::map<std::string, std::string> written;
  for (int n = 0; n < 150; ++n) {
    std::string key = "m/" + std::to_string(n);
    ASSERT_TRUE(Put(n % 3, key, "x" + std::to_string(n)).ok());
    written[key] = "x" + std::to_string(n);
  }

  int joiner = PrepareJoiner("d");
  // Added through a follower; the member list is each member's applied
  // state (as in etcd), so ask the member that answered the add.
  const int via = (leader + 1) % 3;
  Result<uint64_t> added = MemberAdd(via, agents_[joiner].peer_url(), true);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  Result<std::vector<MemberInfo>> listed = MemberList(via);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 4u);
  int learners = 0;
  for (const MemberInfo& m : *listed) learners += m.is_learner ? 1 : 0;
  EXPECT_EQ(learners, 1);

  Start(joiner);
  // The learner receives the data (serializable reads: it cannot vote, and
  // its own reads need no barrier).
  const auto until = std::chrono::steady_clock::now() + kConverge;
  size_t seen = 0;
  while (std::chrono::steady_clock::now() < until) {
    Result<std::map<std::string, KeyValue>> got = GetPrefix(joiner, "m/", true);
    if (got.ok() && got->size() == written.size()) {
      seen = got->size();
      break;
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_EQ(seen, written.size()) << "the learner never received the data";
  EXPECT_NE(LogOf(joiner).find("installed snapshot"), std::string::npos)
      << "the learner caught up without the snapshot this test means to exercise";
  EXPECT_EQ(MemberIdOf(joiner), *added);
  EXPECT_TRUE(WaitForStatus(joiner, [](const StatusInfo& s) { return s.is_learner; }))
      << "the joiner never reported itself as a learner";

  Status promoted = MemberPromote(leader, *added);
  ASSERT_TRUE(promoted.ok()) << promoted.ToString();
  listed = MemberList(leader);
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  for (const MemberInfo& m : *listed) EXPECT_FALSE(m.is_learner) << m.id;
  EXPECT_TRUE(WaitForStatus(joiner, [](const StatusInfo& s) { return !s.is_learner; }))
      << "the joiner still reports itself as a learner after its promotion";

  // Remove a voter that is not the leader; the three left keep serving.
  int removed = (leader + 2) % 3;
  uint64_t removed_id = MemberIdOf(removed);
  ASSERT_NE(removed_id, 0u);
  Status gone = MemberRemove(leader, removed_id);
  ASSERT_TRUE(gone.ok()) << gone.ToString();
  Kill(removed);
  std::vector<int> remaining = RunningMembers();
  ASSERT_EQ(remaining.size(), 3u);
  listed = MemberList(leader);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 3u);

  for (int n = 0; n < 10; ++n) {
    int via = remaining[static_cast<size_t>(n) % remaining.size()];
    std::string key = "after/" + std::to_string(n);
    Result<int64_t> put = Put(via, key, "y");
    ASSERT_TRUE(put.ok()) << "put via " << agents_[via].name << ": " << put.status().ToString();
  }
  EXPECT_EQ(WaitForConvergence(remaining, kConverge), 161);
  Result<std::optional<KeyValue>> on_joiner = Get(joiner, "after/9");
  ASSERT_TRUE(on_joiner.ok()) << on_joiner.status().ToString();
  EXPECT_TRUE(on_joiner->has_value());
}

// At start the member with the lowest id pre-campaigns every few
// milliseconds instead of waiting out an election timeout (RaftDriver's
// start_campaign_). Restarted into a running cluster, it must not disturb
// the leader: pre-votes inside the leader's lease are ignored and it learns
// the leader from its heartbeats.
TEST_F(ClusterTest, RestartedLowestIdMemberDoesNotDisruptTheLeader) {
  StartCluster(3);
  int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  int lowest = 0;
  for (int i = 1; i < 3; ++i) {
    if (MemberIdOf(i) < MemberIdOf(lowest)) lowest = i;
  }
  std::vector<int> others;
  for (int i = 0; i < 3; ++i) {
    if (i != lowest) others.push_back(i);
  }
  Kill(lowest);
  if (leader == lowest) {
    leader = WaitForLeader(others, kElection);
    ASSERT_GE(leader, 0);
  }
  ASSERT_TRUE(Put(leader, "before", "v").ok());
  Result<StatusInfo> before = GetStatus(leader);
  ASSERT_TRUE(before.ok()) << before.status().ToString();

  Restart(lowest);
  // It serves (it has published again through the same leader) ...
  const auto until = std::chrono::steady_clock::now() + kElection;
  Result<StatusInfo> restarted = Status::Unavailable("not asked yet");
  while (std::chrono::steady_clock::now() < until) {
    restarted = GetStatus(lowest);
    if (restarted.ok() && restarted->leader != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_TRUE(restarted.ok()) << restarted.status().ToString();
  Result<int64_t> put = Put(lowest, "after", "v");
  ASSERT_TRUE(put.ok()) << put.status().ToString();
  // ... and nobody campaigned: same leader, same term, everywhere.
  for (int i = 0; i < 3; ++i) {
    Result<StatusInfo> now = GetStatus(i);
    ASSERT_TRUE(now.ok()) << agents_[i].name << ": " << now.status().ToString();
    EXPECT_EQ(now->leader, before->leader) << "leader seen by " << agents_[i].name;
    EXPECT_EQ(now->raft_term, before->raft_term) << "term on " << agents_[i].name;
  }
}

TEST_F(ClusterTest, FullRestartKeepsEveryAcknowledgedWrite) {
  StartCluster(3);
  int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  std::map<std::string, int64_t> revisions;
  for (int n = 0; n < 60; ++n) {
    std::string key = "r/" + std::to_string(n);
    Result<int64_t> put = Put(n % 3, key, "v" + std::to_string(n));
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    revisions[key] = *put;
  }
  ASSERT_TRUE(Delete(leader, "r/0").ok());
  revisions.erase("r/0");

  for (int i = 0; i < 3; ++i) Kill(i);
  for (int i = 0; i < 3; ++i) Restart(i);
  ASSERT_GE(WaitForLeader({0, 1, 2}, kElection), 0);
  EXPECT_EQ(WaitForConvergence({0, 1, 2}, kConverge), 62);
  for (int i = 0; i < 3; ++i) {
    Result<std::map<std::string, KeyValue>> got = GetPrefix(i, "r/");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->size(), revisions.size());
    for (const auto& [key, revision] : revisions) {
      auto it = got->find(key);
      ASSERT_TRUE(it != got->end()) << agents_[i].name << " lost " << key;
      EXPECT_EQ(it->second.mod_revision, revision) << key;
      EXPECT_EQ(it->second.create_revision, revision) << key;
    }
  }
  // The restarted cluster still takes writes at the next revision.
  Result<int64_t> next = Put(1, "r/next", "v");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, 63);
}

// A member applies committed entries before it writes the batch that carries
// their commit index (RaftDriver::HandleReady). A SIGKILL in between leaves
// its store ahead of the commit index in its raft log; it must restart, serve
// everything it applied, and take new writes.
TEST_F(ClusterTest, MemberWhoseStoreIsAheadOfItsPersistedCommitRestarts) {
  StartCluster(3);
  int leader = WaitForLeader({0, 1, 2}, kElection);
  ASSERT_GE(leader, 0);
  for (int n = 0; n < 20; ++n) {
    ASSERT_TRUE(Put(n % 3, "ahead/" + std::to_string(n), "v").ok());
  }
  const int64_t revision = WaitForConvergence({0, 1, 2}, kConverge);
  const int member = (leader + 1) % 3;
  Kill(member);
  {
    // The raft log as a crash between apply and write could leave it.
    Result<std::unique_ptr<store::RaftLogStore>> log =
        store::RaftLogStore::Open(agents_[member].data_dir + "/raft");
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    Result<raft::InitialState> initial = (*log)->LoadInitialState();
    ASSERT_TRUE(initial.ok()) << initial.status().ToString();
    ASSERT_GT(initial->hard_state.commit, 5u);
    store::PersistBatch rollback;
    rollback.hard_state = initial->hard_state;
    rollback.hard_state->commit = (*log)->FirstIndex();
    ASSERT_TRUE((*log)->Persist(rollback).ok());
  }
  Restart(member);
  ASSERT_GE(WaitForLeader({0, 1, 2}, kElection), 0);
  EXPECT_EQ(WaitForConvergence({0, 1, 2}, kConverge), revision);
  Result<std::map<std::string, KeyValue>> got = GetPrefix(member, "ahead/", true);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->size(), 20u);
  Result<int64_t> next = Put(member, "ahead/next", "v");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(*next, revision + 1);
  EXPECT_EQ(WaitForConvergence({0, 1, 2}, kConverge), revision + 1);
}

}  // namespace
}  // namespace shadekv::cluster_testing
