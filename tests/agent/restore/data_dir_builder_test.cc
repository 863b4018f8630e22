// BuildMemberDataDir and RewriteSnapshot on real LevelDB stores in temp
// dirs: what the data dir holds (keys, revisions, history, membership,
// leases, Raft marker, identity), the cut and bump options, and every
// refusal leaving nothing behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/restore/annotation_convert.h"
#include "agent/restore/data_dir_builder.h"
#include "agent/restore/snapshot_rewrite.h"
#include "agent/server/event_envelope.h"
#include "agent/server/member_directory.h"
#include "shadekv/bus/codec.h"
#include "shadekv/store/mvcc_store.h"
#include "shadekv/store/raft_log_store.h"
#include "tests/store/temp_dir.h"

namespace shadekv::restore {
namespace {

using store::testing::TempDir;
namespace fs = std::filesystem;

const std::string kAll(1, '\0');

// A source store with history: puts, overwrites, a delete, a txn, a key on a
// lease, the old cluster's member directory and a lease record in meta.
class SourceStore {
 public:
  explicit SourceStore(const std::string& dir) {
    auto opened = store::MvccStore::Open(dir);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    for (int i = 0; i < 30; ++i) Put("key/" + std::to_string(i % 12), "v" + std::to_string(i), 0);
    Put("leased", "x", 0x1234);
    store::WriteRequest del;
    del.op = store::DeleteRangeRequest{"key/3", "", false};
    Apply(del);
    store::WriteRequest meta;
    meta.meta.push_back({"members/00000000000000aa", "{\"ID\":\"170\"}"});
    meta.meta.push_back({"lease/0000000000001234", "lease-record-bytes"});
    Apply(meta);
    Put("key/last", "end", 0);
  }
  void Put(const std::string& key, const std::string& value, int64_t lease) {
    store::WriteRequest request;
    store::PutRequest put;
    put.key = key;
    put.value = value;
    put.lease = lease;
    request.op = put;
    bus::EventOrigin origin;
    origin.member_id = 0xaa;
    origin.request_id = index_ + 1;
    origin.user = "root";
    origin.client_address = "127.0.0.1:5000";
    request.annotation = agent::EncodeEventEnvelope(origin);
    Apply(request);
  }
  void Apply(const store::WriteRequest& request) {
    Result<store::ApplyResult> applied = store_->Apply(request, ++index_);
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  }
  void Compact(int64_t revision) {
    store::WriteRequest request;
    request.op = store::CompactionRequest{revision, false};
    Apply(request);
    for (int i = 0; i < 1000; ++i) {
      Result<bool> done = store_->CompactStep(100);
      ASSERT_TRUE(done.ok());
      if (*done) break;
    }
  }
  void ExportTo(const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    ASSERT_TRUE(store_
                    ->ExportSnapshot([&](std::string_view chunk) {
                      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
                      return Status::Ok();
                    })
                    .ok());
  }
  store::MvccStore& store() { return *store_; }
  uint64_t index() const { return index_; }

