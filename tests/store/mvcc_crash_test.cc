// Crash test: a forked child applies a deterministic stream of entries (and
// runs physical compaction) and acknowledges each applied index through a
// pipe; the parent SIGKILLs it at random moments, reopens the store and checks
// that it holds exactly entries 1..AppliedIndex() (compared with a fresh store
// replaying the same entries), with AppliedIndex() >= the last acknowledgement.
//
// The parent forks only while it has no LevelDB database open, so the child
// never inherits a lock held by one of LevelDB's threads.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <cerrno>
#include <chrono>
#include <random>
#include <thread>

#include "shadekv/store/mvcc_store.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::Op;

// Entry `index` of the deterministic stream: puts, deletes, txns with
// compares, compactions (some rejected: they still consume the index) and
// meta-only entries.
WriteRequest EntryFor(uint64_t index) {
  std::mt19937_64 rng(index * 0x9e3779b97f4a7c15ull);
  auto pick = [&](uint64_t n) { return rng() % n; };
  auto key = [&] { return "c" + std::to_string(pick(64)); };
  WriteRequest w;
  const uint64_t kind = pick(100);
  if (kind < 50) {
    w.op = testing::PutReq(key(), std::string(pick(300), static_cast<char>('a' + pick(26))),
                           static_cast<int64_t>(pick(3)));
  } else if (kind < 65) {
    const std::string k = key();
    w.op = testing::DelReq(k, pick(4) == 0 ? k + "5" : "");
  } else if (kind < 90) {
    TxnRequest txn;
    const std::string a = "c" + std::to_string(pick(32));
    const std::string b = "c" + std::to_string(32 + pick(32));
    txn.compare = {testing::Cmp(a, Compare::Target::kVersion, Compare::Result::kGreater,
                                static_cast<int64_t>(pick(3)))};
    txn.success = {Op(testing::PutReq(a, "t" + std::to_string(index))), Op(testing::DelReq(b))};
    txn.failure = {Op(testing::PutReq(b, "f" + std::to_string(index)))};
    w.op = std::move(txn);
  } else if (kind < 95) {
    // About half the current revision: mostly accepted, sometimes already compacted.
    w.op = CompactionRequest{index > 20 ? static_cast<int64_t>(index / 2 - pick(10)) : 1, false};
  }
  if (pick(10) == 0)
    w.meta.push_back(MetaWrite{"m" + std::to_string(pick(8)), std::to_string(index)});
  return w;
}

// High bit of an acknowledgement: sent right after a compaction step that
// left work behind.
constexpr uint64_t kMidCompaction = uint64_t{1} << 63;
constexpr int kRandomRounds = 32;

[[noreturn]] void RunChild(const std::string& path, int ack_fd) {
  auto opened = MvccStore::Open(path);
  if (!opened.ok()) _exit(3);
  MvccStore& store = **opened;
  for (uint64_t i = store.AppliedIndex() + 1; i < 1000000; ++i) {
    Result<ApplyResult> applied = store.Apply(EntryFor(i), i);
    if (!applied.ok() && applied.status().code() != StatusCode::kInvalidArgument &&
        applied.status().code() != StatusCode::kOutOfRange) {
      _exit(4);
    }
    if (write(ack_fd, &i, sizeof i) != sizeof i) _exit(5);
    // Small, sparse steps: a backlog builds up, so kills land mid-compaction.
    if (i % 3 == 0) {
      Result<bool> done = store.CompactStep(1);
      if (!done.ok()) _exit(6);
      // Tell the parent a compaction is half done right now.
      uint64_t flagged = i | kMidCompaction;
      if (!*done && write(ack_fd, &flagged, sizeof flagged) != sizeof flagged) _exit(5);
    }
  }
  _exit(0);
}

// Reads every acknowledgement available; returns the last one (or `last`).
uint64_t DrainAcks(int fd, uint64_t last) {
  uint64_t value = 0;
  while (read(fd, &value, sizeof value) == sizeof value) last = value & ~kMidCompaction;
  return last;
}

