// MirrorConsumer: what a bus::Subscriber hands over reaches the MirrorStore,
// and a revision that is not the mirror's next one is refused.
#include "shadekv/mirror/mirror_consumer.h"

#include <gtest/gtest.h>

#include "tests/mirror/mirror_test_util.h"
#include "tests/mirror/primary_workload.h"
#include "tests/store/temp_dir.h"

namespace shadekv::mirror::testing {
namespace {

TEST(MirrorConsumerTest, SnapshotThenEventsInSubscriberOrder) {
  store::testing::TempDir dir("shadekv-mirror-consumer-");
  PrimaryWorkload workload(dir.Sub("primary"), 17, /*compactions=*/false);
  for (int i = 0; i < 40; ++i) workload.Step();
  auto mirror = MustOpen(dir.Sub("mirror"));
  ASSERT_NE(mirror, nullptr);
  MirrorConsumer consumer(mirror.get());
  bus::SubscriberConsumer& as_consumer = consumer;

  int64_t revision = 0;
  const std::string snapshot = Snapshot(workload.primary(), &revision);
  // A new mirror (A = 0) is handed revision 1 only, never the first EVENT.
  const std::string first = workload.bodies().begin()->second;
  EXPECT_EQ(as_consumer.ApplyEvent(2, first).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(mirror->AppliedRevision(), 0);
  ASSERT_TRUE(as_consumer.InstallSnapshot(revision, snapshot).ok());
  EXPECT_EQ(mirror->AppliedRevision(), revision);

  std::vector<std::pair<int64_t, std::string>> next;
  for (int i = 0; i < 200 && next.size() < 5; ++i) {
    if (std::optional<std::string> body = workload.Step()) {
      next.emplace_back(workload.primary().CurrentRevision(), *body);
    }
  }
  ASSERT_EQ(next.size(), 5u);
  // Handed the wrong number: refused before anything is applied.
  EXPECT_EQ(as_consumer.ApplyEvent(next[0].first + 1, next[0].second).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(mirror->AppliedRevision(), revision);
  for (const auto& [rev, body] : next) {
    Status applied = as_consumer.ApplyEvent(rev, body);
    ASSERT_TRUE(applied.ok()) << applied.ToString();
  }
  EXPECT_EQ(mirror->AppliedRevision(), workload.primary().CurrentRevision());
  EXPECT_EQ(MustHash(*mirror->Store(), 0).hash, MustHash(workload.primary(), 0).hash);
  // A garbage body at the right number: the codec's error, nothing changes.
  const int64_t at = mirror->AppliedRevision();
  EXPECT_EQ(as_consumer.ApplyEvent(at + 1, "junk").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(mirror->AppliedRevision(), at);
}

}  // namespace
}  // namespace shadekv::mirror::testing
