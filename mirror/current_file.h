// The mirror's CURRENT file: which store generation directory is live. It is
// replaced atomically (write a temporary file, fsync, rename, fsync the
// directory), so after a crash it names either the old or the new store,
// never a half-written one.
//
//   CURRENT := "store-" decimal(generation) "\n"
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "shadekv/common/status.h"

namespace shadekv::mirror {

// "<dir>/store-<generation>".
std::string GenerationDir(const std::string& dir, uint64_t generation);

// The generation CURRENT names; nullopt when there is no CURRENT file.
// kDataLoss when its content is not the grammar above.
Result<std::optional<uint64_t>> ReadCurrent(const std::string& dir);

// Atomically makes CURRENT name `generation`. kUnavailable on I/O errors.
Status WriteCurrent(const std::string& dir, uint64_t generation);

}  // namespace shadekv::mirror
