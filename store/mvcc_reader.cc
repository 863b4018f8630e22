// Seeks over the version namespace (layout in store/key_codec.h).
#include "store/mvcc_reader.h"

#include <limits>
#include <memory>

#include "store/kv_record.h"
#include "store/leveldb_util.h"

namespace shadekv::store {
namespace {

constexpr uint64_t kMaxSub = std::numeric_limits<uint64_t>::max();

std::string_view View(const leveldb::Slice& s) { return {s.data(), s.size()}; }

Status Malformed(std::string_view what, std::string_view key) {
  std::string hex;
  static const char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < key.size() && i < 64; ++i) {
    hex.push_back(kDigits[static_cast<uint8_t>(key[i]) >> 4]);
    hex.push_back(kDigits[static_cast<uint8_t>(key[i]) & 0xf]);
  }
  return Status::DataLoss("kv store holds a malformed " + std::string(what) + " (key 0x" + hex +
                          "): restore this member from a snapshot");
}

}  // namespace

Result<KeyValue> MakeKeyValue(const std::string& user_key, Revision revision,
                              std::string_view record, bool with_value) {
  KeyValue kv;
  if (!DecodePutRecord(record, with_value, &kv)) return Malformed("version record", user_key);
  kv.key = user_key;
  kv.mod_revision = static_cast<int64_t>(revision.main);
  return kv;
}

MvccReader::MvccReader(leveldb::DB* db, const leveldb::Snapshot* snapshot) : db_(db) {
  options_.snapshot = snapshot;
}

Status MvccReader::ForEachLive(const KeyInterval& interval, uint64_t at,
                               const LiveVisitor& visit) const {
  if (interval.kind == KeyInterval::Kind::kEmpty) return Status::Ok();
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(options_));
  it->Seek(EncodeVersionKey(interval.begin, Revision{at, kMaxSub}));
  std::string user_key;
  std::string prefix;
  Revision revision;
  while (it->Valid()) {
    const std::string_view key = View(it->key());
    if (key.empty() || key[0] != kVersionPrefix) break;
    if (!DecodeVersionKey(key, &user_key, &revision)) return Malformed("version key", key);
    if (interval.IsPastEnd(user_key)) break;
    if (revision.main > at) {
      it->Seek(EncodeVersionKey(user_key, Revision{at, kMaxSub}));
      continue;
    }
    const std::string_view record = View(it->value());
    if (!IsTombstoneRecord(record)) {
      if (!visit(user_key, revision, record)) return Status::Ok();
    }
    prefix.assign(key.data(), VersionKeyPrefixLength(key));
    it->Next();
    if (it->Valid() && View(it->key()).starts_with(prefix)) {
      it->Seek(EncodeKeyUpperBound(user_key));
    }
  }
  return FromLevelDb(it->status(), "scanning kv versions");
}

std::unique_ptr<leveldb::Iterator> MvccReader::NewCursor() const {
  return std::unique_ptr<leveldb::Iterator>(db_->NewIterator(options_));
}

Result<std::optional<KeyValue>> MvccReader::Get(std::string_view user_key, uint64_t at) const {
  return Get(user_key, at, NewCursor().get());
}

Result<std::optional<KeyValue>> MvccReader::Get(std::string_view user_key, uint64_t at,
                                                leveldb::Iterator* it) const {
  const std::string prefix = EncodeKeyPrefix(user_key);
  it->Seek(EncodeVersionKey(user_key, Revision{at, kMaxSub}));
  if (!it->Valid()) {
    SHADEKV_RETURN_IF_ERROR(FromLevelDb(it->status(), "reading kv version"));
    return std::optional<KeyValue>();
  }
  const std::string_view key = View(it->key());
  if (!key.starts_with(prefix) || key.size() != prefix.size() + 16) {
    return std::optional<KeyValue>();
  }
  const std::string_view record = View(it->value());
  if (IsTombstoneRecord(record)) return std::optional<KeyValue>();
  const Revision revision{~ReadBe64(key.data() + prefix.size()),
                          ~ReadBe64(key.data() + prefix.size() + 8)};
  SHADEKV_ASSIGN_OR_RETURN(KeyValue kv,
                           MakeKeyValue(std::string(user_key), revision, record, true));
  return std::optional<KeyValue>(std::move(kv));
}

