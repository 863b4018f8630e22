// Calendar arithmetic on Unix milliseconds: floor division so instants
// before 1970 land on the right day, and Howard Hinnant's civil-from-days.
#include "plugins/hunt/local_time.h"

#include <cstdint>
#include <cstdio>

namespace shadekv::hunt {
namespace {

constexpr int64_t kMsPerMinute = 60'000;
constexpr int64_t kMsPerDay = 86'400'000;
constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Splits Unix ms into a day number and the ms into that day (0..kMsPerDay-1)
// without computing day * kMsPerDay, which overflows near INT64_MIN.
void SplitDay(int64_t ms, int64_t* day, int64_t* in_day) {
  *day = ms / kMsPerDay;
  *in_day = ms % kMsPerDay;
  if (*in_day < 0) {
    *in_day += kMsPerDay;
    *day -= 1;
  }
}

bool TwoDigits(std::string_view text, size_t at, int* value) {
  if (at + 2 > text.size()) return false;
  char a = text[at], b = text[at + 1];
  if (a < '0' || a > '9' || b < '0' || b > '9') return false;
  *value = (a - '0') * 10 + (b - '0');
  return true;
}

// "HH:MM" at `at`, 00:00..24:00, as minutes.
bool ParseClock(std::string_view text, size_t at, int* minutes) {
  int h = 0, m = 0;
  if (!TwoDigits(text, at, &h) || text.size() < at + 5 || text[at + 2] != ':' ||
      !TwoDigits(text, at + 3, &m)) {
    return false;
  }
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return false;
  *minutes = h * 60 + m;
  return true;
}

}  // namespace

Status ParseHours(std::string_view text, AllowedTime* out) {
  int start = 0, end = 0;
  if (text.size() != 11 || text[5] != '-' || !ParseClock(text, 0, &start) ||
      !ParseClock(text, 6, &end)) {
    return Status::InvalidArgument("\"" + std::string(text) +
                                   "\" is not HH:MM-HH:MM with times from 00:00 to 24:00");
  }
  if (start == end) {
    return Status::InvalidArgument("\"" + std::string(text) +
                                   "\" is an empty window (start equals end)");
  }
  if (start == 1440) {
    return Status::InvalidArgument("\"" + std::string(text) + "\" starts at 24:00; use 00:00");
  }
  out->start_minute = start;
  out->end_minute = end;
  return Status::Ok();
}

Status ParseDay(std::string_view text, AllowedTime* out) {
  for (int i = 0; i < 7; ++i) {
    if (text == kDays[i]) {
      out->days_mask = static_cast<uint8_t>(out->days_mask | (1u << i));
      return Status::Ok();
    }
  }
  return Status::InvalidArgument("\"" + std::string(text) +
                                 "\" is not a day; use mon, tue, wed, thu, fri, sat or sun");
}

Status ParseUtcOffset(std::string_view text, AllowedTime* out) {
  if (text == "Z") {
    out->offset_minutes = 0;
    return Status::Ok();
  }
  int h = 0, m = 0;
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || !TwoDigits(text, 1, &h) ||
      text[3] != ':' || !TwoDigits(text, 4, &m) || m > 59 || h * 60 + m > 14 * 60) {
    return Status::InvalidArgument("\"" + std::string(text) +
                                   "\" is not a UTC offset like +02:00, -05:30 or Z");
  }
  out->offset_minutes = (text[0] == '-' ? -1 : 1) * (h * 60 + m);
  return Status::Ok();
}

LocalTime ToLocal(int64_t unix_ms, int offset_minutes) {
  // A hostile event may carry any int64 time: saturate instead of overflowing.
  int64_t local = 0;
  if (__builtin_add_overflow(unix_ms, offset_minutes * kMsPerMinute, &local)) {
    local = unix_ms < 0 ? INT64_MIN : INT64_MAX;
  }
  int64_t day = 0, in_day = 0;
  SplitDay(local, &day, &in_day);
  LocalTime t;
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  t.weekday = static_cast<int>(((day % 7) + 7 + 3) % 7);
  t.minute_of_day = static_cast<int>(in_day / kMsPerMinute);
  t.ms_of_minute = in_day % kMsPerMinute;
  return t;
}

bool IsAllowed(const AllowedTime& allowed, int64_t unix_ms) {
  LocalTime t = ToLocal(unix_ms, allowed.offset_minutes);
  if ((allowed.days_mask & (1u << t.weekday)) == 0) return false;
  if (allowed.start_minute < allowed.end_minute) {
    return t.minute_of_day >= allowed.start_minute && t.minute_of_day < allowed.end_minute;
  }
  return t.minute_of_day >= allowed.start_minute || t.minute_of_day < allowed.end_minute;
}

std::string_view DayName(int weekday) { return kDays[((weekday % 7) + 7) % 7]; }

std::string DescribeLocal(int64_t unix_ms, int offset_minutes) {
  LocalTime t = ToLocal(unix_ms, offset_minutes);
  int off = offset_minutes < 0 ? -offset_minutes : offset_minutes;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%s %02d:%02d (UTC%c%02d:%02d)",
                std::string(DayName(t.weekday)).c_str(), t.minute_of_day / 60, t.minute_of_day % 60,
                offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

std::string FormatRfc3339(int64_t unix_ms) {
  int64_t days = 0, in_day = 0;
  SplitDay(unix_ms, &days, &in_day);
  // civil_from_days (Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms").
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char buf[128];
  std::snprintf(buf, sizeof(buf), "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(in_day / 3'600'000),
                static_cast<long long>(in_day / 60'000 % 60),
                static_cast<long long>(in_day / 1000 % 60), static_cast<long long>(in_day % 1000));
  return buf;
}

}  // namespace shadekv::hunt
