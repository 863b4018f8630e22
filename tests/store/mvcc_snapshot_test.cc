// Snapshot export and restore: round trips, and every kind of bad stream.
#include <gtest/gtest.h>

#include <filesystem>

#include "shadekv/store/mvcc_store.h"
#include "store/snapshot_format.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::DelReq;
using testing::kAll;
using testing::Op;
using testing::PutReq;
using testing::RangeReq;

// Serves `bytes` in pieces of at most `piece` bytes.
SnapshotSource FromString(const std::string& bytes, size_t piece = 1000) {
  auto position = std::make_shared<size_t>(0);
  return [&bytes, piece, position](char* buffer, size_t capacity) -> Result<size_t> {
    const size_t n = std::min({capacity, piece, bytes.size() - *position});
    std::copy_n(bytes.data() + *position, n, buffer);
    *position += n;
    return n;
  };
}

class MvccSnapshotTest : public testing::MvccFixture {
 protected:
  void WriteData() {
    for (int i = 0; i < 300; ++i) {
      Put("key/" + std::to_string(i % 40), std::string(200 + i, static_cast<char>('a' + i % 26)));
      if (i % 17 == 5) Delete("key/" + std::to_string((i * 7) % 40));
      if (i == 150) Compact(store_->CurrentRevision() - 20);
    }
    WriteRequest meta;
    meta.meta = {{"lease/1", "ttl=5"}, {"member/2", std::string("\0bin", 4)}};
    ASSERT_TRUE(Apply(meta).ok());
  }

  std::string Export() {
    std::string out;
    size_t max_chunk = 0;
    Status s = store_->ExportSnapshot([&](std::string_view chunk) {
      max_chunk = std::max(max_chunk, chunk.size());
      out.append(chunk);
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_LE(max_chunk, kSnapshotChunkBytes);
    return out;
  }

  std::string target() const { return dir_.Sub("restored"); }

  // Expects `bytes` to be refused with `code`, leaving target() untouched.
  void ExpectRefused(const std::string& bytes, StatusCode code, std::string_view what) {
    Status s = MvccStore::RestoreFromSnapshot(target(), FromString(bytes));
    EXPECT_EQ(s.code(), code) << what << ": " << s.ToString();
    EXPECT_FALSE(std::filesystem::exists(target() + ".restoring")) << what;
    EXPECT_FALSE(std::filesystem::exists(target())) << what;
  }
};

TEST_F(MvccSnapshotTest, RoundTripKeepsRevisionsHistoryHashAndMeta) {
  WriteData();
  const std::string bytes = Export();
  std::vector<std::pair<uint64_t, uint64_t>> progress;
  Status s = MvccStore::RestoreFromSnapshot(
      target(), FromString(bytes, 777),
      [&](uint64_t done, uint64_t total) { progress.emplace_back(done, total); });
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(progress.back(), (std::pair<uint64_t, uint64_t>(bytes.size(), bytes.size())));
  EXPECT_FALSE(std::filesystem::exists(target() + ".restoring"));

  auto restored = MvccStore::Open(target());
  ASSERT_TRUE(restored.ok());
  MvccStore& copy = **restored;
  EXPECT_EQ(copy.CurrentRevision(), store_->CurrentRevision());
  EXPECT_EQ(copy.CompactRevision(), store_->CompactRevision());
  EXPECT_EQ(copy.AppliedIndex(), store_->AppliedIndex());
  EXPECT_EQ(copy.HashKv(0)->hash, store_->HashKv(0)->hash);
  for (int64_t rev = store_->CompactRevision(); rev <= store_->CurrentRevision(); rev += 7) {
    RangeRequest r = RangeReq("key/", kAll);
    r.revision = rev;
    EXPECT_EQ(copy.Range(r)->kvs, store_->Range(r)->kvs) << rev;
    EXPECT_EQ(copy.HashKv(rev)->hash, store_->HashKv(rev)->hash) << rev;
  }
  const int64_t from = store_->CompactRevision();
  auto mine = store_->Changes(from, store_->CurrentRevision(), 10000);
  auto theirs = copy.Changes(from, copy.CurrentRevision(), 10000);
  ASSERT_TRUE(mine.ok());
  ASSERT_TRUE(theirs.ok());
  ASSERT_EQ(mine->size(), theirs->size());
  for (size_t i = 0; i < mine->size(); ++i) {
    EXPECT_EQ((*mine)[i].revision, (*theirs)[i].revision);
    ASSERT_EQ((*mine)[i].changes.size(), (*theirs)[i].changes.size());
    for (size_t j = 0; j < (*mine)[i].changes.size(); ++j) {
      EXPECT_EQ((*mine)[i].changes[j].kv, (*theirs)[i].changes[j].kv);
      EXPECT_EQ((*mine)[i].changes[j].prev_kv, (*theirs)[i].changes[j].prev_kv);
    }
  }
  EXPECT_EQ(copy.ScanMeta("").value(), store_->ScanMeta("").value());
  // The restored store compacts and continues like the original.
  for (;;) {
    auto done = copy.CompactStep(50);
    ASSERT_TRUE(done.ok());
    if (*done) break;
  }
  WriteRequest next;
  next.op = PutReq("after", "x");
  ASSERT_TRUE(copy.Apply(next, copy.AppliedIndex() + 1).ok());
  EXPECT_EQ(copy.CurrentRevision(), store_->CurrentRevision() + 1);
}

TEST_F(MvccSnapshotTest, EmptyStoreRoundTrips) {
  const std::string bytes = Export();
  EXPECT_EQ(bytes.size(), kSnapshotHeaderBytes + kSnapshotTrailerBytes);
  ASSERT_TRUE(MvccStore::RestoreFromSnapshot(target(), FromString(bytes)).ok());
  auto restored = MvccStore::Open(target());
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)->CurrentRevision(), 1);
}

