// Crash safety of RaftLogStore: a child process persists synced batches in a
// loop and reports each acknowledged batch on a pipe; the parent SIGKILLs it at
// random moments, reopens the log and checks that everything acknowledged is
// there and that the log is whole (contiguous, terms consistent, data intact).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "shadekv/store/raft_log_store.h"
#include "tests/store/temp_dir.h"

namespace shadekv::store {
namespace {

using raft::Entry;
using raft::EntryType;
using raft::HardState;
using Clock = std::chrono::steady_clock;

// What the child reports after each Persist(sync=true) returns OK.
struct Ack {
  uint64_t last_index = 0;
  uint64_t last_term = 0;
  uint64_t commit = 0;
  uint64_t hard_term = 0;
};

// Entry data is a function of (index, term), so the parent can check every
// byte it reads back; the length varies so values straddle LevelDB blocks.
std::string Payload(uint64_t index, uint64_t term) {
  std::string data = "entry " + std::to_string(index) + " term " + std::to_string(term) + " ";
  data.append((index * 37 + term) % 200, static_cast<char>('a' + index % 26));
  return data;
}

// The child: reopen the log, then append forever. Every 8th batch starts a new
// term and overwrites a short uncommitted suffix; once 100 committed entries
// pile up, it compacts all but the last 10 of them.
// Returns only on error (the parent kills it otherwise).
[[noreturn]] void RunWriter(const std::string& dir, uint32_t seed, int ack_fd) {
  Result<std::unique_ptr<RaftLogStore>> opened = RaftLogStore::Open(dir);
  if (!opened.ok()) _exit(3);
  RaftLogStore& log = **opened;
  std::mt19937 rng(seed);
  HardState hs = log.hard_state();
  uint64_t term = std::max<uint64_t>(hs.term, *log.Term(log.LastIndex()));
  if (term == 0) term = 1;
  for (uint64_t round = 1;; ++round) {
    const uint64_t last = log.LastIndex();
    uint64_t start = last + 1;
    if (round % 8 == 0) {
      ++term;
      const uint64_t back = rng() % 4;
      const uint64_t floor = std::max(hs.commit, log.FirstIndex() - 1) + 1;
      start = std::max(floor, last + 1 > back ? last + 1 - back : 1);
    }
    // Never end below the old last index, so acknowledged lengths only grow.
    const uint64_t end = std::max(last, start + rng() % 8);
    PersistBatch batch;
    for (uint64_t i = start; i <= end; ++i) {
      batch.entries.push_back(Entry{term, i, EntryType::kNormal, Payload(i, term)});
    }
    hs = HardState{term, 1, std::max(hs.commit, end > 2 ? end - 2 : 0)};
    batch.hard_state = hs;
    batch.sync = true;
    if (!log.Persist(batch).ok()) _exit(4);
    Ack ack{end, term, hs.commit, hs.term};
    if (write(ack_fd, &ack, sizeof(ack)) != static_cast<ssize_t>(sizeof(ack))) _exit(5);
    if (hs.commit > log.FirstIndex() + 100) {
      const uint64_t index = hs.commit - 10;
      if (!log.Compact(index, raft::SnapshotMeta{index, *log.Term(index), {}}).ok()) _exit(6);
    }
  }
}

class RaftLogCrashTest : public ::testing::Test {
 protected:
  // Forks a writer, lets it run for `run_for`, SIGKILLs it, and returns the
  // acknowledgements it managed to send.
  std::vector<Ack> RunAndKill(uint32_t seed, std::chrono::milliseconds run_for) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      RunWriter(dir_.Sub("raft"), seed, fds[1]);  // opens LevelDB only here, after fork
    }
    close(fds[1]);
    std::vector<Ack> acks;
    std::string buffer;
    const auto deadline = Clock::now() + run_for;
    bool killed = false;
    for (;;) {
      int wait_ms = 0;
      if (!killed) {
        wait_ms = static_cast<int>(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count());
        if (wait_ms <= 0) {
          kill(pid, SIGKILL);
          killed = true;
          wait_ms = 0;
        }
      }
      pollfd p{fds[0], POLLIN, 0};
      int ready = poll(&p, 1, killed ? 1000 : wait_ms);
      if (ready <= 0) continue;
      char chunk[4096];
      ssize_t n = read(fds[0], chunk, sizeof(chunk));
      if (n <= 0) break;  // EOF: the child is gone and the pipe drained
      buffer.append(chunk, static_cast<size_t>(n));
    }
    close(fds[0]);
    int status = 0;
    EXPECT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "writer exited by itself with status " << status << " (an error in the child)";
    for (size_t off = 0; off + sizeof(Ack) <= buffer.size(); off += sizeof(Ack)) {
      Ack ack;
      std::memcpy(&ack, buffer.data() + off, sizeof(ack));
      acks.push_back(ack);
    }
    return acks;
  }