 private:
  std::unique_ptr<store::MvccStore> store_;
  uint64_t index_ = 0;
};

store::RangeResponse RangeAt(const store::MvccStore& s, int64_t revision) {
  store::RangeRequest all;
  all.key = kAll;
  all.range_end = kAll;
  all.revision = revision;
  Result<store::RangeResponse> r = s.Range(all);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : store::RangeResponse{};
}

NewClusterSpec ThreeMembers(const std::string& name) {
  NewClusterSpec spec;
  spec.name = name;
  spec.initial_cluster = "a=tcp://127.0.0.1:27501,b=tcp://127.0.0.1:27502,c=tcp://127.0.0.1:27503";
  spec.token = "restored-cluster";
  return spec;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

TEST(DataDirBuilder, RestoresEveryRevisionAndReplacesMembership) {
  TempDir tmp;
  SourceStore source(tmp.Sub("src"));
  source.ExportTo(tmp.Sub("snap"));
  const std::string out = tmp.Sub("member-b");
  Result<BuiltDataDir> built = BuildMemberDataDir(tmp.Sub("snap"), out, ThreeMembers("b"), {});
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  EXPECT_EQ(built->members, 3u);
  EXPECT_EQ(built->cluster_id, agent::ComputeClusterId("restored-cluster"));
  EXPECT_EQ(built->member_id,
            agent::ComputeMemberId({"tcp://127.0.0.1:27502"}, "restored-cluster"));
  EXPECT_EQ(built->raft_index, source.index() + 1);
  EXPECT_FALSE(fs::exists(out + "/restore-snapshot.tmp"));

  {
    auto kv = store::MvccStore::Open(out + "/kv");
    ASSERT_TRUE(kv.ok()) << kv.status().ToString();
    const store::MvccStore& restored = **kv;
    ASSERT_EQ(restored.CurrentRevision(), source.store().CurrentRevision());
    EXPECT_EQ(restored.AppliedIndex(), source.index() + 1);
    for (int64_t r = 1; r <= restored.CurrentRevision(); ++r) {
      EXPECT_EQ(RangeAt(restored, r).kvs, RangeAt(source.store(), r).kvs) << "revision " << r;
      EXPECT_EQ(restored.HashKv(r)->hash, source.store().HashKv(r)->hash);
    }
    auto changes = restored.Changes(0, restored.CurrentRevision(), 1000);
    ASSERT_TRUE(changes.ok());
    auto want = source.store().Changes(0, restored.CurrentRevision(), 1000);
    ASSERT_TRUE(want.ok());
    ASSERT_EQ(changes->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_EQ((*changes)[i].annotation, (*want)[i].annotation);
    }
    EXPECT_TRUE(agent::DecodeEventEnvelope(changes->back().annotation).ok());
    // The old member directory is gone, the new one is there; leases stay.
    auto members = restored.ScanMeta(agent::kMemberMetaPrefix);
    ASSERT_TRUE(members.ok());
    ASSERT_EQ(members->size(), 3u);
    std::set<std::string> names;
    for (const auto& [key, value] : *members) {
      auto record = agent::DecodeMemberRecord(value);
      ASSERT_TRUE(record.ok()) << value;
      EXPECT_EQ(key, agent::MemberMetaKey(record->id));
      names.insert(record->name);
    }
    EXPECT_EQ(names, (std::set<std::string>{"a", "b", "c"}));
    EXPECT_EQ(**restored.GetMeta("lease/0000000000001234"), "lease-record-bytes");
  }
  {
    auto log = store::RaftLogStore::Open(out + "/raft");
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ((*log)->LastIndex(), source.index() + 1);
    EXPECT_EQ((*log)->FirstIndex(), source.index() + 2);
    EXPECT_EQ((*log)->snapshot_meta().index, source.index() + 1);
    EXPECT_EQ((*log)->snapshot_meta().term, 1u);
    EXPECT_EQ((*log)->snapshot_meta().conf_state.voters.size(), 3u);
    EXPECT_EQ((*log)->hard_state().commit, source.index() + 1);
    EXPECT_EQ((*log)->hard_state().term, 1u);
    EXPECT_EQ(*(*log)->Term(source.index() + 1), 1u);
  }
  const std::string identity = ReadAll(out + "/member.json");
  EXPECT_NE(identity.find(std::to_string(built->member_id)), std::string::npos) << identity;
  EXPECT_NE(identity.find(std::to_string(built->cluster_id)), std::string::npos) << identity;
}

TEST(DataDirBuilder, BumpRevisionMarksTheOldRangeCompacted) {
  TempDir tmp;
  SourceStore source(tmp.Sub("src"));
  source.ExportTo(tmp.Sub("snap"));
  DataDirOptions options;
  options.bump_revision = 1000;
  options.mark_compacted = true;
  NewClusterSpec spec;
  spec.name = "solo";
  spec.initial_cluster = "solo=tcp://127.0.0.1:27510";
  spec.token = "bumped";
  Result<BuiltDataDir> built = BuildMemberDataDir(tmp.Sub("snap"), tmp.Sub("out"), spec, options);
  ASSERT_TRUE(built.ok()) << built.status().ToString();
  const int64_t old = source.store().CurrentRevision();
  EXPECT_EQ(built->revision, old + 1000);
  EXPECT_EQ(built->compact_revision, old + 1000);
  auto kv = store::MvccStore::Open(tmp.Sub("out") + "/kv");
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ((*kv)->CurrentRevision(), old + 1000);
  EXPECT_EQ(RangeAt(**kv, 0).kvs, RangeAt(source.store(), 0).kvs);
  store::RangeRequest at_old;
  at_old.key = "key/1";
  at_old.revision = old;
  EXPECT_EQ((*kv)->Range(at_old).status().code(), StatusCode::kOutOfRange);
}

TEST(SnapshotRewrite, CutKeepsExactlyTheStateAndHistoryUpToTheRevision) {
  TempDir tmp;
  SourceStore source(tmp.Sub("src"));
  source.ExportTo(tmp.Sub("snap"));
  const int64_t cut = 17;
  SnapshotRewriteOptions options;
  options.cut_revision = cut;
  options.keyspace_hash = source.store().HashKv(cut)->hash;
  Result<SnapshotRewriteSummary> summary =
      RewriteSnapshot(tmp.Sub("snap"), tmp.Sub("cut"), options);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->revision, cut);
  EXPECT_GT(summary->versions_dropped, 0u);
  std::ifstream in(tmp.Sub("cut"), std::ios::binary);
  ASSERT_TRUE(store::MvccStore::RestoreFromSnapshot(tmp.Sub("kv"),
                                                    [&](char* b, size_t n) -> Result<size_t> {
                                                      in.read(b, static_cast<std::streamsize>(n));
                                                      return static_cast<size_t>(in.gcount());
                                                    })
                  .ok());
  auto kv = store::MvccStore::Open(tmp.Sub("kv"));
  ASSERT_TRUE(kv.ok());
  EXPECT_EQ((*kv)->CurrentRevision(), cut);
  for (int64_t r = 1; r <= cut; ++r) {
    EXPECT_EQ(RangeAt(**kv, r).kvs, RangeAt(source.store(), r).kvs) << "revision " << r;
  }
  auto want = source.store().Changes(0, cut, 1000);
  auto got = (*kv)->Changes(0, cut, 1000);
  ASSERT_TRUE(want.ok() && got.ok());
  ASSERT_EQ(got->size(), want->size());
  for (size_t i = 0; i < want->size(); ++i) {
    EXPECT_EQ((*got)[i].revision, (*want)[i].revision);
    EXPECT_EQ((*got)[i].annotation, (*want)[i].annotation);
  }
  store::RangeRequest future;
  future.key = "key/1";
  future.revision = cut + 1;
  EXPECT_EQ((*kv)->Range(future).status().code(), StatusCode::kOutOfRange);
}

TEST(SnapshotRewrite, RefusesCutsOutsideTheKnownHistory) {
  TempDir tmp;
  SourceStore source(tmp.Sub("src"));
  source.Compact(10);
  source.ExportTo(tmp.Sub("snap"));
  SnapshotRewriteOptions options;
  options.keyspace_hash = 1;
  options.cut_revision = 5;
  auto compacted = RewriteSnapshot(tmp.Sub("snap"), tmp.Sub("cut"), options);
  EXPECT_EQ(compacted.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(compacted.status().message().find("compacted"), std::string::npos);
  options.cut_revision = source.store().CurrentRevision() + 1;
  auto future = RewriteSnapshot(tmp.Sub("snap"), tmp.Sub("cut"), options);
  EXPECT_EQ(future.status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(fs::exists(tmp.Sub("cut")));
}

TEST(AnnotationAsEnvelope, KeepsEnvelopesConvertsEventBodiesDropsTheRest) {
  bus::EventOrigin origin;
  origin.leader_time_ms = 1700000000123;
  origin.member_id = 42;
  origin.request_id = 7;
  origin.user = "alice";
  origin.client_address = "10.0.0.1:999";
  const std::string envelope = agent::EncodeEventEnvelope(origin);
  EXPECT_EQ(AnnotationAsEnvelope(5, envelope), envelope);
  store::ChangeEvent applied;
  applied.revision = 5;
  store::KeyChange change;
  change.kv.key = "k";
  change.kv.value = "v";
  change.kv.create_revision = 5;
  change.kv.mod_revision = 5;
  change.kv.version = 1;
  applied.changes.push_back(change);
  const std::string body = bus::EncodeEvent(bus::MakeChangeEvent(applied, origin));
  EXPECT_EQ(AnnotationAsEnvelope(5, body), envelope);
  EXPECT_EQ(AnnotationAsEnvelope(6, body), std::nullopt);  // another revision's event
  EXPECT_EQ(AnnotationAsEnvelope(5, "garbage"), std::nullopt);
}

class Refusals : public ::testing::Test {
 protected:
  void SetUp() override {
    SourceStore source(tmp_.Sub("src"));
    source.ExportTo(tmp_.Sub("snap"));
    snapshot_ = ReadAll(tmp_.Sub("snap"));
    ASSERT_GT(snapshot_.size(), 200u);
  }
  // Builds from `bytes` into a fresh target; the target must not exist after.
  Status BuildFrom(const std::string& bytes, const NewClusterSpec& spec = ThreeMembers("a")) {
    WriteAll(tmp_.Sub("bad"), bytes);
    const std::string out = tmp_.Sub("out");
    Result<BuiltDataDir> built = BuildMemberDataDir(tmp_.Sub("bad"), out, spec, {});
    EXPECT_FALSE(built.ok());
    EXPECT_FALSE(fs::exists(out)) << "left " << out << " behind";
    return built.status();
  }
  TempDir tmp_;
  std::string snapshot_;
};

TEST_F(Refusals, TruncatedSnapshotAtEveryPart) {
  for (size_t size : {size_t{0}, size_t{10}, size_t{52}, size_t{60}, snapshot_.size() / 2,
                      snapshot_.size() - 44, snapshot_.size() - 1}) {
    Status s = BuildFrom(snapshot_.substr(0, size));
    EXPECT_TRUE(s.code() == StatusCode::kDataLoss) << size << ": " << s.ToString();
    EXPECT_NE(s.message().find("truncated"), std::string::npos) << size << ": " << s.ToString();
  }
}

TEST_F(Refusals, CorruptedByteAnywhere) {
  for (size_t at :
       {size_t{70}, snapshot_.size() / 3, snapshot_.size() / 2, snapshot_.size() - 30}) {
    std::string bad = snapshot_;
    bad[at] = static_cast<char>(bad[at] ^ 0x5a);
    Status s = BuildFrom(bad);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << at << ": " << s.ToString();
  }
  Status trailing = BuildFrom(snapshot_ + "x");
  EXPECT_EQ(trailing.code(), StatusCode::kDataLoss) << trailing.ToString();
}

TEST_F(Refusals, ForeignFile) {
  Status s = BuildFrom(std::string(4096, 'e') + "etcd bolt database");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("not a shadekv store snapshot"), std::string::npos);
  std::string future = snapshot_;
  future[11] = 9;  // format version 9
  EXPECT_EQ(BuildFrom(future).code(), StatusCode::kInvalidArgument);
}

TEST_F(Refusals, BadClusterFlags) {
  NewClusterSpec stranger = ThreeMembers("zed");
  Status s = BuildFrom(snapshot_, stranger);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("'zed' is not in --initial-cluster"), std::string::npos)
      << s.ToString();
  NewClusterSpec mismatch = ThreeMembers("a");
  mismatch.initial_advertise_peer_urls = {"tcp://127.0.0.1:27599"};
  EXPECT_EQ(BuildFrom(snapshot_, mismatch).code(), StatusCode::kInvalidArgument);
  NewClusterSpec no_token = ThreeMembers("a");
  no_token.token.clear();
  EXPECT_EQ(BuildFrom(snapshot_, no_token).code(), StatusCode::kInvalidArgument);
  NewClusterSpec garbage = ThreeMembers("a");
  garbage.initial_cluster = "a";
  EXPECT_EQ(BuildFrom(snapshot_, garbage).code(), StatusCode::kInvalidArgument);
}

TEST_F(Refusals, NonEmptyTargetIsNeverTouched) {
  const std::string out = tmp_.Sub("busy");
  fs::create_directories(out + "/kv");
  WriteAll(out + "/keep", "mine");
  Result<BuiltDataDir> built = BuildMemberDataDir(tmp_.Sub("snap"), out, ThreeMembers("a"), {});
  ASSERT_FALSE(built.ok());
  EXPECT_EQ(built.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(built.status().message().find("not empty"), std::string::npos);
  EXPECT_EQ(ReadAll(out + "/keep"), "mine");
  EXPECT_TRUE(fs::is_empty(out + "/kv"));
  // An existing EMPTY dir is used, and emptied again on failure.
  const std::string empty = tmp_.Sub("empty");
  fs::create_directories(empty);
  WriteAll(tmp_.Sub("bad"), snapshot_.substr(0, snapshot_.size() / 2));
  EXPECT_FALSE(BuildMemberDataDir(tmp_.Sub("bad"), empty, ThreeMembers("a"), {}).ok());
  EXPECT_TRUE(fs::exists(empty) && fs::is_empty(empty));
  EXPECT_TRUE(BuildMemberDataDir(tmp_.Sub("snap"), empty, ThreeMembers("a"), {}).ok());
}

}  // namespace
}  // namespace shadekv::restore
