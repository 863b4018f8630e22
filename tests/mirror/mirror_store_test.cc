// MirrorStore on real LevelDB: a mirror fed a primary's EVENT bodies (and
// snapshots) answers Range, HashKv and Changes exactly as the primary does;
// every bad input is refused with nothing changed; the position survives
// reopening.
#include "shadekv/mirror/mirror_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "tests/mirror/mirror_test_util.h"
#include "tests/mirror/primary_workload.h"
#include "tests/store/temp_dir.h"

namespace shadekv::mirror::testing {
namespace {

using store::testing::TempDir;

class MirrorStoreTest : public ::testing::Test {
 protected:
  std::string MirrorDir(std::string_view name = "mirror") const { return dir_.Sub(name); }

  // Runs `steps` workload steps, feeding every EVENT to each mirror and
  // comparing current hashes after every step.
  void Run(PrimaryWorkload& workload, int steps, const std::vector<MirrorStore*>& mirrors) {
    for (int i = 0; i < steps; ++i) {
      std::optional<std::string> body = workload.Step();
      if (body.has_value()) {
        for (MirrorStore* mirror : mirrors) {
          Status applied = mirror->ApplyEvent(*body);
          ASSERT_TRUE(applied.ok()) << "step " << i << ": " << applied.ToString();
        }
      }
      const store::HashResult want = MustHash(workload.primary(), 0);
      for (MirrorStore* mirror : mirrors) {
        const store::HashResult got = MustHash(*mirror->Store(), 0);
        ASSERT_EQ(got.revision, want.revision) << "step " << i;
        ASSERT_EQ(got.hash, want.hash) << "step " << i;
        ASSERT_EQ(mirror->AppliedRevision(), want.revision == 1 ? 0 : want.revision);
      }
    }
  }

  // Expects `attempt` to fail with `code` and leave the mirror as it was.
  template <typename Attempt>
  void ExpectRefused(MirrorStore& mirror, StatusCode code, std::string_view message,
                     Attempt attempt) {
    const int64_t revision = mirror.AppliedRevision();
    const store::HashResult hash = MustHash(*mirror.Store(), 0);
    Status status = attempt();
    EXPECT_EQ(status.code(), code) << status.ToString();
    EXPECT_NE(status.message().find(message), std::string::npos) << status.ToString();
    EXPECT_EQ(mirror.AppliedRevision(), revision);
    const store::HashResult after = MustHash(*mirror.Store(), 0);
    EXPECT_EQ(after.hash, hash.hash);
    EXPECT_EQ(after.revision, hash.revision);
  }

