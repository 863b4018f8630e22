// The value stored under a version key: one KeyValue version or a tombstone.
// Part of the on-disk format "shadekv-kv/1" and of snapshot streams: never
// change the layout or renumber the tags.
//
//   record    := put | tombstone
//   put       := 0x01 be64(create_revision) be64(version) be64(lease) value
//   tombstone := 0x02
//
// key and mod_revision are not stored: they come from the version key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/store/kv_types.h"

namespace shadekv::store {

inline constexpr char kRecordPut = 0x01;
inline constexpr char kRecordTombstone = 0x02;

std::string EncodePutRecord(const KeyValue& kv);
std::string EncodeTombstoneRecord();

// True for a well-formed tombstone record.
inline bool IsTombstoneRecord(std::string_view record) {
  return record.size() == 1 && record[0] == kRecordTombstone;
}

// Decodes a put record into `kv` (all fields but key and mod_revision), with
// the value only when `with_value`. False when the record is not a
// well-formed put record.
bool DecodePutRecord(std::string_view record, bool with_value, KeyValue* kv);

// True when `record` is a well-formed put or tombstone record.
bool IsValidRecord(std::string_view record);

}  // namespace shadekv::store
