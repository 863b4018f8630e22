// OpenLevelDb and FromLevelDb: wrong, damaged, locked and missing directories
// are refused with a specific code and a message that says what to do, never
// "repaired" and never a crash. Checked through the raw helper and through
// RaftLogStore::Open, which the agent uses.
#include "store/leveldb_util.h"

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/options.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "shadekv/store/raft_log_store.h"
#include "tests/store/temp_dir.h"

namespace shadekv::store {
namespace {

namespace fs = std::filesystem;

bool Contains(const Status& s, const std::string& text) {
  return s.message().find(text) != std::string::npos;
}

// Overwrites the file at path with garbage of the same length (at least 64 bytes).
void Garble(const fs::path& path) {
  const size_t size = std::max<size_t>(fs::file_size(path), 64);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  for (size_t i = 0; i < size; ++i) out.put(static_cast<char>((i * 131 + 7) & 0xFF));
}

std::vector<fs::path> FilesEndingWith(const std::string& dir, const std::string& suffix) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(e.path());
    }
  }
  return out;
}

class LevelDbUtilTest : public ::testing::Test {
 protected:
  // A raft log with enough data that LevelDB has flushed table files
  // (.ldb) as well as a write-ahead log (.log).
  void WriteRaftLog(size_t entries, size_t entry_bytes, size_t write_buffer_bytes = 64 << 10) {
    RaftLogStoreOptions options;
    options.write_buffer_bytes = write_buffer_bytes;  // 64 KiB, LevelDB's minimum: flush often
    Result<std::unique_ptr<RaftLogStore>> log = RaftLogStore::Open(path_, options);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    for (size_t i = 1; i <= entries; ++i) {
      PersistBatch batch;
      batch.entries = {raft::Entry{1, i, raft::EntryType::kNormal, std::string(entry_bytes, 'x')}};
      batch.hard_state = raft::HardState{1, 1, i};
      batch.sync = false;
      ASSERT_TRUE((*log)->Persist(batch).ok());
    }
  }

  Status OpenRaftLog(bool create_if_missing = true) {
    RaftLogStoreOptions options;
    options.create_if_missing = create_if_missing;
    return RaftLogStore::Open(path_, options).status();
  }

  testing::TempDir dir_;
  const std::string path_ = dir_.Sub("raft");
};

TEST_F(LevelDbUtilTest, FromLevelDbMapsEachKindAndKeepsContext) {
  EXPECT_TRUE(FromLevelDb(leveldb::Status::OK(), "x").ok());
  Status corrupt = FromLevelDb(leveldb::Status::Corruption("bad block"), "reading entry 7");
  EXPECT_EQ(corrupt.code(), StatusCode::kDataLoss);
  EXPECT_TRUE(Contains(corrupt, "reading entry 7")) << corrupt.ToString();
  EXPECT_TRUE(Contains(corrupt, "bad block")) << corrupt.ToString();
  EXPECT_EQ(FromLevelDb(leveldb::Status::NotFound("k"), "x").code(), StatusCode::kNotFound);
  EXPECT_EQ(FromLevelDb(leveldb::Status::InvalidArgument("k"), "x").code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FromLevelDb(leveldb::Status::IOError("disk full"), "x").code(),
            StatusCode::kUnavailable);
}

TEST_F(LevelDbUtilTest, NewDirectoryGetsTheMarkerAndReopens) {
  {
    Result<std::unique_ptr<leveldb::DB>> db = OpenLevelDb(path_, "shadekv-test/1", {});
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    std::string marker;
    ASSERT_TRUE((*db)->Get({}, std::string(kFormatMarkerKey), &marker).ok());
    EXPECT_EQ(marker, "shadekv-test/1");
  }
  EXPECT_TRUE(OpenLevelDb(path_, "shadekv-test/1", {}).ok());
}

