// State entries of the MvccStore (see store/mvcc_state.h).
#include "store/mvcc_state.h"

#include <string>

#include "store/key_codec.h"
#include "store/leveldb_util.h"

namespace shadekv::store {

Result<uint64_t> ReadState(leveldb::DB* db, const leveldb::Snapshot* snapshot,
                           std::string_view name, uint64_t fallback) {
  std::string value;
  leveldb::ReadOptions options;
  options.snapshot = snapshot;
  leveldb::Status s = db->Get(options, std::string(name), &value);
  if (s.IsNotFound()) return fallback;
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(s, "reading kv store state " + std::string(name)));
  if (value.size() != 8) {
    return Status::DataLoss("kv store state entry " + std::string(name) + " has " +
                            std::to_string(value.size()) + " bytes, expected 8");
  }
  return ReadBe64(value.data());
}

}  // namespace shadekv::store
