// ConfChange <-> Entry::data.
//
// The bytes are persisted in every kConfChange log entry and replicated: NEVER
// change this layout; a new layout needs a new version byte and must keep
// decoding version 1 forever.
//
//   conf_change := version type node_id context_len context
//   version     := 0x01                                   (1 byte)
//   type        := ConfChangeType numeric value (0..2)     (1 byte)
//   node_id     := uint64, little-endian                   (8 bytes)
//   context_len := uint32, little-endian                   (4 bytes)
//   context     := context_len bytes, opaque
//
// Decoding requires the exact total length (no trailing bytes), a known
// version and type, and a non-zero node_id.
#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/raft/raw_node.h"

namespace shadekv::raft {
namespace {

constexpr uint8_t kConfChangeVersion = 1;
constexpr size_t kHeaderBytes = 1 + 1 + 8 + 4;

void PutLittleEndian(std::string& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

uint64_t GetLittleEndian(std::string_view in, size_t pos, int bytes) {
  uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= static_cast<uint64_t>(static_cast<uint8_t>(in[pos + i])) << (8 * i);
  }
  return value;
}

}  // namespace

std::string EncodeConfChange(const ConfChange& change) {
  std::string out;
  out.reserve(kHeaderBytes + change.context.size());
  out.push_back(static_cast<char>(kConfChangeVersion));
  out.push_back(static_cast<char>(change.type));
  PutLittleEndian(out, change.node_id, 8);
  PutLittleEndian(out, change.context.size(), 4);
  out += change.context;
  return out;
}

Result<ConfChange> DecodeConfChange(std::string_view data) {
  if (data.size() < kHeaderBytes) {
    return Status::InvalidArgument("raft: conf change truncated: " + std::to_string(data.size()) +
                                   " bytes, need at least " + std::to_string(kHeaderBytes));
  }
  const uint8_t version = static_cast<uint8_t>(data[0]);
  if (version != kConfChangeVersion) {
    return Status::InvalidArgument("raft: conf change has unknown version " +
                                   std::to_string(version));
  }
  const uint8_t type = static_cast<uint8_t>(data[1]);
  if (type > static_cast<uint8_t>(ConfChangeType::kAddLearner)) {
    return Status::InvalidArgument("raft: conf change has unknown type " + std::to_string(type));
  }
  ConfChange change;
  change.type = static_cast<ConfChangeType>(type);
  change.node_id = GetLittleEndian(data, 2, 8);
  if (change.node_id == kNoNode) {
    return Status::InvalidArgument("raft: conf change names node 0");
  }
  const uint64_t context_len = GetLittleEndian(data, 10, 4);
  if (data.size() - kHeaderBytes != context_len) {
    return Status::InvalidArgument("raft: conf change context is " +
                                   std::to_string(data.size() - kHeaderBytes) +
                                   " bytes, header says " + std::to_string(context_len));
  }
  change.context = std::string(data.substr(kHeaderBytes));
  return change;
}

}  // namespace shadekv::raft
