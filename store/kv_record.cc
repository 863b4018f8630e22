// Codec for version records (grammar in kv_record.h).
#include "store/kv_record.h"

#include "store/key_codec.h"

namespace shadekv::store {

std::string EncodePutRecord(const KeyValue& kv) {
  std::string out;
  out.reserve(25 + kv.value.size());
  out.push_back(kRecordPut);
  AppendBe64(&out, static_cast<uint64_t>(kv.create_revision));
  AppendBe64(&out, static_cast<uint64_t>(kv.version));
  AppendBe64(&out, static_cast<uint64_t>(kv.lease));
  out.append(kv.value);
  return out;
}

std::string EncodeTombstoneRecord() { return std::string(1, kRecordTombstone); }

bool DecodePutRecord(std::string_view record, bool with_value, KeyValue* kv) {
  if (record.size() < 25 || record[0] != kRecordPut) return false;
  kv->create_revision = static_cast<int64_t>(ReadBe64(record.data() + 1));
  kv->version = static_cast<int64_t>(ReadBe64(record.data() + 9));
  kv->lease = static_cast<int64_t>(ReadBe64(record.data() + 17));
  if (with_value) {
    kv->value.assign(record.data() + 25, record.size() - 25);
  } else {
    kv->value.clear();
  }
  return true;
}

bool IsValidRecord(std::string_view record) {
  return IsTombstoneRecord(record) || (record.size() >= 25 && record[0] == kRecordPut);
}

}  // namespace shadekv::store
