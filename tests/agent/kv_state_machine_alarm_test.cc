// Alarm entries applied by the KvStateMachine on real LevelDB: raising and
// clearing alarms (meta records, no revision), the alarmed-write verdicts
// that consume the index and change nothing, and the alarm list surviving a
// reopen and travelling with a snapshot install. Also the store-level
// defragmentation: it shrinks the directory after deleting and compacting a
// large keyspace, and reads keep their answers.
#include <gtest/gtest.h>

#include "agent/server/kv_state_machine.h"
#include "tests/store/temp_dir.h"

namespace shadekv::agent {
namespace {

using store::testing::TempDir;

class KvStateMachineAlarmTest : public ::testing::Test {
 protected:
  void SetUp() override { sm_ = OpenAt(dir_.Sub("kv")); }

  std::unique_ptr<KvStateMachine> OpenAt(const std::string& path) {
    Result<std::unique_ptr<KvStateMachine>> sm = KvStateMachine::Open(path);
    EXPECT_TRUE(sm.ok()) << sm.status().ToString();
    if (!sm.ok()) return nullptr;
    return std::move(sm).value();
  }

  Result<store::ApplyResult> Apply(EntryOp op) {
    RaftEntry entry;
    entry.request_id = ++index_;
    entry.op = std::move(op);
    Result<AppliedEntry> applied = sm_->Apply(index_, EncodeRaftEntry(entry));
    EXPECT_TRUE(applied.ok()) << applied.status().ToString();
    if (!applied.ok()) return applied.status();
    EXPECT_EQ(sm_->AppliedIndex(), index_);
    return applied->result;
  }

  static AlarmChange Raise(uint64_t member, AlarmType type) {
    return {AlarmChange::Action::kActivate, member, type};
  }
  static AlarmChange Clear(uint64_t member, AlarmType type) {
    return {AlarmChange::Action::kDeactivate, member, type};
  }
  static store::PutRequest Put(std::string key, std::string value) {
    store::PutRequest p;
    p.key = std::move(key);
    p.value = std::move(value);
    return p;
  }
  static store::DeleteRangeRequest DeleteAll() {
    store::DeleteRangeRequest d;
    d.key = std::string(1, '\0');
    d.range_end = std::string(1, '\0');
    return d;
  }

