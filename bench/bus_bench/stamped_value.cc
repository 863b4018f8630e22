// Fixed-width decimal for the put value keeps it printable (etcdctl and the
// watch JSON show it as is) and its length independent of the time.
#include "bench/bus_bench/stamped_value.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

namespace shadekv::bench {
namespace {

constexpr std::string_view kStampTag = "ts=";
constexpr size_t kStampDigits = 20;

}  // namespace

std::string MakeStampedValue(int64_t sent_ns, size_t value_bytes) {
  char head[kMinStampedValueBytes + 1];
  std::snprintf(head, sizeof(head), "ts=%020lld.", static_cast<long long>(sent_ns));
  std::string value(head, kMinStampedValueBytes);
  value.resize(std::max(value_bytes, kMinStampedValueBytes), 'v');
  return value;
}

Result<int64_t> ReadValueStamp(std::string_view value) {
  if (value.size() < kMinStampedValueBytes || value.substr(0, kStampTag.size()) != kStampTag ||
      value[kStampTag.size() + kStampDigits] != '.') {
    return Status::InvalidArgument("value does not start with a send stamp \"ts=<20 digits>.\"");
  }
  const char* begin = value.data() + kStampTag.size();
  const char* end = begin + kStampDigits;
  if (!std::all_of(begin, end, [](char c) { return c >= '0' && c <= '9'; })) {
    return Status::InvalidArgument("send stamp has a non-digit");
  }
  int64_t sent_ns = 0;
  auto [ptr, ec] = std::from_chars(begin, end, sent_ns);
  if (ec != std::errc() || ptr != end) {
    return Status::InvalidArgument("send stamp does not fit in int64");
  }
  return sent_ns;
}

std::string MakeReferenceBody(const ReferenceStamp& stamp, size_t message_bytes) {
  std::string body(std::max(message_bytes, kMinReferenceBodyBytes), '\0');
  uint64_t words[2] = {stamp.seq, static_cast<uint64_t>(stamp.sent_ns)};
  // Little-endian on every machine we run on (x86-64, arm64); both ends are
  // one process anyway.
  std::memcpy(body.data(), words, sizeof(words));
  return body;
}

Result<ReferenceStamp> ReadReferenceBody(std::string_view body) {
  if (body.size() < kMinReferenceBodyBytes) {
    return Status::InvalidArgument("reference body of " + std::to_string(body.size()) +
                                   " bytes is shorter than its 16-byte stamp");
  }
  uint64_t words[2];
  std::memcpy(words, body.data(), sizeof(words));
  return ReferenceStamp{words[0], static_cast<int64_t>(words[1])};
}

}  // namespace shadekv::bench
