// Parsing of the auto-compaction and corruption-check flags, with etcd 3.4's
// rules for --auto-compaction-retention.
#include "agent/maintenance/maintenance_flags.h"

#include <algorithm>

#include "agent/ctl/flags.h"

namespace shadekv::maintenance {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

const std::string* Last(const std::map<std::string, std::vector<std::string>>& flags,
                        const std::string& name) {
  auto it = flags.find(name);
  if (it == flags.end() || it->second.empty()) return nullptr;
  return &it->second.back();
}

Status Invalid(const std::string& flag, const std::string& value, const std::string& expected) {
  return Status::InvalidArgument("--" + flag + " '" + value + "': expected " + expected);
}

// A Go duration of at least one millisecond, or 0.
Result<milliseconds> ParseInterval(const std::string& flag, const std::string& value) {
  Result<std::chrono::nanoseconds> d = ctl::ParseGoDuration(value);
  if (!d.ok() || d->count() < 0 || (d->count() > 0 && *d < milliseconds(1))) {
    return Invalid(flag, value, "a duration like 5m or 500ms (0: off)");
  }
  return duration_cast<milliseconds>(*d);
}

Status ParseRetention(const std::string& text, MaintenanceConfig* c) {
  constexpr char kFlag[] = "auto-compaction-retention";
  if (c->auto_compaction == AutoCompactionMode::kRevision) {
    Result<int64_t> n = ctl::ParseGoInt64(text, 10);
    if (!n.ok() || *n < 0) return Invalid(kFlag, text, "a number of revisions to keep (0: off)");
    c->compaction_revisions = *n;
    if (*n == 0) c->auto_compaction = AutoCompactionMode::kOff;
    return Status::Ok();
  }
  // etcd: a duration, else a whole number of hours.
  milliseconds period{0};
  if (Result<std::chrono::nanoseconds> d = ctl::ParseGoDuration(text); d.ok()) {
    if (d->count() < 0 || (d->count() > 0 && *d < milliseconds(1))) {
      return Invalid(kFlag, text, "a positive duration like 1h or 30m");
    }
    period = duration_cast<milliseconds>(*d);
  } else if (Result<int64_t> hours = ctl::ParseGoInt64(text, 10);
             hours.ok() && *hours >= 0 && *hours <= 24 * 365 * 100) {
    period = std::chrono::hours(*hours);
  } else {
    return Invalid(kFlag, text, "a duration like 1h or 30m, or a whole number of hours");
  }
  c->compaction_period = period;
  if (period.count() == 0) c->auto_compaction = AutoCompactionMode::kOff;
  return Status::Ok();
}

}  // namespace

const std::vector<std::string>& MaintenanceFlagNames() {
  static const std::vector<std::string> names = {
      "auto-compaction-mode",
      "auto-compaction-retention",
      "experimental-auto-compaction-revision-interval",
      "experimental-initial-corrupt-check",
      "experimental-corrupt-check-time",
  };
  return names;
}

bool IsMaintenanceBoolFlag(const std::string& name) {
  return name == "experimental-initial-corrupt-check";
}

Result<MaintenanceConfig> ParseMaintenanceFlags(
    const std::map<std::string, std::vector<std::string>>& flags) {
  MaintenanceConfig c;
  AutoCompactionMode mode = AutoCompactionMode::kPeriodic;
  if (const std::string* v = Last(flags, "auto-compaction-mode")) {
    if (*v == "periodic") {
      mode = AutoCompactionMode::kPeriodic;
    } else if (*v == "revision") {
      mode = AutoCompactionMode::kRevision;
    } else {
      return Invalid("auto-compaction-mode", *v, "periodic or revision");
    }
  }
  if (const std::string* v = Last(flags, "auto-compaction-retention")) {
    c.auto_compaction = mode;
    SHADEKV_RETURN_IF_ERROR(ParseRetention(*v, &c));
  }
  if (const std::string* v = Last(flags, "experimental-auto-compaction-revision-interval")) {
    SHADEKV_ASSIGN_OR_RETURN(c.revision_mode_interval,
                             ParseInterval("experimental-auto-compaction-revision-interval", *v));
    if (c.revision_mode_interval.count() == 0) {
      return Invalid("experimental-auto-compaction-revision-interval", *v,
                     "a positive duration like 5m or 500ms");
    }
  }
  if (const std::string* v = Last(flags, "experimental-initial-corrupt-check")) {
    Result<bool> on = ctl::ParseGoBool(*v);
    if (!on.ok()) return Invalid("experimental-initial-corrupt-check", *v, "true or false");
    c.initial_corrupt_check = *on;
  }
  if (const std::string* v = Last(flags, "experimental-corrupt-check-time")) {
    SHADEKV_ASSIGN_OR_RETURN(c.corrupt_check_interval,
                             ParseInterval("experimental-corrupt-check-time", *v));
  }
  return c;
}

}  // namespace shadekv::maintenance
