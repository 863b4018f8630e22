// Fixed-width big-endian encoding of the Raft log's keys and values. The
// grammar, and the rule never to change it, are in raft_log_codec.h.
#include "store/raft_log_codec.h"

#include <string>
#include <vector>

namespace shadekv::store::raftlog {
namespace {

constexpr uint8_t kVersion1 = 1;

void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

void PutU32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutU64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

void PutConfBody(std::string& out, const raft::ConfState& conf_state) {
  PutU32(out, static_cast<uint32_t>(conf_state.voters.size()));
  for (raft::NodeId id : conf_state.voters) PutU64(out, id);
  PutU32(out, static_cast<uint32_t>(conf_state.learners.size()));
  for (raft::NodeId id : conf_state.learners) PutU64(out, id);
}

// Reads one value front to back. The first failure is kept; later reads fail
// too, so a decoder checks status() once at the end of each step it cares about.
class Reader {
 public:
  Reader(std::string_view value, std::string_view what) : value_(value), what_(what) {}

  bool U8(uint8_t* v) {
    if (!Need(1, "u8")) return false;
    *v = static_cast<uint8_t>(value_[pos_++]);
    return true;
  }

  bool U32(uint32_t* v) {
    if (!Need(4, "u32")) return false;
    uint32_t r = 0;
    for (int i = 0; i < 4; ++i) r = (r << 8) | static_cast<uint8_t>(value_[pos_++]);
    *v = r;
    return true;
  }

  bool U64(uint64_t* v) {
    if (!Need(8, "u64")) return false;
    uint64_t r = 0;
    for (int i = 0; i < 8; ++i) r = (r << 8) | static_cast<uint8_t>(value_[pos_++]);
    *v = r;
    return true;
  }

