// What the bus benchmark carries in each message so that a receiver can
// tell when it was sent: the sender's steady-clock time in nanoseconds
// (sender and receivers are threads of one process, so one clock).
//
//   put value (bus)      = "ts=" 20*DIGIT "." *"v"          (value_bytes long)
//   reference body (zmq) = seq:u64-le sent_ns:i64-le *0x00  (message_bytes long)
//
// Pure: formatting and parsing only; every malformed input is an error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::bench {

// The smallest put value that holds a stamp ("ts=" + 20 digits + ".").
inline constexpr size_t kMinStampedValueBytes = 24;
// The smallest reference body (two 8-byte integers).
inline constexpr size_t kMinReferenceBodyBytes = 16;

// A value of max(value_bytes, kMinStampedValueBytes) bytes stamped with
// sent_ns (>= 0).
std::string MakeStampedValue(int64_t sent_ns, size_t value_bytes);
// kInvalidArgument when `value` does not start with a well-formed stamp.
Result<int64_t> ReadValueStamp(std::string_view value);

struct ReferenceStamp {
  uint64_t seq = 0;
  int64_t sent_ns = 0;
};
// A body of max(message_bytes, kMinReferenceBodyBytes) bytes.
std::string MakeReferenceBody(const ReferenceStamp& stamp, size_t message_bytes);
// kInvalidArgument when the body is shorter than kMinReferenceBodyBytes.
Result<ReferenceStamp> ReadReferenceBody(std::string_view body);

}  // namespace shadekv::bench
