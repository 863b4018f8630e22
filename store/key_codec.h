// The MvccStore's LevelDB key layout. Every persisted byte layout here is part
// of the on-disk format "shadekv-kv/1": never change it, add a new format.
//
//   marker   := 0x00 "shadekv-format"                      (leveldb_util.h)
//   version  := 'k' escaped(user_key) 0x00 0x01 inv64(main) inv64(sub)
//                 -> kv record (store/kv_record.h)
//   history  := 'r' be64(main) be64(sub) -> user_key
//   state    := 'm' name -> be64        name in {"applied", "revision",
//                                        "compact", "compact_cursor"}
//   meta     := 'u' caller_key -> caller value          (MetaWrite)
//   annotation := 'a' be64(main) -> caller bytes        (WriteRequest::annotation)
//
//   escaped(k): k with each 0x00 written as 0x00 0xFF; with the 0x00 0x01
//     terminator, user keys keep their byte order and no key's versions
//     interleave with another's.
//   inv64(x) := be64(~x), so a key's versions sort newest first and one Seek
//     to version(k, R, max) finds the newest version at or below R.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace shadekv::store {

inline constexpr char kVersionPrefix = 'k';
inline constexpr char kHistoryPrefix = 'r';
inline constexpr char kStatePrefix = 'm';
inline constexpr char kMetaPrefix = 'u';
inline constexpr char kAnnotationPrefix = 'a';

inline constexpr std::string_view kStateApplied = "mapplied";
inline constexpr std::string_view kStateRevision = "mrevision";
inline constexpr std::string_view kStateCompact = "mcompact";
inline constexpr std::string_view kStateCompactCursor = "mcompact_cursor";

// A (main, sub) revision: main is the store revision, sub orders the changes
// made inside one revision (txn ops).
struct Revision {
  uint64_t main = 0;
  uint64_t sub = 0;
  friend auto operator<=>(const Revision&, const Revision&) = default;
};

void AppendBe64(std::string* out, uint64_t value);
// Reads 8 bytes at `p` (caller checks the length).
uint64_t ReadBe64(const char* p);
std::string EncodeBe64(uint64_t value);

// 'k' escaped(user_key) 0x00 0x01: the prefix shared by all versions of a key.
std::string EncodeKeyPrefix(std::string_view user_key);
// The prefix followed by the inverted revision.
std::string EncodeVersionKey(std::string_view user_key, Revision revision);
// A key sorting after every version of `user_key` and before the next user key.
std::string EncodeKeyUpperBound(std::string_view user_key);

// Splits a 'k' key. False when it is not a well-formed version key.
bool DecodeVersionKey(std::string_view encoded, std::string* user_key, Revision* revision);
// Length of the prefix (EncodeKeyPrefix) part of a version key.
inline size_t VersionKeyPrefixLength(std::string_view encoded) { return encoded.size() - 16; }

std::string EncodeHistoryKey(Revision revision);
bool DecodeHistoryKey(std::string_view encoded, Revision* revision);

std::string EncodeMetaKey(std::string_view caller_key);

// 'a' be64(revision): sorts by revision, so compaction deletes a prefix range.
std::string EncodeAnnotationKey(uint64_t revision);
bool DecodeAnnotationKey(std::string_view encoded, uint64_t* revision);

}  // namespace shadekv::store
