// The agent's HostServices on a real KvStateMachine (LevelDB in a temp dir):
// history rebuilt as bus EVENT bytes identical to the live ones, compaction
// and cancellation errors, snapshot export, revisions, and the not-attached
// state.
#include "agent/server/agent_host_services.h"

#include <gtest/gtest.h>

#include "agent/server/event_envelope.h"
#include "shadekv/bus/codec.h"
#include "tests/store/temp_dir.h"

namespace shadekv::agent {
namespace {

using store::testing::TempDir;

class AgentHostServicesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::unique_ptr<KvStateMachine>> sm = KvStateMachine::Open(dir_.Sub("kv"));
    ASSERT_TRUE(sm.ok()) << sm.status().ToString();
    sm_ = std::move(sm).value();
    // What the agent's apply thread publishes.
    sm_->SetEventListener([this](const store::ChangeEvent& event, const RaftEntry& entry) {
      live_.push_back(EncodeLiveEvent(event, EnvelopeOf(entry)));
    });
    services_.Attach(sm_.get());
  }

  void Apply(EntryOp op) {
    RaftEntry entry;
    entry.request_id = 1000 + ++index_;
    entry.origin = 77;
    entry.user = "user" + std::to_string(index_);
    entry.client_address = "127.0.0.1:" + std::to_string(40000 + index_);
    entry.leader_time_ms = 1763700000000 + static_cast<int64_t>(index_);
    entry.op = std::move(op);
    Result<AppliedEntry> applied = sm_->Apply(index_, EncodeRaftEntry(entry));
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    ASSERT_TRUE(applied->result.ok()) << applied->result.status().ToString();
  }
  void Put(std::string key, std::string value) {
    store::PutRequest put;
    put.key = std::move(key);
    put.value = std::move(value);
    Apply(put);
  }

  // Every history event from `from`, in batches of `batch`.
  std::vector<std::string> ReadAll(int64_t from, uint32_t batch) {
    std::vector<std::string> out;
    for (int round = 0; round < 1000; ++round) {
      Result<int64_t> next =
          services_.ReadHistory(from, batch, [&](int64_t revision, std::string_view bytes) {
            EXPECT_GE(revision, from);
            out.emplace_back(bytes);
            return true;
          });
      EXPECT_TRUE(next.ok()) << next.status().ToString();
      if (!next.ok() || *next == from) break;
      from = *next;
    }
    return out;
  }

  TempDir dir_{"shadekv-host-services-"};
  std::unique_ptr<KvStateMachine> sm_;
  AgentHostServices services_;
  uint64_t index_ = 0;
  std::vector<std::string> live_;
};

TEST_F(AgentHostServicesTest, HistoryIsByteIdenticalToTheLiveEvents) {
  Put("a", "1");
  Put("b", "2");
  Put("a", "3");
  store::DeleteRangeRequest del;
  del.key = "a";
  del.range_end = "c";
  Apply(del);
  store::TxnRequest txn;
  store::PutRequest put;
  put.key = "t";
  put.value = "x";
  txn.success.push_back(store::RequestOp{put});
  Apply(txn);
  ASSERT_EQ(live_.size(), 5u);
  EXPECT_EQ(ReadAll(2, 2), live_);
  EXPECT_EQ(ReadAll(0, 100), live_);  // below 1 reads as 1

  Result<bus::ChangeEvent> event = bus::DecodeEvent(live_[3]);
  ASSERT_TRUE(event.ok()) << event.status().ToString();
  EXPECT_EQ(event->revision, 5);
  EXPECT_EQ(event->member_id, 77u);
  EXPECT_EQ(event->request_id, 1004u);
  EXPECT_EQ(event->user, "user4");
  EXPECT_EQ(event->client_address, "127.0.0.1:40004");
  EXPECT_EQ(event->leader_time_ms, 1763700000004);
  ASSERT_EQ(event->changes.size(), 2u);
  EXPECT_EQ(event->changes[0].type, store::KeyChange::Type::kDelete);
  ASSERT_TRUE(event->changes[0].prev_kv.has_value());
  EXPECT_EQ(event->changes[0].prev_kv->value, "3");
}

TEST_F(AgentHostServicesTest, ReadHistoryNextRevisionAndEmptyReads) {
  Put("a", "1");
  Put("a", "2");
  int calls = 0;
  auto count = [&](int64_t, std::string_view) { return ++calls, true; };
  Result<int64_t> next = services_.ReadHistory(2, 1, count);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 3);
  EXPECT_EQ(calls, 1);
  next = services_.ReadHistory(4, 10, count);  // beyond the current revision
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 4);
  next = services_.ReadHistory(2, 0, count);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(*next, 2);
  EXPECT_EQ(calls, 1);
}

