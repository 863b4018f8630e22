// Helpers shared by the mirror tests: hashes, snapshots, and the
// field-by-field comparison of a mirror's history with its primary's.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "shadekv/mirror/mirror_store.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::mirror::testing {

inline const std::string kAll(1, '\0');

inline std::unique_ptr<MirrorStore> MustOpen(const std::string& dir) {
  Result<std::unique_ptr<MirrorStore>> opened = MirrorStore::Open(dir);
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  return opened.ok() ? std::move(opened).value() : nullptr;
}

inline store::HashResult MustHash(const store::MvccStore& store, int64_t revision) {
  Result<store::HashResult> hash = store.HashKv(revision);
  EXPECT_TRUE(hash.ok()) << hash.status().ToString();
  return hash.ok() ? *hash : store::HashResult{};
}

inline std::string Snapshot(const store::MvccStore& store, int64_t* revision) {
  std::string bytes;
  Status exported = store.ExportSnapshot(
      [&](std::string_view chunk) {
        bytes.append(chunk);
        return Status::Ok();
      },
      {}, revision);
  EXPECT_TRUE(exported.ok()) << exported.ToString();
  return bytes;
}

// Range (all keys) and HashKv at every revision from `from` on, and every
// change after `from`, equal field by field; the mirror's annotation of each
// revision is the EVENT body it was given.
inline void ExpectSameHistory(const store::MvccStore& primary, const store::MvccStore& mirror,
                              int64_t from, const std::map<int64_t, std::string>& bodies) {
  const int64_t current = primary.CurrentRevision();
  ASSERT_EQ(mirror.CurrentRevision(), current);
  for (int64_t revision = from; revision <= current; ++revision) {
    store::RangeRequest all;
    all.key = kAll;
    all.range_end = kAll;
    all.revision = revision;
    Result<store::RangeResponse> want = primary.Range(all);
    Result<store::RangeResponse> got = mirror.Range(all);
    ASSERT_TRUE(want.ok() && got.ok()) << want.status().ToString() << got.status().ToString();
    EXPECT_EQ(got->kvs, want->kvs) << "revision " << revision;
    EXPECT_EQ(got->count, want->count);
    EXPECT_EQ(got->revision, want->revision);
    EXPECT_EQ(MustHash(mirror, revision).hash, MustHash(primary, revision).hash);
  }
  Result<std::vector<store::ChangeEvent>> want = primary.Changes(from, current, 1 << 30);
  Result<std::vector<store::ChangeEvent>> got = mirror.Changes(from, current, 1 << 30);
  ASSERT_TRUE(want.ok() && got.ok()) << want.status().ToString() << got.status().ToString();
  ASSERT_EQ(got->size(), want->size());
  for (size_t i = 0; i < want->size(); ++i) {
    const store::ChangeEvent& w = (*want)[i];
    const store::ChangeEvent& g = (*got)[i];
    ASSERT_EQ(g.revision, w.revision);
    ASSERT_EQ(g.changes.size(), w.changes.size()) << "revision " << w.revision;
    for (size_t c = 0; c < w.changes.size(); ++c) {
      EXPECT_EQ(g.changes[c].type, w.changes[c].type);
      EXPECT_EQ(g.changes[c].kv, w.changes[c].kv);
      EXPECT_EQ(g.changes[c].prev_kv, w.changes[c].prev_kv);
    }
    ASSERT_TRUE(bodies.contains(w.revision));
    EXPECT_EQ(g.annotation, bodies.at(w.revision)) << "revision " << w.revision;
    EXPECT_EQ(w.annotation.rfind("primary-annotation-", 0), 0u);
  }
}

}  // namespace shadekv::mirror::testing
