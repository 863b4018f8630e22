// Calendar arithmetic for the hunt rules, on Unix milliseconds taken from the
// events themselves (never from a clock): the outside_hours rule's allowed
// window, and RFC 3339 timestamps for alert lines. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::hunt {

// When changes are allowed, in one fixed UTC offset (no DST: a rule states
// its offset, so the same file means the same thing everywhere).
struct AllowedTime {
  // Minutes since local midnight. start inclusive, end exclusive; when
  // end < start the window wraps midnight ("22:00-06:00" allows 22:00-23:59
  // and 00:00-05:59 of each allowed day). end may be 1440 ("24:00").
  int start_minute = 0;
  int end_minute = 1440;
  uint8_t days_mask = 0x7f;  // bit 0 = Monday ... bit 6 = Sunday
  int offset_minutes = 0;    // local = UTC + offset
};

// "HH:MM-HH:MM" (00:00..24:00; start != end).
Status ParseHours(std::string_view text, AllowedTime* out);
// "mon", "tue", ... "sun" (lower case); adds to out->days_mask.
Status ParseDay(std::string_view text, AllowedTime* out);
// "+HH:MM", "-HH:MM" (up to 14:00) or "Z".
Status ParseUtcOffset(std::string_view text, AllowedTime* out);

// Local time of a Unix-ms instant in a given offset.
struct LocalTime {
  int weekday = 0;  // 0 = Monday ... 6 = Sunday
  int minute_of_day = 0;
  int64_t ms_of_minute = 0;
};
LocalTime ToLocal(int64_t unix_ms, int offset_minutes);

// True when `unix_ms` falls inside the allowed window on an allowed day.
bool IsAllowed(const AllowedTime& allowed, int64_t unix_ms);

// "mon" ... "sun".
std::string_view DayName(int weekday);
// "Tue 03:07 (UTC+02:00)": how a summary names a local time.
std::string DescribeLocal(int64_t unix_ms, int offset_minutes);

// "2026-11-21T05:25:40.123Z".
std::string FormatRfc3339(int64_t unix_ms);

}  // namespace shadekv::hunt
