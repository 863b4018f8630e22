// Checking and writing a mirrored revision (see store/mirror_apply.h).
#include "store/mirror_apply.h"

#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "store/key_codec.h"
#include "store/kv_record.h"

namespace shadekv::store {
namespace {

// Keys are bytes; an error message must stay printable and bounded.
std::string Printable(const std::string& key) {
  constexpr size_t kMaxShown = 64;
  std::string out = "\"";
  for (size_t i = 0; i < key.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    }
  }
  if (key.size() > kMaxShown) out += "...";
  return out + "\"";
}

std::string Describe(const std::optional<KeyValue>& kv) {
  if (!kv.has_value()) return "none";
  return "{create " + std::to_string(kv->create_revision) + ", mod " +
         std::to_string(kv->mod_revision) + ", version " + std::to_string(kv->version) +
         ", lease " + std::to_string(kv->lease) + ", " + std::to_string(kv->value.size()) +
         "-byte value}";
}

// The check of one change against the key's live version; "" when it holds.
std::string CheckChange(const KeyChange& change, int64_t revision,
                        const std::optional<KeyValue>& live) {
  const KeyValue& kv = change.kv;
  if (kv.key.empty()) return "empty key";
  if (kv.mod_revision != revision) {
    return "mod_revision " + std::to_string(kv.mod_revision) + " is not the event's revision";
  }
  if (change.type == KeyChange::Type::kPut) {
    if (kv.version < 1) return "version " + std::to_string(kv.version) + " is below 1";
    if (!live.has_value()) {
      if (kv.version != 1) {
        return "version " + std::to_string(kv.version) + " but the key is not live here";
      }
      if (kv.create_revision != revision) {
        return "new key with create_revision " + std::to_string(kv.create_revision);
      }
    } else {
      if (kv.version != live->version + 1) {
        return "version " + std::to_string(kv.version) + " does not follow the live version " +
               std::to_string(live->version);
      }
      if (kv.create_revision != live->create_revision) {
        return "create_revision " + std::to_string(kv.create_revision) +
               " differs from the live key's " + std::to_string(live->create_revision);
      }
    }
  } else if (change.type == KeyChange::Type::kDelete) {
    if (!live.has_value()) return "DELETE of a key that is not live here";
    if (!kv.value.empty() || kv.create_revision != 0 || kv.version != 0 || kv.lease != 0) {
      return "DELETE carries more than key and mod_revision";
    }
  } else {
    return "unknown change type " + std::to_string(static_cast<int>(change.type));
  }
  if (change.prev_kv != live) {
    return "prev_kv " + Describe(change.prev_kv) + " differs from the live version " +
           Describe(live);
  }
  return "";
}

}  // namespace

Status WriteMirroredChanges(const MvccReader& live, int64_t revision,
                            const std::vector<KeyChange>& changes, leveldb::WriteBatch* batch) {
  const std::string diverged = "mirror diverged at revision " + std::to_string(revision) + ": ";
  if (changes.empty()) return Status::DataLoss(diverged + "the event has no change");
  // Keys changed earlier in this revision (a txn may touch several keys).
  std::map<std::string, std::optional<KeyValue>> overlay;
  for (size_t i = 0; i < changes.size(); ++i) {
    const KeyChange& change = changes[i];
    std::optional<KeyValue> current;
    if (auto it = overlay.find(change.kv.key); it != overlay.end()) {
      current = it->second;
    } else if (!change.kv.key.empty()) {
      SHADEKV_ASSIGN_OR_RETURN(current,
                               live.Get(change.kv.key, static_cast<uint64_t>(revision - 1)));
    }
    const std::string problem = CheckChange(change, revision, current);
    if (!problem.empty()) {
      return Status::DataLoss(diverged + "change " + std::to_string(i) + " (key " +
                              Printable(change.kv.key) + "): " + problem);
    }
    const Revision at{static_cast<uint64_t>(revision), i};
    const bool put = change.type == KeyChange::Type::kPut;
    batch->Put(EncodeVersionKey(change.kv.key, at),
               put ? EncodePutRecord(change.kv) : EncodeTombstoneRecord());
    batch->Put(EncodeHistoryKey(at), change.kv.key);
    overlay.insert_or_assign(change.kv.key,
                             put ? std::optional<KeyValue>(change.kv) : std::nullopt);
  }
  return Status::Ok();
}

}  // namespace shadekv::store
