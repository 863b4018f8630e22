// shadekv-sub's persisted applied revision: one decimal number in a file,
// replaced atomically (write to PATH.tmp, fsync, rename), so a kill at any
// moment leaves either the old or the new revision, never a torn one.
#pragma once

#include <cstdint>
#include <string>

#include "shadekv/common/status.h"

namespace shadekv::bus {

// 0 when the file does not exist; kDataLoss when it holds anything but a
// non-negative decimal revision.
Result<int64_t> LoadAppliedRevision(const std::string& path);
Status SaveAppliedRevision(const std::string& path, int64_t revision);

}  // namespace shadekv::bus