TEST_F(AgentHostServicesTest, CompactedStartIsOutOfRangeAndTheBoundaryIsReadable) {
  for (int i = 0; i < 6; ++i) Put("k", std::to_string(i));  // revisions 2..7
  Apply(store::CompactionRequest{5, false});
  auto keep = [](int64_t, std::string_view) { return true; };
  Result<int64_t> below = services_.ReadHistory(4, 10, keep);
  EXPECT_EQ(below.status().code(), StatusCode::kOutOfRange) << below.status().ToString();
  EXPECT_EQ(services_.ReadHistory(1, 0, keep).status().code(), StatusCode::kOutOfRange);
  std::vector<std::string> from_boundary = ReadAll(5, 2);
  ASSERT_EQ(from_boundary.size(), 3u);
  // Revision 5 keeps its envelope but not its prev_kv (revision 4 is
  // compacted), whether or not the background compactor has deleted it yet.
  Result<bus::ChangeEvent> boundary = bus::DecodeEvent(from_boundary[0]);
  ASSERT_TRUE(boundary.ok()) << boundary.status().ToString();
  EXPECT_EQ(boundary->revision, 5);
  EXPECT_EQ(boundary->user, "user4");
  ASSERT_EQ(boundary->changes.size(), 1u);
  EXPECT_FALSE(boundary->changes[0].prev_kv.has_value());
  EXPECT_EQ(from_boundary[1], live_[4]);
  EXPECT_EQ(from_boundary[2], live_[5]);
}

TEST_F(AgentHostServicesTest, SinkStoppingEarlyIsCancelled) {
  Put("a", "1");
  Put("a", "2");
  Result<int64_t> stopped =
      services_.ReadHistory(2, 10, [](int64_t, std::string_view) { return false; });
  EXPECT_EQ(stopped.status().code(), StatusCode::kCancelled) << stopped.status().ToString();
  Result<int64_t> snapshot =
      services_.ExportSnapshot([](int64_t, std::string_view) { return false; });
  EXPECT_EQ(snapshot.status().code(), StatusCode::kCancelled) << snapshot.status().ToString();
}

TEST_F(AgentHostServicesTest, SnapshotExportRestoresToTheSameStoreAndRevision) {
  for (int i = 0; i < 50; ++i) Put("key/" + std::to_string(i), std::string(3000, 'v'));
  std::string bytes;
  int64_t chunk_revision = -1;
  Result<int64_t> revision = services_.ExportSnapshot([&](int64_t r, std::string_view chunk) {
    chunk_revision = r;
    EXPECT_LE(chunk.size(), store::kSnapshotChunkBytes);
    bytes.append(chunk);
    return true;
  });
  ASSERT_TRUE(revision.ok()) << revision.status().ToString();
  EXPECT_EQ(*revision, 51);
  EXPECT_EQ(chunk_revision, 51);
  size_t offset = 0;
  const std::string target = dir_.Sub("restored");
  Status restored = store::MvccStore::RestoreFromSnapshot(
      target, [&](char* buffer, size_t capacity) -> Result<size_t> {
        const size_t n = std::min(capacity, bytes.size() - offset);
        std::copy_n(bytes.data() + offset, n, buffer);
        offset += n;
        return n;
      });
  ASSERT_TRUE(restored.ok()) << restored.ToString();
  auto store = store::MvccStore::Open(target);
  ASSERT_TRUE(store.ok());
  auto hash = (*store)->HashKv(0);
  auto original = sm_->HashKv(0);
  ASSERT_TRUE(hash.ok() && original.ok());
  EXPECT_EQ(hash->hash, original->hash);
  EXPECT_EQ(hash->revision, 51);
}

TEST_F(AgentHostServicesTest, RevisionsFollowTheStore) {
  Put("a", "1");
  Put("a", "2");
  Apply(store::CompactionRequest{2, false});
  Result<plugin_host::HostServices::Revisions> revisions = services_.CurrentRevisions();
  ASSERT_TRUE(revisions.ok());
  EXPECT_EQ(revisions->current, 3);
  EXPECT_EQ(revisions->compact, 2);
}

TEST(AgentHostServicesDetachedTest, EveryCallIsUnavailableBeforeAttach) {
  AgentHostServices services;
  EXPECT_EQ(services.CurrentRevisions().status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(
      services.ReadHistory(1, 1, [](int64_t, std::string_view) { return true; }).status().code(),
      StatusCode::kUnavailable);
  EXPECT_EQ(services.ExportSnapshot([](int64_t, std::string_view) { return true; }).status().code(),
            StatusCode::kUnavailable);
}

TEST(AgentHostServicesDetachedTest, IdentityIsUnavailableUntilSetThenExact) {
  AgentHostServices services;
  EXPECT_EQ(services.MemberIdentity().status().code(), StatusCode::kUnavailable);
  services.SetIdentity(0xabc, 0x123);
  auto identity = services.MemberIdentity();
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->member_id, 0xabcu);
  EXPECT_EQ(identity->cluster_id, 0x123u);
}

TEST(AgentHostServicesCodecTest, DamagedEnvelopeIsDataLossNamingTheRevision) {
  store::ChangeEvent event;
  event.revision = 9;
  event.annotation = "not msgpack \xc1";
  Result<std::string> bytes = EncodeHistoryEvent(event);
  EXPECT_EQ(bytes.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(bytes.status().message().find("revision 9"), std::string::npos);
}

}  // namespace
}  // namespace shadekv::agent
