// How alert summaries name things: keys and users as printable text, who
// made a change, allowed hours, left-out attachments. Also the scope test
// every rule shares. Pure.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "plugins/hunt/local_time.h"

namespace shadekv::hunt {

inline bool HasPrefix(std::string_view s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// Printable ASCII as is, other bytes (and '"', '\') as \xNN, cut after 120
// characters with "...": keys are bytes, and a summary is one line.
std::string Printable(std::string_view bytes);
// Printable between double quotes.
std::string Quoted(std::string_view bytes);
// `user "alice" from 10.0.0.1:4000`, `an unauthenticated client`.
std::string Who(const std::string& user, const std::string& address);
// "1 key", "3 keys".
std::string Keys(size_t n);
// "08:00-18:00 on mon,tue,wed,thu,fri".
std::string DescribeAllowed(const AllowedTime& allowed);
// " (the last 16 of 40 triggering events attached)", or "" when none was
// left out.
std::string AttachedNote(size_t attached, size_t total, const char* what);
// The host part of "ip:port" or "[v6]:port": each connection has a port of
// its own, so grouping by the whole address would never see a burst.
std::string ClientHost(const std::string& address);

}  // namespace shadekv::hunt