Result<std::vector<ChangeEvent>> MvccReader::ReadChanges(uint64_t from_exclusive,
                                                         uint64_t to_inclusive,
                                                         size_t max_events) const {
  std::vector<ChangeEvent> events;
  if (from_exclusive >= to_inclusive || max_events == 0) return events;
  std::unique_ptr<leveldb::Iterator> history(db_->NewIterator(options_));
  std::unique_ptr<leveldb::Iterator> versions(db_->NewIterator(options_));
  Revision revision;
  for (history->Seek(EncodeHistoryKey(Revision{from_exclusive + 1, 0})); history->Valid();
       history->Next()) {
    const std::string_view hkey = View(history->key());
    if (hkey.empty() || hkey[0] != kHistoryPrefix) break;
    if (!DecodeHistoryKey(hkey, &revision)) return Malformed("history key", hkey);
    if (revision.main > to_inclusive) break;
    if (events.empty() || events.back().revision != static_cast<int64_t>(revision.main)) {
      if (events.size() == max_events) break;
      events.push_back(ChangeEvent{static_cast<int64_t>(revision.main), {}, {}});
      leveldb::Status s =
          db_->Get(options_, EncodeAnnotationKey(revision.main), &events.back().annotation);
      if (!s.IsNotFound()) SHADEKV_RETURN_IF_ERROR(FromLevelDb(s, "reading kv annotation"));
    }
    const std::string user_key(View(history->value()));
    const std::string vkey = EncodeVersionKey(user_key, revision);
    versions->Seek(vkey);
    if (!versions->Valid() || View(versions->key()) != vkey) {
      SHADEKV_RETURN_IF_ERROR(FromLevelDb(versions->status(), "reading kv history"));
      return Malformed("history entry without its version", hkey);
    }
    KeyChange change;
    const std::string_view record = View(versions->value());
    if (IsTombstoneRecord(record)) {
      change.type = KeyChange::Type::kDelete;
      change.kv.key = user_key;
      change.kv.mod_revision = static_cast<int64_t>(revision.main);
    } else {
      SHADEKV_ASSIGN_OR_RETURN(change.kv, MakeKeyValue(user_key, revision, record, true));
    }
    versions->Next();
    if (versions->Valid()) {
      const std::string_view prev_key = View(versions->key());
      const size_t prefix_length = VersionKeyPrefixLength(vkey);
      if (prev_key.size() == vkey.size() &&
          prev_key.substr(0, prefix_length) == std::string_view(vkey).substr(0, prefix_length) &&
          !IsTombstoneRecord(View(versions->value()))) {
        const Revision prev_revision{~ReadBe64(prev_key.data() + prefix_length),
                                     ~ReadBe64(prev_key.data() + prefix_length + 8)};
        SHADEKV_ASSIGN_OR_RETURN(
            change.prev_kv, MakeKeyValue(user_key, prev_revision, View(versions->value()), true));
      }
    }
    SHADEKV_RETURN_IF_ERROR(FromLevelDb(versions->status(), "reading kv history"));
    events.back().changes.push_back(std::move(change));
  }
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(history->status(), "scanning kv history"));
  return events;
}

Status CollectRange(const MvccReader& reader, const KeyInterval& interval, uint64_t at,
                    size_t collect_limit, bool with_value, std::vector<KeyValue>* kvs,
                    int64_t* count) {
  *count = 0;
  Status decode_error;
  SHADEKV_RETURN_IF_ERROR(reader.ForEachLive(
      interval, at, [&](const std::string& user_key, Revision revision, std::string_view record) {
        ++*count;
        if (collect_limit != 0 && kvs->size() >= collect_limit) return true;
        Result<KeyValue> kv = MakeKeyValue(user_key, revision, record, with_value);
        if (!kv.ok()) {
          decode_error = kv.status();
          return false;
        }
        kvs->push_back(std::move(kv).value());
        return true;
      }));
  return decode_error;
}

}  // namespace shadekv::store
