// CRC32 of the live keyspace (folding order in kv_hash.h).
#include "store/kv_hash.h"

#include <Poco/Checksum.h>

#include "shadekv/store/mvcc_store.h"
#include "store/key_codec.h"

namespace shadekv::store {
namespace {

void Fold(Poco::Checksum* crc, std::string_view bytes) {
  const auto size = static_cast<uint32_t>(bytes.size());
  const char length[4] = {static_cast<char>(size >> 24), static_cast<char>(size >> 16),
                          static_cast<char>(size >> 8), static_cast<char>(size)};
  crc->update(length, 4);
  if (!bytes.empty()) crc->update(bytes.data(), static_cast<unsigned>(bytes.size()));
}

void Fold(Poco::Checksum* crc, int64_t value) {
  const std::string bytes = EncodeBe64(static_cast<uint64_t>(value));
  crc->update(bytes.data(), 8);
}

}  // namespace

Result<uint32_t> HashLiveKeyspace(const MvccReader& reader, uint64_t at) {
  Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
  Status decode_error;
  SHADEKV_RETURN_IF_ERROR(reader.ForEachLive(
      MakeKeyInterval(std::string_view("\0", 1), std::string_view("\0", 1)), at,
      [&](const std::string& user_key, Revision revision, std::string_view record) {
        Result<KeyValue> kv = MakeKeyValue(user_key, revision, record, true);
        if (!kv.ok()) {
          decode_error = kv.status();
          return false;
        }
        Fold(&crc, kv->key);
        Fold(&crc, kv->value);
        Fold(&crc, kv->create_revision);
        Fold(&crc, kv->mod_revision);
        Fold(&crc, kv->version);
        Fold(&crc, kv->lease);
        return true;
      }));
  SHADEKV_RETURN_IF_ERROR(decode_error);
  return static_cast<uint32_t>(crc.checksum());
}

Result<HashResult> MvccStore::HashKv(int64_t revision) const {
  const View view = AcquireView();
  SHADEKV_ASSIGN_OR_RETURN(int64_t at, ResolveReadRevision(view, revision));
  MvccReader reader(db_.get(), view.snapshot.get());
  SHADEKV_ASSIGN_OR_RETURN(uint32_t hash, HashLiveKeyspace(reader, static_cast<uint64_t>(at)));
  return HashResult{hash, at, view.compact_revision};
}

}  // namespace shadekv::store