  TempDir dir_{"shadekv-sm-alarm-"};
  std::unique_ptr<KvStateMachine> sm_;
  uint64_t index_ = 0;
};

TEST_F(KvStateMachineAlarmTest, RaisingAndClearingMakesNoRevision) {
  ASSERT_TRUE(Apply(Raise(9, AlarmType::kCorrupt)).ok());
  ASSERT_TRUE(Apply(Raise(3, AlarmType::kNoSpace)).ok());
  ASSERT_TRUE(Apply(Raise(3, AlarmType::kNoSpace)).ok());  // twice: still one alarm
  EXPECT_EQ(sm_->Alarms(),
            (std::vector<AlarmMember>{{3, AlarmType::kNoSpace}, {9, AlarmType::kCorrupt}}));
  EXPECT_EQ(sm_->CurrentRevision(), 1);
  ASSERT_TRUE(Apply(Clear(9, AlarmType::kCorrupt)).ok());
  EXPECT_EQ(sm_->Alarms(), (std::vector<AlarmMember>{{3, AlarmType::kNoSpace}}));
  // Clearing what is not raised is a verdict: the index is consumed.
  EXPECT_EQ(Apply(Clear(9, AlarmType::kCorrupt)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(Apply(Clear(3, AlarmType::kCorrupt)).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(sm_->Alarms().size(), 1u);
}

TEST_F(KvStateMachineAlarmTest, NoSpaceRefusesPutsButAllowsDeletesAndCompaction) {
  ASSERT_TRUE(Apply(Put("a", "1")).ok());
  ASSERT_TRUE(Apply(Raise(1, AlarmType::kNoSpace)).ok());
  EXPECT_EQ(Apply(Put("b", "2")).status(),
            Status::ResourceExhausted("etcdserver: mvcc: database space exceeded"));
  EXPECT_EQ(Apply(LeaseGrant{5, 60}).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(sm_->CurrentRevision(), 2);
  Result<store::ApplyResult> deleted = Apply(DeleteAll());
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_EQ(sm_->CurrentRevision(), 3);
  store::CompactionRequest compact;
  compact.revision = 3;
  EXPECT_TRUE(Apply(compact).ok());
  ASSERT_TRUE(Apply(Clear(1, AlarmType::kNoSpace)).ok());
  EXPECT_TRUE(Apply(Put("b", "2")).ok());
  EXPECT_EQ(sm_->CurrentRevision(), 4);
}

TEST_F(KvStateMachineAlarmTest, CorruptRefusesDeletesToo) {
  ASSERT_TRUE(Apply(Put("a", "1")).ok());
  ASSERT_TRUE(Apply(Raise(1, AlarmType::kCorrupt)).ok());
  EXPECT_EQ(Apply(DeleteAll()).status(), Status::DataLoss("etcdserver: corrupt cluster"));
  EXPECT_EQ(sm_->CurrentRevision(), 2);
  // Reads still answer.
  store::RangeRequest get;
  get.key = "a";
  Result<store::RangeResponse> got = sm_->Range(get);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->kvs.size(), 1u);
}

TEST_F(KvStateMachineAlarmTest, AlarmsSurviveReopenAndTravelInSnapshots) {
  ASSERT_TRUE(Apply(Raise(42, AlarmType::kNoSpace)).ok());
  ASSERT_TRUE(Apply(Raise(7, AlarmType::kCorrupt)).ok());
  ASSERT_TRUE(Apply(Clear(7, AlarmType::kCorrupt)).ok());
  const std::vector<AlarmMember> expected = {{42, AlarmType::kNoSpace}};

  sm_.reset();
  sm_ = OpenAt(dir_.Sub("kv"));
  ASSERT_NE(sm_, nullptr);
  EXPECT_EQ(sm_->Alarms(), expected);

  Result<std::string> image = sm_->SnapshotImage();
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  std::unique_ptr<KvStateMachine> other = OpenAt(dir_.Sub("other"));
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(
      other->Apply(1, EncodeRaftEntry(RaftEntry{1, 1, "", "", 0, Raise(5, AlarmType::kCorrupt)}))
          .ok());
  raft::Snapshot snapshot;
  snapshot.meta.index = index_;
  snapshot.data = *image;
  ASSERT_TRUE(other->RestoreSnapshot(snapshot).ok());
  // The snapshot's list replaces what the member had.
  EXPECT_EQ(other->Alarms(), expected);
}

TEST_F(KvStateMachineAlarmTest, DefragmentShrinksTheStoreAfterDeleteAndCompaction) {
  // Incompressible values, so the sizes measure data and not Snappy.
  uint64_t seed = 12345;
  auto random_value = [&seed] {
    std::string v(4096, '\0');
    for (char& c : v) {
      seed = seed * 6364136223846793005u + 1442695040888963407u;
      c = static_cast<char>(seed >> 56);
    }
    return v;
  };
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(Apply(Put("key/" + std::to_string(i), random_value())).ok());
  }
  ASSERT_TRUE(Apply(Put("keep", "me")).ok());
  ASSERT_TRUE(sm_->Defragment().ok());
  const uint64_t full = sm_->DiskBytes();
  store::DeleteRangeRequest del;
  del.key = "key/";
  del.range_end = "key0";
  ASSERT_TRUE(Apply(del).ok());
  store::CompactionRequest compact;
  compact.revision = sm_->CurrentRevision();
  ASSERT_TRUE(Apply(compact).ok());

  Status defrag = sm_->Defragment();
  ASSERT_TRUE(defrag.ok()) << defrag.ToString();
  const uint64_t after = sm_->DiskBytes();
  EXPECT_LT(after, full / 4) << "before " << full << " after " << after;
  EXPECT_LT(sm_->LiveBytesEstimate(), full / 4);
  store::RangeRequest get;
  get.key = "keep";
  Result<store::RangeResponse> kept = sm_->Range(get);
  ASSERT_TRUE(kept.ok());
  ASSERT_EQ(kept->kvs.size(), 1u);
  EXPECT_EQ(kept->kvs[0].value, "me");
}

// The shape of a member that received every write: all of it, deletions and
// compaction included, still in LevelDB's memtable and log when defragmenting
// (a flush may then land on the deepest level, which CompactRange alone
// never rewrites).
TEST_F(KvStateMachineAlarmTest, DefragmentReclaimsWritesStillInTheMemtable) {
  uint64_t seed = 99;
  for (int i = 0; i < 40; ++i) {
    std::string v(64 << 10, '\0');
    for (char& c : v) {
      seed = seed * 6364136223846793005u + 1442695040888963407u;
      c = static_cast<char>(seed >> 56);
    }
    ASSERT_TRUE(Apply(Put("fill/" + std::to_string(i), v)).ok());
  }
  store::DeleteRangeRequest del;
  del.key = "fill/";
  del.range_end = "fill0";
  ASSERT_TRUE(Apply(del).ok());
  store::CompactionRequest compact;
  compact.revision = sm_->CurrentRevision();
  ASSERT_TRUE(Apply(compact).ok());
  const uint64_t before = sm_->DiskBytes();
  ASSERT_GT(before, 40u * (64 << 10));
  ASSERT_TRUE(sm_->Defragment().ok());
  EXPECT_LT(sm_->DiskBytes(), 64u << 10) << "before " << before;
  // And again, on an already defragmented store: nothing breaks.
  ASSERT_TRUE(sm_->Defragment().ok());
  ASSERT_TRUE(Apply(Put("after", "x")).ok());
}

}  // namespace
}  // namespace shadekv::agent
