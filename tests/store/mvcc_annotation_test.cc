// Per-revision annotations (WriteRequest::annotation): stored with the
// revision an entry makes, returned by Apply and Changes, deleted by
// compaction, carried by snapshots and kept across reopen.
#include <gtest/gtest.h>

#include <memory>

#include "shadekv/store/mvcc_store.h"
#include "tests/store/mvcc_test_util.h"

namespace shadekv::store {
namespace {

using testing::DelReq;
using testing::PutReq;

class MvccAnnotationTest : public testing::MvccFixture {
 protected:
  // Applies `op` with `annotation`; expects success; returns its event.
  template <typename Op>
  ChangeEvent Annotated(Op op, std::string annotation) {
    WriteRequest request;
    request.op = std::move(op);
    request.annotation = std::move(annotation);
    Result<ApplyResult> result = Apply(std::move(request));
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? result->event : ChangeEvent{};
  }

  // Every event from revision `from` on (all of them).
  std::vector<ChangeEvent> History(int64_t from) {
    Result<std::vector<ChangeEvent>> events =
        store_->Changes(from - 1, store_->CurrentRevision(), 1000);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? std::move(events).value() : std::vector<ChangeEvent>{};
  }
};

TEST_F(MvccAnnotationTest, RoundTripsThroughApplyAndChanges) {
  const std::string binary("who\0when\xff", 9);
  ChangeEvent first = Annotated(PutReq("a", "1"), binary);
  EXPECT_EQ(first.revision, 2);
  EXPECT_EQ(first.annotation, binary);
  Annotated(PutReq("b", "2"), "second");
  Put("c", "3");  // no annotation at all

  std::vector<ChangeEvent> events = History(2);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].annotation, binary);
  EXPECT_EQ(events[1].revision, 3);
  EXPECT_EQ(events[1].annotation, "second");
  EXPECT_EQ(events[2].annotation, "");
  ASSERT_EQ(events[0].changes.size(), 1u);
  EXPECT_EQ(events[0].changes[0].kv.key, "a");
}

TEST_F(MvccAnnotationTest, NothingIsStoredForEntriesWithoutARevision) {
  Put("a", "1");  // revision 2
  // A delete of nothing, a failed put and a compaction make no revision.
  EXPECT_EQ(Annotated(DelReq("missing"), "delete-nothing").annotation, "");
  WriteRequest failing;
  failing.op = PutReq("", "empty key");
  failing.annotation = "failed";
  EXPECT_EQ(Apply(failing).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Annotated(CompactionRequest{2, false}, "compaction").annotation, "");
  EXPECT_EQ(store_->CurrentRevision(), 2);
  // The next revision must not inherit any of them.
  ChangeEvent next = Annotated(PutReq("b", "2"), "");
  EXPECT_EQ(next.revision, 3);
  std::vector<ChangeEvent> events = History(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].annotation, "");
  EXPECT_EQ(events[1].annotation, "");
}

TEST_F(MvccAnnotationTest, CompactionDeletesAnnotationsBelowItsRevision) {
  for (int i = 0; i < 10; ++i)
    Annotated(PutReq("k", std::to_string(i)), "rev" + std::to_string(i + 2));
  // Revisions 2..11; compact at 7 keeps the annotation of 7 (a watch may
  // start there) and deletes those of 2..6.
  Compact(7);
  CompactFully();
  std::vector<ChangeEvent> events = History(7);
  ASSERT_EQ(events.size(), 5u);
  for (const ChangeEvent& event : events) {
    EXPECT_EQ(event.annotation, "rev" + std::to_string(event.revision));
  }
  // Read below the compaction through a fresh snapshot export: no annotation
  // of revisions 2..6 survives anywhere in the keyspace.
  std::string exported;
  ASSERT_TRUE(store_
                  ->ExportSnapshot([&](std::string_view chunk) {
                    exported.append(chunk);
                    return Status::Ok();
                  })
                  .ok());
  for (int revision = 2; revision < 7; ++revision) {
    EXPECT_EQ(exported.find("rev" + std::to_string(revision)), std::string::npos) << revision;
  }
  for (int revision = 7; revision <= 11; ++revision) {
    EXPECT_NE(exported.find("rev" + std::to_string(revision)), std::string::npos) << revision;
  }
}

TEST_F(MvccAnnotationTest, SnapshotCarriesAnnotations) {
  Annotated(PutReq("a", "1"), "first");
  Annotated(PutReq("b", "2"), "second");
  Annotated(DelReq("a"), "third");
  std::string bytes;
  ASSERT_TRUE(store_
                  ->ExportSnapshot([&](std::string_view chunk) {
                    bytes.append(chunk);
                    return Status::Ok();
                  })
                  .ok());
  size_t position = 0;
  const std::string target = dir_.Sub("restored");
  Status restored =
      MvccStore::RestoreFromSnapshot(target, [&](char* buffer, size_t capacity) -> Result<size_t> {
        const size_t n = std::min(capacity, bytes.size() - position);
        std::copy_n(bytes.data() + position, n, buffer);
        position += n;
        return n;
      });
  ASSERT_TRUE(restored.ok()) << restored.ToString();
  auto store = MvccStore::Open(target);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto events = (*store)->Changes(1, 4, 10);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[0].annotation, "first");
  EXPECT_EQ((*events)[1].annotation, "second");
  EXPECT_EQ((*events)[2].annotation, "third");
}

TEST_F(MvccAnnotationTest, ReopenKeepsAnnotations) {
  Annotated(PutReq("a", "1"), "before reopen");
  Open();
  Annotated(PutReq("a", "2"), "after reopen");
  std::vector<ChangeEvent> events = History(2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].annotation, "before reopen");
  EXPECT_EQ(events[1].annotation, "after reopen");
}

}  // namespace
}  // namespace shadekv::store
