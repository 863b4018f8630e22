// The kv snapshot stream: a point-in-time copy of a whole MvccStore, used for
// Raft InstallSnapshot and a shadow's initial sync. Versioned; never change a
// version's layout, add a new version. Version 2 = version 1 plus annotation
// records; readers accept both.
//
//   stream   := header record* trailer
//   header   := "SHKVSNAP" be32(format_version = 1 | 2) be64(revision)
//               be64(compact_revision) be64(applied_index) be64(record_count)
//               be64(stream_bytes)                      -- 52 bytes
//   record   := version | meta | annotation            (annotation: v2 only)
//   version  := 0x01 be64(main) be64(sub) be32(len) user_key be32(len) kv_record
//   meta     := 0x02 be32(len) caller_key be32(len) value
//   annotation := 0x03 be64(revision) be32(len) bytes
//   trailer  := "SHKVEND!" sha256(header and records) be32(keyspace hash)
//
// kv_record is store/kv_record.h's encoding. stream_bytes is the length of
// the whole stream (for progress). The keyspace hash is HashKv(revision).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shadekv::store {

inline constexpr std::string_view kSnapshotMagic = "SHKVSNAP";
inline constexpr std::string_view kSnapshotTrailerMagic = "SHKVEND!";
inline constexpr uint32_t kSnapshotFormatVersion = 2;
inline constexpr uint32_t kSnapshotOldestFormatVersion = 1;
inline constexpr size_t kSnapshotHeaderBytes = 8 + 4 + 5 * 8;
inline constexpr size_t kSnapshotTrailerBytes = 8 + 32 + 4;
inline constexpr char kSnapshotVersionRecord = 0x01;
inline constexpr char kSnapshotMetaRecord = 0x02;
inline constexpr char kSnapshotAnnotationRecord = 0x03;
// Largest key or value a record may announce; anything longer is corruption.
inline constexpr uint32_t kSnapshotMaxFieldBytes = 256u << 20;

struct SnapshotHeader {
  uint32_t format_version = kSnapshotFormatVersion;
  uint64_t revision = 0;
  uint64_t compact_revision = 0;
  uint64_t applied_index = 0;
  uint64_t record_count = 0;
  uint64_t stream_bytes = 0;
};

}  // namespace shadekv::store
