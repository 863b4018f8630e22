// Byte layouts of the Raft log database: its keys, and the values that hold
// entries, the hard state, the membership and the snapshot metadata.
//
// These bytes are on disk for the life of a member: NEVER change or renumber a
// key, a field, a version byte or an enum value below. A new layout gets a new
// version byte and a decoder that still reads the old one.
//
// Integers are fixed-width big-endian, so an entry key sorts by index and the
// layouts read the same on every machine.
//
//   Keys (the format marker 0x00 "shadekv-format" sorts before all of them):
//     hard_state_key    := 0x01 "hard_state"
//     conf_state_key    := 0x01 "conf_state"
//     snapshot_meta_key := 0x01 "snapshot_meta"
//     log_base_key      := 0x01 "log_base"
//     entry_key         := 0x02 index:u64
//
//   Values (every value starts with its layout version, currently 0x01):
//     entry         := 0x01 term:u64 index:u64 type:u8 data_len:u32 data:byte{data_len}
//                      ; type is raft::EntryType (0 normal, 1 conf change);
//                      ; index repeats the key's index so a misplaced value is caught
//     hard_state    := 0x01 term:u64 vote:u64 commit:u64
//     conf_state    := 0x01 conf_body
//     snapshot_meta := 0x01 index:u64 term:u64 conf_body
//     log_base      := 0x01 index:u64 term:u64
//                      ; the last discarded entry: FirstIndex() - 1 and its term
//     conf_body     := voter_count:u32 voter:u64{voter_count}
//                      learner_count:u32 learner:u64{learner_count}
//
// Decoders reject an empty value, an unknown version or entry type, a value cut
// short, and trailing bytes, each with kDataLoss naming the key it came from.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/common/status.h"
#include "shadekv/raft/types.h"

namespace shadekv::store::raftlog {

// Octal escapes on purpose: "\x01conf_state" would parse as 0x1c "onf_state".
inline constexpr std::string_view kHardStateKey{"\001hard_state"};
inline constexpr std::string_view kConfStateKey{"\001conf_state"};
inline constexpr std::string_view kSnapshotMetaKey{"\001snapshot_meta"};
inline constexpr std::string_view kLogBaseKey{"\001log_base"};
inline constexpr char kEntryKeyPrefix = '\x02';
inline constexpr size_t kEntryKeySize = 9;

// Largest data an entry value can carry (data_len is a u32).
inline constexpr uint64_t kMaxEntryDataBytes = UINT32_MAX;

// The last discarded entry; the log starts right after it.
struct LogBase {
  uint64_t index = 0;
  uint64_t term = 0;
  friend bool operator==(const LogBase&, const LogBase&) = default;
};

// What DecodeEntryHeader reads without copying the data (used when the log is
// scanned at open to rebuild the term index).
struct EntryHeader {
  uint64_t term = 0;
  uint64_t index = 0;
  raft::EntryType type = raft::EntryType::kNormal;
  uint32_t data_len = 0;
};

std::string EntryKey(uint64_t index);
bool IsEntryKey(std::string_view key);
// The index in an entry key. kDataLoss when key is not a well-formed entry key.
Result<uint64_t> DecodeEntryKey(std::string_view key);

// `what` names the value in errors, e.g. "raft log entry 42".
std::string EncodeEntry(const raft::Entry& entry);  // entry.data.size() <= kMaxEntryDataBytes
Result<raft::Entry> DecodeEntry(std::string_view value, std::string_view what);
Result<EntryHeader> DecodeEntryHeader(std::string_view value, std::string_view what);

std::string EncodeHardState(const raft::HardState& hard_state);
Result<raft::HardState> DecodeHardState(std::string_view value, std::string_view what);

std::string EncodeConfState(const raft::ConfState& conf_state);
Result<raft::ConfState> DecodeConfState(std::string_view value, std::string_view what);

std::string EncodeSnapshotMeta(const raft::SnapshotMeta& meta);
Result<raft::SnapshotMeta> DecodeSnapshotMeta(std::string_view value, std::string_view what);

std::string EncodeLogBase(const LogBase& base);
Result<LogBase> DecodeLogBase(std::string_view value, std::string_view what);

}  // namespace shadekv::store::raftlog