  TempDir dir_{"shadekv-mirror-"};
};

TEST_F(MirrorStoreTest, NewMirrorReportsZeroAndTakesThePrimarysFirstEvent) {
  auto mirror = MustOpen(MirrorDir());
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(mirror->AppliedRevision(), 0);
  EXPECT_EQ(mirror->Store()->CurrentRevision(), 1);
  PrimaryWorkload workload(dir_.Sub("primary"), 1, /*compactions=*/false);
  std::optional<std::string> body;
  for (int i = 0; i < 100 && !body.has_value(); ++i) body = workload.Step();
  ASSERT_TRUE(body.has_value());
  ASSERT_EQ(workload.primary().CurrentRevision(), 2);
  ASSERT_TRUE(mirror->ApplyEvent(*body).ok());
  EXPECT_EQ(mirror->AppliedRevision(), 2);
}

TEST_F(MirrorStoreTest, RandomWorkloadMirrorsThePrimaryExactly) {
  for (uint64_t seed : {7u, 2024u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TempDir run_dir("shadekv-mirror-run-");
    PrimaryWorkload workload(run_dir.Sub("primary"), seed);
    auto mirror = MustOpen(run_dir.Sub("mirror"));
    ASSERT_NE(mirror, nullptr);
    Run(workload, 600, {mirror.get()});
    const int64_t compacted = workload.primary().CompactRevision();
    EXPECT_GT(compacted, 1) << "the workload should have compacted";
    ExpectSameHistory(workload.primary(), *mirror->Store(), std::max<int64_t>(compacted, 1),
                      workload.bodies());
    // The mirror keeps the history the primary compacted away, bodies included.
    Result<std::vector<store::ChangeEvent>> all =
        mirror->Store()->Changes(1, mirror->Store()->CurrentRevision(), 1 << 30);
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->size(), workload.bodies().size());
    for (const store::ChangeEvent& event : *all) {
      EXPECT_EQ(event.annotation, workload.bodies().at(event.revision));
    }
  }
}

TEST_F(MirrorStoreTest, SnapshotInstallMidwayThenEventsMirrorsThePrimary) {
  PrimaryWorkload workload(dir_.Sub("primary"), 99);
  auto live = MustOpen(MirrorDir("live"));
  auto late = MustOpen(MirrorDir("late"));
  ASSERT_TRUE(live && late);
  Run(workload, 300, {live.get()});
  // The primary compacts everything up to now: `late` can only join by snapshot.
  const int64_t current = workload.primary().CurrentRevision();
  workload.CompactAll();
  int64_t revision = 0;
  const std::string snapshot = Snapshot(workload.primary(), &revision);
  ASSERT_EQ(revision, current);
  std::shared_ptr<const store::MvccStore> before = late->Store();
  ASSERT_TRUE(late->InstallSnapshot(revision, snapshot).ok());
  EXPECT_EQ(late->AppliedRevision(), revision);
  EXPECT_EQ(before->CurrentRevision(), 1);  // a reader of the old store keeps it
  before.reset();
  EXPECT_EQ(MustHash(*late->Store(), 0).hash, MustHash(workload.primary(), 0).hash);
  for (int i = 0; i < 250; ++i) {
    std::optional<std::string> body = workload.Step();
    if (!body.has_value()) continue;
    ASSERT_TRUE(live->ApplyEvent(*body).ok());
    ASSERT_TRUE(late->ApplyEvent(*body).ok());
    ASSERT_EQ(MustHash(*late->Store(), 0).hash, MustHash(workload.primary(), 0).hash);
  }
  const int64_t from = std::max(workload.primary().CompactRevision(), revision);
  ExpectSameHistory(workload.primary(), *late->Store(), from, workload.bodies());
  ExpectSameHistory(workload.primary(), *live->Store(), from, workload.bodies());
  // The old generation's directory went with its last reader.
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(MirrorDir("late"))) {
    names.insert(entry.path().filename().string());
  }
  EXPECT_EQ(names, (std::set<std::string>{"CURRENT", "store-2"}));
}

TEST_F(MirrorStoreTest, RefusesDuplicatesGapsAndBadBodiesChangingNothing) {
  PrimaryWorkload workload(dir_.Sub("primary"), 5, /*compactions=*/false);
  auto mirror = MustOpen(MirrorDir());
  ASSERT_NE(mirror, nullptr);
  std::vector<std::string> bodies;
  for (int i = 0; i < 200 && bodies.size() < 6; ++i) {
    if (std::optional<std::string> body = workload.Step()) bodies.push_back(*body);
  }
  ASSERT_EQ(bodies.size(), 6u);
  for (size_t i = 0; i < 3; ++i) ASSERT_TRUE(mirror->ApplyEvent(bodies[i]).ok());
  ASSERT_EQ(mirror->AppliedRevision(), 4);
  ExpectRefused(*mirror, StatusCode::kFailedPrecondition, "mirrored revision 4",
                [&] { return mirror->ApplyEvent(bodies[2]); });
  ExpectRefused(*mirror, StatusCode::kFailedPrecondition, "mirrored revision 2",
                [&] { return mirror->ApplyEvent(bodies[0]); });
  ExpectRefused(*mirror, StatusCode::kFailedPrecondition, "mirrored revision 6",
                [&] { return mirror->ApplyEvent(bodies[4]); });
  ExpectRefused(*mirror, StatusCode::kInvalidArgument, "EVENT",
                [&] { return mirror->ApplyEvent("definitely not msgpack"); });
  ExpectRefused(*mirror, StatusCode::kInvalidArgument, "EVENT",
                [&] { return mirror->ApplyEvent(""); });
  for (size_t cut : {size_t{1}, size_t{5}, bodies[3].size() / 2, bodies[3].size() - 1}) {
    ExpectRefused(*mirror, StatusCode::kInvalidArgument, "EVENT",
                  [&] { return mirror->ApplyEvent(std::string_view(bodies[3]).substr(0, cut)); });
  }
  ExpectRefused(*mirror, StatusCode::kInvalidArgument, "EVENT",
                [&] { return mirror->ApplyEvent(bodies[3] + "x"); });
  const std::string heartbeat = bus::EncodeHeartbeat(bus::Heartbeat{1, 2, 3, 0, "tcp://x", 1000});
  ExpectRefused(*mirror, StatusCode::kInvalidArgument, "",
                [&] { return mirror->ApplyEvent(heartbeat); });
  // An event that does not follow from the mirror's state: divergence.
  Result<bus::ChangeEvent> next = bus::DecodeEvent(bodies[3]);
  ASSERT_TRUE(next.ok());
  bus::ChangeEvent forged = *next;
  forged.changes.front().kv.mod_revision += 1;
  ExpectRefused(*mirror, StatusCode::kDataLoss, "mirror diverged at revision 5",
                [&] { return mirror->ApplyEvent(bus::EncodeEvent(forged)); });
  forged = *next;
  forged.changes.clear();
  ExpectRefused(*mirror, StatusCode::kDataLoss, "mirror diverged at revision 5",
                [&] { return mirror->ApplyEvent(bus::EncodeEvent(forged)); });
  // After all that, the right next events still apply.
  for (size_t i = 3; i < bodies.size(); ++i) ASSERT_TRUE(mirror->ApplyEvent(bodies[i]).ok());
  EXPECT_EQ(MustHash(*mirror->Store(), 0).hash, MustHash(workload.primary(), 0).hash);
  ExpectSameHistory(workload.primary(), *mirror->Store(), 1, workload.bodies());
}

TEST_F(MirrorStoreTest, OwnCompactionKeepsMirroringAndRefusesBadRevisions) {
  PrimaryWorkload workload(dir_.Sub("primary"), 31, /*compactions=*/false);
  auto mirror = MustOpen(MirrorDir());
  ASSERT_NE(mirror, nullptr);
  Run(workload, 120, {mirror.get()});
  const int64_t keep_from = mirror->AppliedRevision() - 10;
  ASSERT_GT(keep_from, 2);
  ExpectRefused(*mirror, StatusCode::kOutOfRange, "future revision",
                [&] { return mirror->Compact(mirror->AppliedRevision() + 1); });
  ASSERT_TRUE(mirror->Compact(keep_from).ok());
  ExpectRefused(*mirror, StatusCode::kOutOfRange, "compacted",
                [&] { return mirror->Compact(keep_from); });
  bool done = false;
  for (int i = 0; i < 10000 && !done; ++i) {
    Result<bool> step = mirror->CompactStep(16);
    ASSERT_TRUE(step.ok()) << step.status().ToString();
    done = *step;
  }
  EXPECT_TRUE(done);
  EXPECT_EQ(mirror->Store()->HashKv(keep_from - 1).status().code(), StatusCode::kOutOfRange);
  Run(workload, 80, {mirror.get()});
  ExpectSameHistory(workload.primary(), *mirror->Store(), keep_from, workload.bodies());
}

TEST_F(MirrorStoreTest, BadSnapshotKeepsTheOldStoreReadable) {
  PrimaryWorkload workload(dir_.Sub("primary"), 11, /*compactions=*/false);
  auto mirror = MustOpen(MirrorDir());
  ASSERT_NE(mirror, nullptr);
  Run(workload, 60, {mirror.get()});
  // A different primary state to offer as a snapshot.
  PrimaryWorkload other(dir_.Sub("other"), 12, /*compactions=*/false);
  for (int i = 0; i < 80; ++i) other.Step();
  int64_t revision = 0;
  const std::string good = Snapshot(other.primary(), &revision);
  ASSERT_GT(good.size(), 200u);
  std::string flipped = good;
  flipped[flipped.size() / 2] ^= 0x40;
  ExpectRefused(*mirror, StatusCode::kDataLoss, "snapshot",
                [&] { return mirror->InstallSnapshot(revision, flipped); });
  for (size_t cut : {size_t{0}, size_t{10}, good.size() / 2, good.size() - 1}) {
    ExpectRefused(*mirror, StatusCode::kDataLoss, "truncated", [&] {
      return mirror->InstallSnapshot(revision, std::string_view(good).substr(0, cut));
    });
  }
  ExpectRefused(*mirror, StatusCode::kInvalidArgument, "",
                [&] { return mirror->InstallSnapshot(revision, std::string(300, 'x')); });
  ExpectRefused(*mirror, StatusCode::kInvalidArgument, "holds revision",
                [&] { return mirror->InstallSnapshot(revision + 1, good); });
  // Still the primary's mirror, still taking its events, no leftovers on disk.
  Run(workload, 20, {mirror.get()});
  std::set<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(MirrorDir())) {
    names.insert(entry.path().filename().string());
  }
  EXPECT_EQ(names, (std::set<std::string>{"CURRENT", "store-1"}));
  // And the good snapshot does replace it.
  ASSERT_TRUE(mirror->InstallSnapshot(revision, good).ok());
  EXPECT_EQ(mirror->AppliedRevision(), revision);
  EXPECT_EQ(MustHash(*mirror->Store(), 0).hash, MustHash(other.primary(), 0).hash);
}

