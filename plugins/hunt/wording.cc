// Wording of alert summaries (wording.h).
#include "plugins/hunt/wording.h"

#include <cstdio>

namespace shadekv::hunt {

std::string Printable(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= 120) return out + "...";
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string Quoted(std::string_view bytes) { return "\"" + Printable(bytes) + "\""; }

std::string Who(const std::string& user, const std::string& address) {
  std::string who = user.empty() ? "an unauthenticated client" : "user " + Quoted(user);
  if (!address.empty()) who += " from " + Printable(address);
  return who;
}

std::string Keys(size_t n) { return std::to_string(n) + (n == 1 ? " key" : " keys"); }

namespace {

std::string Clock(int minute) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%02d:%02d", minute / 60, minute % 60);
  return buf;
}

}  // namespace

std::string DescribeAllowed(const AllowedTime& a) {
  std::string days;
  for (int d = 0; d < 7; ++d) {
    if (a.days_mask & (1u << d)) days += (days.empty() ? "" : ",") + std::string(DayName(d));
  }
  return Clock(a.start_minute) + "-" + Clock(a.end_minute) + " on " + days;
}

std::string AttachedNote(size_t attached, size_t total, const char* what) {
  if (attached >= total) return "";
  return " (the last " + std::to_string(attached) + " of " + std::to_string(total) +
         " triggering " + what + " attached)";
}

std::string ClientHost(const std::string& address) {
  if (!address.empty() && address[0] == '[') {
    size_t close = address.find(']');
    return close == std::string::npos ? address : address.substr(0, close + 1);
  }
  size_t colon = address.find(':');
  if (colon != std::string::npos && address.find(':', colon + 1) == std::string::npos) {
    return address.substr(0, colon);
  }
  return address;
}

}  // namespace shadekv::hunt
