// CRC-32C (Castagnoli), the checksum of a catch-up snapshot (PROTOCOL.md).
#pragma once

#include <cstdint>
#include <string_view>

namespace shadekv::bus {

// Extends `crc` (the value returned for the bytes before `data`, 0 to start)
// over `data`. Crc32c("123456789") == 0xE3069283.
uint32_t Crc32cExtend(uint32_t crc, std::string_view data);
inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data); }

}  // namespace shadekv::bus
