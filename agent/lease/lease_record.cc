// Lease records in the store's meta namespace.
#include "agent/lease/lease_record.h"

#include <cstdint>
#include <cstdio>

namespace shadekv::lease {
namespace {

constexpr uint8_t kRecordVersion = 1;
constexpr size_t kRecordBytes = 1 + 8 + 8;

void AppendBe64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

uint64_t ReadBe64(std::string_view in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

}  // namespace

std::string LeaseMetaKey(int64_t id) {
  char hex[17];
  std::snprintf(hex, sizeof(hex), "%016llx",
                static_cast<unsigned long long>(static_cast<uint64_t>(id)));
  return std::string(kLeaseMetaPrefix) + hex;
}

std::string EncodeLeaseRecord(const LeaseRecord& record) {
  std::string out;
  out.push_back(static_cast<char>(kRecordVersion));
  AppendBe64(out, static_cast<uint64_t>(record.ttl));
  AppendBe64(out, static_cast<uint64_t>(record.remaining_ttl));
  return out;
}

Result<LeaseRecord> DecodeLeaseRecord(std::string_view key, std::string_view value) {
  const std::string_view prefix(kLeaseMetaPrefix);
  auto damaged = [&](const std::string& why) {
    return Status::DataLoss("lease record '" + std::string(key) + "' is damaged: " + why +
                            " (restore this member from a snapshot)");
  };
  if (!key.starts_with(prefix) || key.size() != prefix.size() + 16) return damaged("bad key");
  uint64_t id = 0;
  for (char c : key.substr(prefix.size())) {
    int digit = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    if (digit < 0) return damaged("bad key");
    id = (id << 4) | static_cast<uint64_t>(digit);
  }
  if (value.empty()) return damaged("empty value");
  if (static_cast<uint8_t>(value[0]) != kRecordVersion) {
    return damaged("version " + std::to_string(static_cast<uint8_t>(value[0])) +
                   " is not supported");
  }
  if (value.size() != kRecordBytes) {
    return damaged(std::to_string(value.size()) + " bytes, expected " +
                   std::to_string(kRecordBytes));
  }
  LeaseRecord record;
  record.id = static_cast<int64_t>(id);
  record.ttl = static_cast<int64_t>(ReadBe64(value.substr(1)));
  record.remaining_ttl = static_cast<int64_t>(ReadBe64(value.substr(9)));
  return record;
}

}  // namespace shadekv::lease