  bool Bytes(size_t n, std::string_view* v) {
    if (!Need(n, "data")) return false;
    *v = value_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  bool Version() {
    uint8_t version = 0;
    if (!U8(&version)) return false;
    if (version != kVersion1) {
      return Fail("unknown layout version " + std::to_string(version) + " (expected " +
                  std::to_string(kVersion1) + "; written by a newer shadekv?)");
    }
    return true;
  }

  // A count of u64 ids: each needs 8 bytes, so a garbage count fails here
  // instead of allocating gigabytes.
  bool Ids(std::vector<raft::NodeId>* ids) {
    uint32_t count = 0;
    if (!U32(&count)) return false;
    if (static_cast<uint64_t>(count) * 8 > value_.size() - pos_) {
      return Fail("id count " + std::to_string(count) + " at offset " + std::to_string(pos_ - 4) +
                  " needs " + std::to_string(static_cast<uint64_t>(count) * 8) + " bytes, " +
                  std::to_string(value_.size() - pos_) + " left");
    }
    ids->resize(count);
    for (uint32_t i = 0; i < count; ++i) U64(&(*ids)[i]);
    return true;
  }

  bool ConfBody(raft::ConfState* conf_state) {
    return Ids(&conf_state->voters) && Ids(&conf_state->learners);
  }

  // Call after the last field: trailing bytes mean the value is not what we think.
  bool End() {
    if (pos_ != value_.size()) {
      return Fail(std::to_string(value_.size() - pos_) + " trailing bytes after offset " +
                  std::to_string(pos_));
    }
    return true;
  }

  bool Fail(const std::string& problem) {
    if (status_.ok()) {
      status_ = Status::DataLoss(std::string(what_) + ": " + problem + " (value of " +
                                 std::to_string(value_.size()) +
                                 " bytes; the raft log is damaged: restore this member from a "
                                 "snapshot or remove it and re-add it to the cluster)");
    }
    return false;
  }

  const Status& status() const { return status_; }

 private:
  bool Need(size_t n, std::string_view field) {
    if (!status_.ok()) return false;
    if (value_.size() - pos_ < n) {
      return Fail("truncated: " + std::string(field) + " at offset " + std::to_string(pos_) +
                  " needs " + std::to_string(n) + " bytes, " +
                  std::to_string(value_.size() - pos_) + " left");
    }
    return true;
  }

  std::string_view value_;
  std::string_view what_;
  size_t pos_ = 0;
  Status status_;
};

bool ReadEntryHeader(Reader& r, EntryHeader* header) {
  uint8_t type = 0;
  if (!(r.Version() && r.U64(&header->term) && r.U64(&header->index) && r.U8(&type))) return false;
  if (type > static_cast<uint8_t>(raft::EntryType::kConfChange)) {
    return r.Fail("unknown entry type " + std::to_string(type));
  }
  header->type = static_cast<raft::EntryType>(type);
  return r.U32(&header->data_len);
}

}  // namespace

std::string EntryKey(uint64_t index) {
  std::string key;
  key.reserve(kEntryKeySize);
  key.push_back(kEntryKeyPrefix);
  PutU64(key, index);
  return key;
}

bool IsEntryKey(std::string_view key) { return !key.empty() && key[0] == kEntryKeyPrefix; }

Result<uint64_t> DecodeEntryKey(std::string_view key) {
  if (key.size() != kEntryKeySize || key[0] != kEntryKeyPrefix) {
    return Status::DataLoss("raft log: malformed entry key of " + std::to_string(key.size()) +
                            " bytes (expected 0x02 followed by an 8-byte index)");
  }
  uint64_t index = 0;
  for (size_t i = 1; i < kEntryKeySize; ++i) index = (index << 8) | static_cast<uint8_t>(key[i]);
  return index;
}

std::string EncodeEntry(const raft::Entry& entry) {
  std::string out;
  out.reserve(1 + 8 + 8 + 1 + 4 + entry.data.size());
  PutU8(out, kVersion1);
  PutU64(out, entry.term);
  PutU64(out, entry.index);
  PutU8(out, static_cast<uint8_t>(entry.type));
  PutU32(out, static_cast<uint32_t>(entry.data.size()));
  out += entry.data;
  return out;
}

Result<EntryHeader> DecodeEntryHeader(std::string_view value, std::string_view what) {
  Reader r(value, what);
  EntryHeader header;
  std::string_view data;
  if (ReadEntryHeader(r, &header) && r.Bytes(header.data_len, &data) && r.End()) return header;
  return r.status();
}

Result<raft::Entry> DecodeEntry(std::string_view value, std::string_view what) {
  Reader r(value, what);
  EntryHeader header;
  std::string_view data;
  if (!(ReadEntryHeader(r, &header) && r.Bytes(header.data_len, &data) && r.End())) {
    return r.status();
  }
  return raft::Entry{header.term, header.index, header.type, std::string(data)};
}

std::string EncodeHardState(const raft::HardState& hard_state) {
  std::string out;
  out.reserve(1 + 3 * 8);
  PutU8(out, kVersion1);
  PutU64(out, hard_state.term);
  PutU64(out, hard_state.vote);
  PutU64(out, hard_state.commit);
  return out;
}

Result<raft::HardState> DecodeHardState(std::string_view value, std::string_view what) {
  Reader r(value, what);
  raft::HardState hs;
  if (r.Version() && r.U64(&hs.term) && r.U64(&hs.vote) && r.U64(&hs.commit) && r.End()) return hs;
  return r.status();
}

std::string EncodeConfState(const raft::ConfState& conf_state) {
  std::string out;
  PutU8(out, kVersion1);
  PutConfBody(out, conf_state);
  return out;
}

Result<raft::ConfState> DecodeConfState(std::string_view value, std::string_view what) {
  Reader r(value, what);
  raft::ConfState cs;
  if (r.Version() && r.ConfBody(&cs) && r.End()) return cs;
  return r.status();
}

std::string EncodeSnapshotMeta(const raft::SnapshotMeta& meta) {
  std::string out;
  PutU8(out, kVersion1);
  PutU64(out, meta.index);
  PutU64(out, meta.term);
  PutConfBody(out, meta.conf_state);
  return out;
}

Result<raft::SnapshotMeta> DecodeSnapshotMeta(std::string_view value, std::string_view what) {
  Reader r(value, what);
  raft::SnapshotMeta meta;
  if (r.Version() && r.U64(&meta.index) && r.U64(&meta.term) && r.ConfBody(&meta.conf_state) &&
      r.End()) {
    return meta;
  }
  return r.status();
}

std::string EncodeLogBase(const LogBase& base) {
  std::string out;
  out.reserve(1 + 2 * 8);
  PutU8(out, kVersion1);
  PutU64(out, base.index);
  PutU64(out, base.term);
  return out;
}

Result<LogBase> DecodeLogBase(std::string_view value, std::string_view what) {
  Reader r(value, what);
  LogBase base;
  if (r.Version() && r.U64(&base.index) && r.U64(&base.term) && r.End()) return base;
  return r.status();
}

}  // namespace shadekv::store::raftlog
