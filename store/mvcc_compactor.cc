// Physical compaction: deletes versions that no read at or above the
// compaction revision C can see, in bounded steps with a persisted cursor.
//
// The cursor walks the history namespace in revision order:
//   compact_cursor := be64(main) be64(sub) be64(target)
// meaning every history entry before (main, sub) has been handled for the
// compaction revision `target`. For a history entry (rev, key) with
// rev.main <= C, let N be key's newest version at or below C:
//  - rev older than N: superseded, delete it;
//  - rev is N: delete every older version still there (kept by an earlier
//    compaction), and N itself when it is a tombstone below C.
// Tombstones at exactly C stay (a watch may start at C) until the next
// compaction, which rewinds the cursor to (old target, 0) to revisit them.
// Only this file writes the cursor, so it never races with Apply.
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <limits>
#include <memory>

#include "shadekv/store/mvcc_store.h"
#include "store/key_codec.h"
#include "store/kv_record.h"
#include "store/leveldb_util.h"

namespace shadekv::store {
namespace {

struct Cursor {
  Revision next;
  uint64_t target = 0;
};

Result<Cursor> ReadCursor(leveldb::DB* db) {
  std::string value;
  leveldb::Status s = db->Get(leveldb::ReadOptions(), std::string(kStateCompactCursor), &value);
  if (s.IsNotFound()) return Cursor{};
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(s, "reading compaction cursor"));
  if (value.size() != 24) {
    return Status::DataLoss("compaction cursor has " + std::to_string(value.size()) +
                            " bytes, expected 24");
  }
  return Cursor{Revision{ReadBe64(value.data()), ReadBe64(value.data() + 8)},
                ReadBe64(value.data() + 16)};
}

std::string EncodeCursor(const Cursor& cursor) {
  std::string out;
  AppendBe64(&out, cursor.next.main);
  AppendBe64(&out, cursor.next.sub);
  AppendBe64(&out, cursor.target);
  return out;
}

std::string_view AsView(const leveldb::Slice& s) { return {s.data(), s.size()}; }

}  // namespace

Result<bool> MvccStore::CompactStep(size_t max_versions) {
  std::lock_guard compact_lock(compact_mu_);
  const auto target = static_cast<uint64_t>(CompactRevision());
  if (target == 0) return true;
  SHADEKV_ASSIGN_OR_RETURN(Cursor cursor, ReadCursor(db_.get()));
  if (cursor.target != target) {
    cursor.next = std::min(cursor.next, Revision{cursor.target, 0});
    cursor.target = target;
  }
  constexpr uint64_t kMaxSub = std::numeric_limits<uint64_t>::max();
  leveldb::WriteBatch batch;
  std::unique_ptr<leveldb::Iterator> history(db_->NewIterator(leveldb::ReadOptions()));
  std::unique_ptr<leveldb::Iterator> versions(db_->NewIterator(leveldb::ReadOptions()));
  size_t deleted = 0;
  size_t visited = 0;
  bool done = false;
  Revision revision;
  std::string user_key;
  Revision newest;
  history->Seek(EncodeHistoryKey(cursor.next));
  while (true) {
    if (!history->Valid() || AsView(history->key()).empty() ||
        AsView(history->key())[0] != kHistoryPrefix) {
      SHADEKV_RETURN_IF_ERROR(FromLevelDb(history->status(), "scanning kv history to compact"));
      cursor.next = Revision{target + 1, 0};
      done = true;
      break;
    }
    if (!DecodeHistoryKey(AsView(history->key()), &revision)) {
      return Status::DataLoss("kv store holds a malformed history key: restore from a snapshot");
    }
    if (revision.main > target) {
      cursor.next = revision;
      done = true;
      break;
    }
    if (deleted >= max_versions || visited >= 4 * max_versions + 16) {
      cursor.next = revision;
      break;
    }
    ++visited;
    const std::string key(AsView(history->value()));
    versions->Seek(EncodeVersionKey(key, Revision{target, kMaxSub}));
    const std::string prefix = EncodeKeyPrefix(key);
    if (!versions->Valid() || !AsView(versions->key()).starts_with(prefix)) {
      SHADEKV_RETURN_IF_ERROR(FromLevelDb(versions->status(), "reading kv versions to compact"));
      return Status::DataLoss("kv history entry without its version: restore from a snapshot");
    }
    if (!DecodeVersionKey(AsView(versions->key()), &user_key, &newest)) {
      return Status::DataLoss("kv store holds a malformed version key: restore from a snapshot");
    }
    auto drop = [&](Revision r) {
      batch.Delete(EncodeVersionKey(key, r));
      batch.Delete(EncodeHistoryKey(r));
      ++deleted;
    };
    if (revision < newest) {
      drop(revision);
    } else {
      if (IsTombstoneRecord(AsView(versions->value())) && newest.main < target) drop(newest);
      for (versions->Next(); versions->Valid() && AsView(versions->key()).starts_with(prefix);
           versions->Next()) {
        Revision older;
        if (!DecodeVersionKey(AsView(versions->key()), &user_key, &older)) {
          return Status::DataLoss(
              "kv store holds a malformed version key: restore from a snapshot");
        }
        drop(older);
      }
      SHADEKV_RETURN_IF_ERROR(FromLevelDb(versions->status(), "reading kv versions to compact"));
    }
    history->Next();
  }
  // Annotations go with the history they describe: every one below the
  // history entries handled so far (each revision has at most one).
  std::unique_ptr<leveldb::Iterator> annotations(db_->NewIterator(leveldb::ReadOptions()));
  const uint64_t annotated_below = std::min(cursor.next.main, target);
  for (annotations->Seek(EncodeAnnotationKey(0)); annotations->Valid(); annotations->Next()) {
    uint64_t annotated = 0;
    if (!DecodeAnnotationKey(AsView(annotations->key()), &annotated) ||
        annotated >= annotated_below) {
      break;
    }
    batch.Delete(annotations->key());
  }
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(annotations->status(), "scanning kv annotations"));
  batch.Put(std::string(kStateCompactCursor), EncodeCursor(cursor));
  SHADEKV_RETURN_IF_ERROR(
      FromLevelDb(db_->Write(leveldb::WriteOptions(), &batch), "writing compaction step"));
  return done;
}

}  // namespace shadekv::store