// Waits (bounded) for the child to report a half-done compaction, keeping
// track of acknowledgements on the way. Returns false if none came.
bool AwaitMidCompaction(int fd, uint64_t* last) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  uint64_t value = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = read(fd, &value, sizeof value);
    if (n == sizeof value) {
      *last = value & ~kMidCompaction;
      if (value & kMidCompaction) return true;
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  return false;
}

void ExpectSameStore(MvccStore& got, MvccStore& want) {
  EXPECT_EQ(got.CurrentRevision(), want.CurrentRevision());
  EXPECT_EQ(got.CompactRevision(), want.CompactRevision());
  EXPECT_EQ(got.HashKv(0)->hash, want.HashKv(0)->hash);
  RangeRequest all = testing::RangeReq("c", std::string(1, '\0'));
  EXPECT_EQ(got.Range(all)->kvs, want.Range(all)->kvs);
  all.revision = std::max<int64_t>(1, want.CompactRevision());
  EXPECT_EQ(got.Range(all)->kvs, want.Range(all)->kvs);
  EXPECT_EQ(got.ScanMeta("").value(), want.ScanMeta("").value());
}

TEST(MvccCrashTest, KilledApplierRecoversExactlyTheAppliedEntries) {
  testing::TempDir dir("shadekv-mvcc-crash-");
  const std::string path = dir.Sub("kv");
  const std::string reference_path = dir.Sub("reference");
  std::mt19937 rng(20261121);
  uint64_t last_ack = 0;
  uint64_t replayed = 0;
  bool saw_pending_compaction = false;
  for (int round = 0; round < 40; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      RunChild(path, fds[1]);
    }
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    // Most rounds die at a random moment; the last ones die exactly while a
    // compaction is half done, so that path is covered on every run.
    if (round < kRandomRounds) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 46));
    } else {
      EXPECT_TRUE(AwaitMidCompaction(fds[0], &last_ack)) << "the child never reported a "
                                                            "half-done compaction";
    }
    kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    last_ack = DrainAcks(fds[0], last_ack);
    close(fds[0]);

    auto crashed = MvccStore::Open(path);
    ASSERT_TRUE(crashed.ok()) << crashed.status().ToString();
    const uint64_t applied = (*crashed)->AppliedIndex();
    EXPECT_GE(applied, last_ack);
    auto reference = MvccStore::Open(reference_path);
    ASSERT_TRUE(reference.ok());
    for (; replayed < applied; ++replayed) {
      Result<ApplyResult> r = (*reference)->Apply(EntryFor(replayed + 1), replayed + 1);
      ASSERT_TRUE(r.ok() || r.status().code() == StatusCode::kInvalidArgument ||
                  r.status().code() == StatusCode::kOutOfRange)
          << r.status().ToString();
    }
    ExpectSameStore(**crashed, **reference);
    Result<bool> compaction_done = (*crashed)->CompactStep(0);
    ASSERT_TRUE(compaction_done.ok());
    if (!*compaction_done) saw_pending_compaction = true;
    if (::testing::Test::HasFailure()) return;
  }
  EXPECT_GT(last_ack, 100u);
  EXPECT_TRUE(saw_pending_compaction) << "no round was killed in the middle of a compaction";

  // The crashed store finishes its compaction and continues with the next index.
  auto crashed = MvccStore::Open(path);
  ASSERT_TRUE(crashed.ok());
  auto reference = MvccStore::Open(reference_path);
  ASSERT_TRUE(reference.ok());
  for (;;) {
    Result<bool> done = (*crashed)->CompactStep(100);
    ASSERT_TRUE(done.ok());
    if (*done) break;
  }
  const uint64_t next = (*crashed)->AppliedIndex() + 1;
  ASSERT_EQ(next, replayed + 1);
  WriteRequest put;
  put.op = testing::PutReq("c1", "after");
  ASSERT_TRUE((*crashed)->Apply(put, next).ok());
  ASSERT_TRUE((*reference)->Apply(put, next).ok());
  ExpectSameStore(**crashed, **reference);
}

}  // namespace
}  // namespace shadekv::store
