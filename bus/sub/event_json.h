// One bus EVENT as one JSON line for shadekv-sub: who, when, and the changes
// in the shape of etcd's watch JSON (base64 keys and values, int64 as
// strings, zero fields omitted). Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

#include "shadekv/bus/messages.h"

namespace shadekv::bus {

// Changes whose key does not start with `prefix` are left out; returns ""
// when none is left (nothing to print). An empty prefix keeps everything.
std::string EventJsonLine(const ChangeEvent& event, std::string_view prefix);

// {"snapshot":{"revision":"R","bytes":"N"}}
std::string SnapshotJsonLine(int64_t revision, uint64_t bytes);

}  // namespace shadekv::bus