TEST_F(LevelDbUtilTest, RefusesForeignLevelDbWithOtherKeys) {
  {
    leveldb::Options options;
    options.create_if_missing = true;
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(options, path_, &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    ASSERT_TRUE(db->Put({}, "someone-elses-key", "value").ok());
  }
  Status direct = OpenLevelDb(path_, kRaftLogFormat, {}).status();
  EXPECT_EQ(direct.code(), StatusCode::kFailedPrecondition) << direct.ToString();
  EXPECT_TRUE(Contains(direct, "no format marker")) << direct.ToString();
  Status raft = OpenRaftLog();
  EXPECT_EQ(raft.code(), StatusCode::kFailedPrecondition) << raft.ToString();
  // Refusing must not have added our marker to their database.
  leveldb::DB* raw = nullptr;
  ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), path_, &raw).ok());
  std::unique_ptr<leveldb::DB> db(raw);
  std::string ignored;
  EXPECT_TRUE(db->Get({}, std::string(kFormatMarkerKey), &ignored).IsNotFound());
}

TEST_F(LevelDbUtilTest, RefusesKvStoreDirectoryAsRaftLog) {
  ASSERT_TRUE(OpenLevelDb(path_, "shadekv-kv/1", {}).ok());
  Status s = OpenRaftLog();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_TRUE(Contains(s, "shadekv-kv/1")) << s.ToString();
  EXPECT_TRUE(Contains(s, kRaftLogFormat)) << s.ToString();
}

TEST_F(LevelDbUtilTest, MissingDirectoryWithoutCreateIsFailedPrecondition) {
  Status s = OpenRaftLog(/*create_if_missing=*/false);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_TRUE(Contains(s, path_)) << s.ToString();
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(LevelDbUtilTest, DirectoryLockedByAnotherOpenIsUnavailableWithAdvice) {
  Result<std::unique_ptr<RaftLogStore>> first = RaftLogStore::Open(path_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  Status second = OpenRaftLog();
  EXPECT_EQ(second.code(), StatusCode::kUnavailable) << second.ToString();
  EXPECT_TRUE(Contains(second, "another process holds this data directory")) << second.ToString();
  EXPECT_TRUE(Contains(second, "--data-dir")) << second.ToString();
}

TEST_F(LevelDbUtilTest, GarbageCurrentFileIsDataLoss) {
  WriteRaftLog(10, 100);
  Garble(fs::path(path_) / "CURRENT");
  Status s = OpenRaftLog();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_TRUE(Contains(s, path_)) << s.ToString();
}

TEST_F(LevelDbUtilTest, GarbageManifestIsDataLoss) {
  WriteRaftLog(10, 100);
  std::vector<fs::path> manifests;
  for (const auto& e : fs::directory_iterator(path_)) {
    if (e.path().filename().string().rfind("MANIFEST-", 0) == 0) manifests.push_back(e.path());
  }
  ASSERT_FALSE(manifests.empty());
  for (const fs::path& m : manifests) Garble(m);
  Status s = OpenRaftLog();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
}

TEST_F(LevelDbUtilTest, GarbageInsideTheWriteAheadLogIsDataLoss) {
  // ~200 KB, all still in the .log (4 MiB memtable). Damage a block in the
  // middle: a damaged tail would look like a torn last write, which LevelDB
  // drops by design, but damage followed by more records is corruption.
  WriteRaftLog(200, 1000, 4 << 20);
  std::vector<fs::path> logs = FilesEndingWith(path_, ".log");
  ASSERT_EQ(logs.size(), 1u);
  ASSERT_GT(fs::file_size(logs[0]), 100000u);
  {
    std::fstream f(logs[0], std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(40000);
    for (int i = 0; i < 1000; ++i) f.put(static_cast<char>(i * 131 + 7));
  }
  Status s = OpenRaftLog();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
  EXPECT_TRUE(Contains(s, "restore this member")) << s.ToString();
}

TEST_F(LevelDbUtilTest, GarbageTableFileIsDataLoss) {
  WriteRaftLog(400, 1000);  // ~400 KB through a 64 KB memtable: several .ldb files
  std::vector<fs::path> tables = FilesEndingWith(path_, ".ldb");
  ASSERT_FALSE(tables.empty());
  for (const fs::path& t : tables) Garble(t);
  Status s = OpenRaftLog();
  EXPECT_EQ(s.code(), StatusCode::kDataLoss) << s.ToString();
}

}  // namespace
}  // namespace shadekv::store