  // Reopens the log after a kill and checks it against everything acknowledged
  // so far (`best`: the highest of each field, since lengths and terms only grow).
  void CheckRecovered(const Ack& best, int round) {
    SCOPED_TRACE("round " + std::to_string(round));
    Result<std::unique_ptr<RaftLogStore>> opened = RaftLogStore::Open(dir_.Sub("raft"));
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    const RaftLogStore& log = **opened;
    first_index_ = log.FirstIndex();
    EXPECT_GE(log.LastIndex(), best.last_index);
    EXPECT_GE(log.hard_state().term, best.hard_term);
    EXPECT_GE(log.hard_state().commit, best.commit);
    if (best.last_index >= log.FirstIndex()) {
      Result<uint64_t> term = log.Term(best.last_index);
      ASSERT_TRUE(term.ok()) << term.status().ToString();
      EXPECT_GE(*term, best.last_term);  // same entry, or overwritten by a later term
    }
    Result<std::vector<Entry>> all = log.Entries(log.FirstIndex(), log.LastIndex() + 1, UINT64_MAX);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->size(), log.LastIndex() - log.FirstIndex() + 1);
    uint64_t prev_term = *log.Term(log.FirstIndex() - 1);
    for (size_t i = 0; i < all->size(); ++i) {
      const Entry& e = (*all)[i];
      ASSERT_EQ(e.index, log.FirstIndex() + i);
      ASSERT_GE(e.term, prev_term) << "at index " << e.index;
      ASSERT_EQ(*log.Term(e.index), e.term);
      ASSERT_EQ(e.data, Payload(e.index, e.term)) << "at index " << e.index;
      prev_term = e.term;
    }
    EXPECT_LE(prev_term, log.hard_state().term);
  }

  testing::TempDir dir_;
  uint64_t first_index_ = 1;  // as of the last CheckRecovered
};

TEST_F(RaftLogCrashTest, AcknowledgedBatchesSurviveSigkill) {
  std::mt19937 rng(20261121);
  const auto budget_end = Clock::now() + std::chrono::seconds(90);
  Ack best;
  size_t total_acks = 0;
  int rounds = 0;
  for (; rounds < 36 && Clock::now() < budget_end; ++rounds) {
    const auto run_for = std::chrono::milliseconds(20 + rng() % 180);
    std::vector<Ack> acks = RunAndKill(rng(), run_for);
    total_acks += acks.size();
    for (const Ack& a : acks) {
      if (a.last_index >= best.last_index) {
        best.last_index = a.last_index;
        best.last_term = a.last_term;
      }
      best.commit = std::max(best.commit, a.commit);
      best.hard_term = std::max(best.hard_term, a.hard_term);
    }
    CheckRecovered(best, rounds);
    if (HasFatalFailure()) return;
  }
  EXPECT_GE(rounds, 30) << "ran out of the time budget";
  EXPECT_GT(total_acks, 100u) << "the writer made too little progress to mean anything";
  EXPECT_GT(first_index_, 1u) << "the writer never compacted, so recovery of a compacted log "
                                 "went unchecked";
  RecordProperty("rounds", rounds);
  RecordProperty("acknowledged_batches", static_cast<int>(total_acks));
}

}  // namespace
}  // namespace shadekv::store
