// MvccStore defragmentation and size estimate: LevelDB's own compaction over
// the whole key space stands in for etcd's bbolt rewrite.
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <cstdlib>
#include <string>

#include "shadekv/store/mvcc_store.h"
#include "store/leveldb_util.h"

namespace shadekv::store {
namespace {

// Every record key starts with one of the prefix bytes of key_codec.h, all
// below 0xff, so [kLowest, kHighest) covers the store.
const leveldb::Slice kLowest("", 0);
const leveldb::Slice kHighest("\xff\xff\xff\xff", 4);

// Two keys bracketing every record (the format marker included), outside
// every namespace the store reads; see Defragment.
const std::string kLowSentinel(
    "\x00"
    "defrag",
    7);
const std::string kHighSentinel("\xff\xff\xff\xff\xff-defrag", 12);

}  // namespace

// LevelDB's CompactRange only merges levels above the deepest one holding
// data, and a memtable flush may land its table directly on that deepest
// level (up to level 2), where its overwritten values and deletions would
// then never be rewritten. A flushed table spanning the whole key space
// cannot skip past any level holding data, so every file ends up merged into
// the bottom: write the two sentinels, compact (flush and merge), delete
// them, compact again.
Status MvccStore::Defragment() {
  const std::string what = "defragmenting the kv store in " + dir_;
  leveldb::WriteBatch bracket;
  bracket.Put(kLowSentinel, "");
  bracket.Put(kHighSentinel, "");
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(db_->Write(leveldb::WriteOptions(), &bracket), what));
  db_->CompactRange(nullptr, nullptr);
  leveldb::WriteBatch unbracket;
  unbracket.Delete(kLowSentinel);
  unbracket.Delete(kHighSentinel);
  // This write also reports a background compaction that failed (disk
  // full, I/O error): CompactRange itself reports nothing.
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(db_->Write(leveldb::WriteOptions(), &unbracket), what));
  db_->CompactRange(nullptr, nullptr);
  leveldb::WriteBatch empty;
  return FromLevelDb(db_->Write(leveldb::WriteOptions(), &empty), what);
}

uint64_t MvccStore::LiveBytesEstimate() const {
  leveldb::Range all(kLowest, kHighest);
  uint64_t tables = 0;
  db_->GetApproximateSizes(&all, 1, &tables);
  // Writes not yet flushed to a table live in the memtable (and its log).
  std::string memtable;
  uint64_t pending = 0;
  if (db_->GetProperty("leveldb.approximate-memory-usage", &memtable)) {
    pending = std::strtoull(memtable.c_str(), nullptr, 10);
  }
  return tables + pending;
}

}  // namespace shadekv::store
