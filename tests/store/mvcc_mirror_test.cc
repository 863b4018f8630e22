// MvccStore::ApplyMirrored: a revision made by a primary is stored exactly as
// given, and every change that does not follow from the mirror's own state is
// refused as divergence with nothing written.
#include <gtest/gtest.h>

#include "tests/store/mvcc_test_util.h"

namespace shadekv::store::testing {
namespace {

KeyChange PutChange(KeyValue kv, std::optional<KeyValue> prev = std::nullopt) {
  KeyChange change;
  change.type = KeyChange::Type::kPut;
  change.kv = std::move(kv);
  change.prev_kv = std::move(prev);
  return change;
}

KeyChange DeleteChange(std::string key, int64_t revision, std::optional<KeyValue> prev) {
  KeyChange change;
  change.type = KeyChange::Type::kDelete;
  change.kv.key = std::move(key);
  change.kv.mod_revision = revision;
  change.prev_kv = std::move(prev);
  return change;
}

class MirrorApplyTest : public MvccFixture {
 protected:
  Result<ChangeEvent> Mirror(int64_t revision, std::vector<KeyChange> changes,
                             std::string annotation = "") {
    return store_->ApplyMirrored(MirroredRevision{revision, std::move(changes), annotation});
  }

  void MustMirror(int64_t revision, std::vector<KeyChange> changes, std::string annotation = "") {
    Result<ChangeEvent> result = Mirror(revision, std::move(changes), std::move(annotation));
    ASSERT_TRUE(result.ok()) << result.status().ToString();
  }

  uint32_t Hash() {
    Result<HashResult> hash = store_->HashKv(0);
    EXPECT_TRUE(hash.ok()) << hash.status().ToString();
    return hash.ok() ? hash->hash : 0;
  }

  // Expects `changes` at the next revision to be refused as divergence, with
  // the store unchanged.
  void ExpectDiverged(std::vector<KeyChange> changes, std::string_view detail) {
    const int64_t revision = store_->CurrentRevision();
    const uint32_t hash = Hash();
    Result<ChangeEvent> result = Mirror(revision + 1, std::move(changes), "ann");
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kDataLoss);
    EXPECT_TRUE(result.status().message().starts_with("mirror diverged at revision " +
                                                      std::to_string(revision + 1) + ": "))
        << result.status().message();
    EXPECT_NE(result.status().message().find(detail), std::string::npos)
        << result.status().message();
    EXPECT_EQ(store_->CurrentRevision(), revision);
    EXPECT_EQ(Hash(), hash);
  }