TEST_F(MirrorStoreTest, ReopenKeepsRevisionHashAndSnapshotGeneration) {
  PrimaryWorkload workload(dir_.Sub("primary"), 3);
  {
    auto mirror = MustOpen(MirrorDir());
    ASSERT_NE(mirror, nullptr);
    Run(workload, 150, {mirror.get()});
  }
  auto mirror = MustOpen(MirrorDir());
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(mirror->AppliedRevision(), workload.primary().CurrentRevision());
  EXPECT_EQ(MustHash(*mirror->Store(), 0).hash, MustHash(workload.primary(), 0).hash);
  Run(workload, 50, {mirror.get()});
  int64_t revision = 0;
  const std::string snapshot = Snapshot(workload.primary(), &revision);
  ASSERT_TRUE(mirror->InstallSnapshot(revision, snapshot).ok());
  mirror.reset();
  mirror = MustOpen(MirrorDir());
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(mirror->AppliedRevision(), revision);
  EXPECT_EQ(MustHash(*mirror->Store(), 0).hash, MustHash(workload.primary(), 0).hash);
  Run(workload, 30, {mirror.get()});
}

TEST_F(MirrorStoreTest, SnapshotOfAnEmptyPrimaryStandsAtRevisionOneAcrossReopen) {
  TempDir primary_dir("shadekv-mirror-empty-");
  auto empty = store::MvccStore::Open(primary_dir.Sub("kv"));
  ASSERT_TRUE(empty.ok());
  int64_t revision = 0;
  const std::string snapshot = Snapshot(**empty, &revision);
  ASSERT_EQ(revision, 1);
  {
    auto mirror = MustOpen(MirrorDir());
    ASSERT_NE(mirror, nullptr);
    ASSERT_EQ(mirror->AppliedRevision(), 0);
    ASSERT_TRUE(mirror->InstallSnapshot(1, snapshot).ok());
    EXPECT_EQ(mirror->AppliedRevision(), 1);
  }
  auto mirror = MustOpen(MirrorDir());
  ASSERT_NE(mirror, nullptr);
  EXPECT_EQ(mirror->AppliedRevision(), 1);
  EXPECT_EQ(MustHash(*mirror->Store(), 0).hash, MustHash(**empty, 0).hash);
}

