// Opening LevelDB for shadekv and turning its errors into Status values.
//
// Every shadekv LevelDB directory carries a format marker so that opening the
// wrong directory (another program's LevelDB, a raft-log dir given as a kv dir,
// a newer format) is refused with a clear error instead of being "repaired" or
// silently mixed with foreign keys.
#pragma once

#include <leveldb/db.h>
#include <leveldb/status.h>

#include <memory>
#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::store {

// Key of the format marker. It sorts before every other key shadekv writes
// (leading 0x00), so scans over data prefixes never see it. Never change it.
inline constexpr std::string_view kFormatMarkerKey{"\x00shadekv-format", 15};

// Converts a LevelDB status. `what` says what was being done ("opening kv
// store /var/lib/x", "writing batch for raft index 12"). Corruption maps to
// kDataLoss, I/O errors to kUnavailable, NotFound to kNotFound, invalid
// arguments to kInvalidArgument.
Status FromLevelDb(const leveldb::Status& status, std::string_view what);

struct OpenOptions {
  bool create_if_missing = true;
  size_t write_buffer_bytes = 4 << 20;  // memtable size before a flush
};

// Opens (or creates) the LevelDB database at `path` and checks that it holds
// `format` (e.g. "shadekv-kv/1"). A new, empty database gets the marker.
// Errors, each naming the path and what to do:
//  - kFailedPrecondition: the directory holds data without our marker or with
//    another format (foreign directory), or does not exist and
//    create_if_missing is false;
//  - kUnavailable: locked by another process, or an I/O error;
//  - kDataLoss: LevelDB reports corruption.
Result<std::unique_ptr<leveldb::DB>> OpenLevelDb(const std::string& path, std::string_view format,
                                                 const OpenOptions& options);

}  // namespace shadekv::store