  // a (rev 2, lease 5), b (rev 3), a again (rev 4): a live at version 2.
  void Seed() {
    MustMirror(2, {PutChange(Kv("a", "1", 2, 2, 1, 5))});
    MustMirror(3, {PutChange(Kv("b", "x", 3, 3, 1))});
    MustMirror(4, {PutChange(Kv("a", "2", 2, 4, 2), Kv("a", "1", 2, 2, 1, 5))});
  }
};

TEST_F(MirrorApplyTest, StoresRevisionsExactlyAsGiven) {
  Seed();
  MustMirror(5, {DeleteChange("b", 5, Kv("b", "x", 3, 3, 1)), PutChange(Kv("c", "n", 5, 5, 1, 9))},
             "body-5");
  EXPECT_EQ(store_->CurrentRevision(), 5);
  EXPECT_EQ(store_->AppliedIndex(), 0u);  // a mirror has no Raft index
  EXPECT_EQ(Kvs("a", kAll),
            (std::vector<KeyValue>{Kv("a", "2", 2, 4, 2), Kv("c", "n", 5, 5, 1, 9)}));
  EXPECT_EQ(Kvs("a", kAll, 3),
            (std::vector<KeyValue>{Kv("a", "1", 2, 2, 1, 5), Kv("b", "x", 3, 3, 1)}));
  Result<std::vector<ChangeEvent>> changes = store_->Changes(4, 5, 10);
  ASSERT_TRUE(changes.ok()) << changes.status().ToString();
  ASSERT_EQ(changes->size(), 1u);
  const ChangeEvent& event = changes->front();
  EXPECT_EQ(event.revision, 5);
  EXPECT_EQ(event.annotation, "body-5");
  ASSERT_EQ(event.changes.size(), 2u);
  EXPECT_EQ(event.changes[0].type, KeyChange::Type::kDelete);
  EXPECT_EQ(event.changes[0].kv, Kv("b", "", 0, 5, 0));
  EXPECT_EQ(event.changes[0].prev_kv, Kv("b", "x", 3, 3, 1));
  EXPECT_EQ(event.changes[1].kv, Kv("c", "n", 5, 5, 1, 9));
  EXPECT_EQ(event.changes[1].prev_kv, std::nullopt);
}

TEST_F(MirrorApplyTest, AcceptsSeveralChangesToOneKeyInOneRevision) {
  Seed();
  MustMirror(5, {PutChange(Kv("a", "3", 2, 5, 3), Kv("a", "2", 2, 4, 2)),
                 DeleteChange("a", 5, Kv("a", "3", 2, 5, 3)), PutChange(Kv("a", "new", 5, 5, 1))});
  EXPECT_EQ(Kvs("a"), (std::vector<KeyValue>{Kv("a", "new", 5, 5, 1)}));
}

TEST_F(MirrorApplyTest, RefusesWrongRevisionWithBothNumbers) {
  Seed();
  for (int64_t revision : {4, 2, 6, 100, 0, -3}) {
    Result<ChangeEvent> result = Mirror(revision, {PutChange(Kv("z", "v", revision, revision, 1))});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(result.status().message().find("mirrored revision " + std::to_string(revision)),
              std::string::npos)
        << result.status().message();
    EXPECT_NE(result.status().message().find("current revision 4"), std::string::npos);
  }
  EXPECT_EQ(store_->CurrentRevision(), 4);
  EXPECT_TRUE(Kvs("z").empty());
}

TEST_F(MirrorApplyTest, RefusesEveryInconsistentChange) {
  Seed();
  const KeyValue a = Kv("a", "2", 2, 4, 2);
  const KeyValue b = Kv("b", "x", 3, 3, 1);
  ExpectDiverged({}, "no change");
  ExpectDiverged({PutChange(Kv("", "v", 5, 5, 1))}, "empty key");
  ExpectDiverged({PutChange(Kv("n", "v", 5, 4, 1))}, "mod_revision 4");
  ExpectDiverged({PutChange(Kv("n", "v", 5, 5, 0))}, "below 1");
  ExpectDiverged({PutChange(Kv("n", "v", 5, 5, 2))}, "not live");
  ExpectDiverged({PutChange(Kv("n", "v", 3, 5, 1))}, "create_revision 3");
  ExpectDiverged({PutChange(Kv("a", "v", 2, 5, 4), a)}, "does not follow the live version 2");
  ExpectDiverged({PutChange(Kv("a", "v", 5, 5, 1), a)}, "does not follow");
  ExpectDiverged({PutChange(Kv("a", "v", 3, 5, 3), a)}, "create_revision 3 differs");
  ExpectDiverged({PutChange(Kv("a", "v", 2, 5, 3))}, "prev_kv none differs");
  ExpectDiverged({PutChange(Kv("a", "v", 2, 5, 3), b)}, "prev_kv");
  ExpectDiverged({PutChange(Kv("n", "v", 5, 5, 1), b)}, "prev_kv");
  ExpectDiverged({DeleteChange("n", 5, std::nullopt)}, "not live");
  ExpectDiverged({DeleteChange("b", 4, b)}, "mod_revision 4");
  ExpectDiverged({DeleteChange("b", 5, a)}, "prev_kv");
  KeyChange fat_delete = DeleteChange("b", 5, b);
  fat_delete.kv.value = "x";
  ExpectDiverged({fat_delete}, "more than key and mod_revision");
  KeyChange odd = PutChange(Kv("n", "v", 5, 5, 1));
  odd.type = static_cast<KeyChange::Type>(7);
  ExpectDiverged({odd}, "unknown change type 7");
  // A good first change does not make a bad second one pass: all or nothing.
  ExpectDiverged({PutChange(Kv("n", "v", 5, 5, 1)), PutChange(Kv("n", "w", 5, 5, 1))},
                 "change 1 (key \"n\")");
  ExpectDiverged({DeleteChange("b", 5, b), DeleteChange("b", 5, b)}, "change 1");
  ExpectDiverged({PutChange(Kv(std::string("\x01k\"", 3), "v", 5, 5, 2))}, "\\x01k\\x22");
  // Nothing above changed anything: the right revision still applies.
  MustMirror(5, {PutChange(Kv("n", "v", 5, 5, 1))});
  EXPECT_EQ(store_->CurrentRevision(), 5);
  // ...and no refused attempt left its annotation behind.
  Result<std::vector<ChangeEvent>> changes = store_->Changes(4, 5, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->front().annotation, "");
  EXPECT_EQ(changes->front().changes.size(), 1u);
}

TEST_F(MirrorApplyTest, SurvivesReopen) {
  Seed();
  const uint32_t hash = Hash();
  Open();
  EXPECT_EQ(store_->CurrentRevision(), 4);
  EXPECT_EQ(Hash(), hash);
  MustMirror(5, {DeleteChange("a", 5, Kv("a", "2", 2, 4, 2))});
}

TEST_F(MirrorApplyTest, MatchesThePrimaryThatMadeTheRevisions) {
  // The primary's own apply output, replayed, gives the primary's hash.
  TempDir primary_dir("shadekv-mirror-primary-");
  auto primary = MvccStore::Open(primary_dir.Sub("kv"));
  ASSERT_TRUE(primary.ok());
  uint64_t index = 0;
  const auto run = [&](WriteRequest request) {
    Result<ApplyResult> applied = (*primary)->Apply(request, ++index);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    if (applied->event.revision == 0) return;
    MustMirror(applied->event.revision, applied->event.changes);
  };
  WriteRequest put;
  put.op = PutReq("k1", "v1", 77);
  run(put);
  put.op = PutReq("k1", "v2");
  run(put);
  put.op = PutReq("k2", "v");
  run(put);
  WriteRequest txn;
  TxnRequest t;
  t.success = {Op(PutReq("k3", "t")), Op(DelReq("k1")), Op(PutReq("k4", "u", 8))};
  txn.op = t;
  run(txn);
  WriteRequest del;
  del.op = DelReq("k", kAll);
  run(del);
  put.op = PutReq("k1", "again");
  run(put);
  for (int64_t revision = 1; revision <= (*primary)->CurrentRevision(); ++revision) {
    Result<HashResult> want = (*primary)->HashKv(revision);
    Result<HashResult> got = store_->HashKv(revision);
    ASSERT_TRUE(want.ok() && got.ok());
    EXPECT_EQ(got->hash, want->hash) << "revision " << revision;
  }
}

}  // namespace
}  // namespace shadekv::store::testing
