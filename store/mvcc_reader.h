// Read access to the MVCC keyspace at a revision through one LevelDB read
// point (a snapshot, or the live database for the apply thread). Shared by
// ranges, txn compares, hashing, history and snapshot export.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <leveldb/db.h>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"
#include "store/key_codec.h"
#include "store/range_rules.h"

namespace shadekv::store {

class MvccReader {
 public:
  // `snapshot` may be null (read the live database). Both must outlive this.
  MvccReader(leveldb::DB* db, const leveldb::Snapshot* snapshot);

  // Calls `visit(user_key, revision, record)` for the newest version at or
  // below revision `at` of every key in `interval` that is live (not a
  // tombstone) at `at`, in key order, with one Seek per key at most. `visit`
  // returns false to stop early. The views are valid during the call only.
  using LiveVisitor =
      std::function<bool(const std::string& user_key, Revision revision, std::string_view record)>;
  Status ForEachLive(const KeyInterval& interval, uint64_t at, const LiveVisitor& visit) const;

  // The key's version at revision `at`; nullopt when absent or deleted.
  Result<std::optional<KeyValue>> Get(std::string_view user_key, uint64_t at) const;
  // The same through `cursor`, an iterator of this reader's read point made
  // by NewCursor: a run of point reads with no write between them (a group
  // apply) then pays for one iterator instead of one each (about 7 % of the
  // leader's CPU under a put load, docs/benchmarks.md).
  Result<std::optional<KeyValue>> Get(std::string_view user_key, uint64_t at,
                                      leveldb::Iterator* cursor) const;
  std::unique_ptr<leveldb::Iterator> NewCursor() const;

  // Every change in revisions (from_exclusive, to_inclusive], at most
  // `max_events` revisions, with prev_kv.
  Result<std::vector<ChangeEvent>> ReadChanges(uint64_t from_exclusive, uint64_t to_inclusive,
                                               size_t max_events) const;

  leveldb::DB* db() const { return db_; }
  const leveldb::ReadOptions& options() const { return options_; }

 private:
  leveldb::DB* const db_;
  leveldb::ReadOptions options_;
};

// Builds a full KeyValue from a live visit; the value only when `with_value`.
Result<KeyValue> MakeKeyValue(const std::string& user_key, Revision revision,
                              std::string_view record, bool with_value);

// Collects the live keys of `interval` at `at` in key order: the first
// `collect_limit` (0: all) as full kvs (values only when `with_value`), and
// the number of all of them in *count.
Status CollectRange(const MvccReader& reader, const KeyInterval& interval, uint64_t at,
                    size_t collect_limit, bool with_value, std::vector<KeyValue>* kvs,
                    int64_t* count);

}  // namespace shadekv::store