TEST_F(MvccSnapshotTest, RestoreReplacesAnExistingStore) {
  Put("a", "1");
  const std::string bytes = Export();
  {
    auto old = MvccStore::Open(target());
    ASSERT_TRUE(old.ok());
    WriteRequest w;
    w.op = PutReq("stale", "x");
    ASSERT_TRUE((*old)->Apply(w, 1).ok());
  }
  ASSERT_TRUE(MvccStore::RestoreFromSnapshot(target(), FromString(bytes)).ok());
  auto restored = MvccStore::Open(target());
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ((*restored)->Range(RangeReq("a", kAll))->kvs.size(), 1u);
  EXPECT_EQ((*restored)->Range(RangeReq("stale"))->kvs.size(), 0u);
  EXPECT_FALSE(std::filesystem::exists(target() + ".replaced"));
}

TEST_F(MvccSnapshotTest, FailedRestoreLeavesAnExistingTargetUntouched) {
  Put("a", "1");
  std::string bytes = Export();
  { ASSERT_TRUE(MvccStore::Open(target()).ok()); }
  bytes.resize(bytes.size() - 3);
  Status s = MvccStore::RestoreFromSnapshot(target(), FromString(bytes));
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  auto still = MvccStore::Open(target());
  ASSERT_TRUE(still.ok());
  EXPECT_EQ((*still)->CurrentRevision(), 1);
  EXPECT_FALSE(std::filesystem::exists(target() + ".restoring"));
}

TEST_F(MvccSnapshotTest, TruncatedStreamsAreRefusedAtEveryCut) {
  WriteData();
  const std::string bytes = Export();
  std::vector<size_t> cuts = {0,
                              1,
                              7,
                              8,
                              11,
                              12,
                              51,
                              52,
                              53,
                              bytes.size() - 1,
                              bytes.size() - 4,
                              bytes.size() - 44,
                              bytes.size() - 45};
  for (size_t cut = 60; cut < bytes.size(); cut += bytes.size() / 23) cuts.push_back(cut);
  for (size_t cut : cuts) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    ExpectRefused(bytes.substr(0, cut), StatusCode::kDataLoss, "truncated");
  }
  Status s = MvccStore::RestoreFromSnapshot(target(), FromString(bytes.substr(0, 100)));
  EXPECT_NE(s.message().find("truncated"), std::string::npos) << s.message();
}

TEST_F(MvccSnapshotTest, FlippedBytesAreRefused) {
  WriteData();
  const std::string bytes = Export();
  for (size_t at = 8; at < bytes.size(); at += bytes.size() / 31) {
    std::string damaged = bytes;
    damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
    SCOPED_TRACE("flip at " + std::to_string(at));
    Status s = MvccStore::RestoreFromSnapshot(target(), FromString(damaged));
    EXPECT_FALSE(s.ok());
    EXPECT_TRUE(s.code() == StatusCode::kDataLoss || s.code() == StatusCode::kInvalidArgument)
        << s.ToString();
    EXPECT_FALSE(std::filesystem::exists(target()));
    EXPECT_FALSE(std::filesystem::exists(target() + ".restoring"));
  }
}

TEST_F(MvccSnapshotTest, WrongChecksumIsDataLoss) {
  Put("a", "1");
  std::string bytes = Export();
  bytes[bytes.size() - 10] ^= 1;  // inside the SHA-256
  ExpectRefused(bytes, StatusCode::kDataLoss, "checksum");
  Status s = MvccStore::RestoreFromSnapshot(target(), FromString(bytes));
  EXPECT_NE(s.message().find("checksum mismatch"), std::string::npos) << s.message();
}

TEST_F(MvccSnapshotTest, KeyspaceHashMismatchIsDataLoss) {
  Put("a", "1");
  std::string bytes = Export();
  bytes[bytes.size() - 1] ^= 1;  // the keyspace hash, not covered by the SHA-256
  Status s = MvccStore::RestoreFromSnapshot(target(), FromString(bytes));
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("keyspace hash"), std::string::npos) << s.message();
  EXPECT_FALSE(std::filesystem::exists(target()));
  EXPECT_FALSE(std::filesystem::exists(target() + ".restoring"));
}

TEST_F(MvccSnapshotTest, ForeignStreamsAndUnknownVersionsAreInvalidArgument) {
  ExpectRefused("this is not a snapshot at all, just some text......................",
                StatusCode::kInvalidArgument, "garbage");
  ExpectRefused(std::string(4096, '\0'), StatusCode::kInvalidArgument, "zeros");
  Put("a", "1");
  std::string bytes = Export();
  bytes[11] = 3;  // format version 3
  ExpectRefused(bytes, StatusCode::kInvalidArgument, "version");
  Status s = MvccStore::RestoreFromSnapshot(target(), FromString(bytes));
  EXPECT_NE(s.message().find("format version 3 is not supported"), std::string::npos)
      << s.message();
  ExpectRefused(Export() + "x", StatusCode::kDataLoss, "trailing bytes");
}

TEST_F(MvccSnapshotTest, SourceAndSinkErrorsAreReported) {
  Put("a", "1");
  Status sink = store_->ExportSnapshot(
      [](std::string_view) { return Status::Unavailable("peer went away"); });
  EXPECT_EQ(sink.code(), StatusCode::kUnavailable);
  Status source = MvccStore::RestoreFromSnapshot(target(), [](char*, size_t) -> Result<size_t> {
    return Status::Unavailable("connection reset");
  });
  EXPECT_EQ(source.code(), StatusCode::kUnavailable);
  EXPECT_FALSE(std::filesystem::exists(target() + ".restoring"));
}

}  // namespace
}  // namespace shadekv::store
