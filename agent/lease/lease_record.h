// How a lease is kept in the store's meta namespace (MvccStore::MetaWrite),
// so it moves atomically with the applied index and travels in snapshots.
//
//   key   := "lease/" hex16(uint64(id))                 (sorts by id bits)
//   value := version:u8 (=1) ttl:be64 remaining_ttl:be64
//
// Persisted: never change the layout; add a version instead. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "agent/lease/lease_table.h"
#include "shadekv/common/status.h"

namespace shadekv::lease {

inline constexpr char kLeaseMetaPrefix[] = "lease/";

std::string LeaseMetaKey(int64_t id);
std::string EncodeLeaseRecord(const LeaseRecord& record);
// `key` is the meta key (the id comes from it). Errors: kDataLoss naming the
// key for a malformed key or value, or an unknown version.
Result<LeaseRecord> DecodeLeaseRecord(std::string_view key, std::string_view value);

}  // namespace shadekv::lease
