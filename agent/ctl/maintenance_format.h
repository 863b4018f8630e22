// Output of `alarm list|disarm` and `defrag`, as etcdctl 3.4 prints them.
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include <Poco/JSON/Object.h>

#include "agent/ctl/output_format.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// An AlarmResponse. simple: one "memberID:N alarm:TYPE " line per alarm
// (etcdctl prints the proto's compact text: zero fields omitted, trailing
// space); json: {"alarms":[{"memberID":N,"alarm":1}]} with numbers, as
// etcdctl's JSON printer writes them. table: Unimplemented (etcdctl has no
// table printer for alarms).
Result<std::string> FormatAlarms(const Poco::JSON::Object::Ptr& resp, const PrintOptions& print);

// etcdctl's line for one defragmented member, plus shadectl's sizes when
// both are known (`before`/`after` 0: unknown, the line is left out).
std::string FormatDefragDone(const std::string& endpoint, uint64_t before, uint64_t after);

}  // namespace shadekv::ctl
