// MvccStore defragmentation and size estimate: LevelDB's own compaction over
// the whole key space stands in for etcd's bbolt rewrite.
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "shadekv/store/mvcc_store.h"
#include "store/leveldb_util.h"

namespace shadekv::store {
namespace {

// Every record key starts with one of the prefix bytes of key_codec.h, all
// below 0xff, so [kLowest, kHighest) covers the store.
const leveldb::Slice kLowest("", 0);
const leveldb::Slice kHighest("\xff\xff\xff\xff", 4);

}  // namespace

Status MvccStore::Defragment() {
  // Null bounds: the whole key space, memtable first. LevelDB runs this
  // alongside readers and writers and never exposes a half-compacted state.
  db_->CompactRange(nullptr, nullptr);
  // CompactRange reports nothing; a failed background compaction leaves an
  // error that the next write returns, so probe with an empty batch.
  leveldb::WriteBatch empty;
  return FromLevelDb(db_->Write(leveldb::WriteOptions(), &empty),
                     "defragmenting the kv store in " + dir_);
}

uint64_t MvccStore::LiveBytesEstimate() const {
  leveldb::Range all(kLowest, kHighest);
  uint64_t size = 0;
  db_->GetApproximateSizes(&all, 1, &size);
  return size;
}

}  // namespace shadekv::store