TEST_F(MirrorStoreTest, SecondOpenIsRefusedAndTouchesNothing) {
  auto mirror = MustOpen(MirrorDir());
  ASSERT_NE(mirror, nullptr);
  // As if the first owner were installing a snapshot right now.
  std::filesystem::create_directories(MirrorDir() + "/store-2.restoring");
  Result<std::unique_ptr<MirrorStore>> second = MirrorStore::Open(MirrorDir());
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(std::filesystem::exists(MirrorDir() + "/store-2.restoring"));
  EXPECT_EQ(mirror->AppliedRevision(), 0);
}

TEST_F(MirrorStoreTest, OpenRefusesADamagedCurrentFileAndCleansLeftovers) {
  {
    auto mirror = MustOpen(MirrorDir());
    ASSERT_NE(mirror, nullptr);
  }
  // Leftovers of an install interrupted by a crash.
  std::filesystem::create_directories(MirrorDir() + "/store-2.restoring");
  std::filesystem::create_directories(MirrorDir() + "/store-2");
  {
    auto mirror = MustOpen(MirrorDir());
    ASSERT_NE(mirror, nullptr);
    EXPECT_FALSE(std::filesystem::exists(MirrorDir() + "/store-2"));
    EXPECT_FALSE(std::filesystem::exists(MirrorDir() + "/store-2.restoring"));
  }
  for (std::string content :
       {"", "store-\n", "store-x1\n", "store-1", "garbage\n", "store-99999999999999999999999\n"}) {
    {
      std::ofstream out(MirrorDir() + "/CURRENT", std::ios::trunc);
      out << content;
    }
    Result<std::unique_ptr<MirrorStore>> opened = MirrorStore::Open(MirrorDir());
    ASSERT_FALSE(opened.ok()) << content;
    EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss) << opened.status().ToString();
  }
  {
    std::ofstream out(MirrorDir() + "/CURRENT", std::ios::trunc);
    out << "store-7\n";
  }
  Result<std::unique_ptr<MirrorStore>> opened = MirrorStore::Open(MirrorDir());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(opened.status().message().find("store-7"), std::string::npos);
  // Nothing was deleted by the refused opens: store-1 is still there.
  EXPECT_TRUE(std::filesystem::exists(MirrorDir() + "/store-1"));
}

}  // namespace
}  // namespace shadekv::mirror::testing
