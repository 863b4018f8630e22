// Go formatting habits etcdctl's output depends on (tablewriter,
// go-humanize, time.Duration.String, strconv.Quote), reimplemented.
#include "agent/ctl/go_format.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>

namespace shadekv::ctl {

namespace {

// tablewriter measures display width; count UTF-8 code points, not bytes.
size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::string Spaces(size_t n) { return std::string(n, ' '); }

}  // namespace

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  for (size_t c = 0; c < header.size(); ++c) widths[c] = DisplayWidth(header[c]);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
    }
  }
  std::string line = "+";
  for (size_t w : widths) line += std::string(w + 2, '-') + "+";
  line += "\n";

  std::string out = line + "|";
  for (size_t c = 0; c < header.size(); ++c) {
    size_t gap = widths[c] - DisplayWidth(header[c]);
    size_t left = gap / 2;
    out += " " + Spaces(left) + header[c] + Spaces(gap - left) + " |";
  }
  out += "\n" + line;
  for (const auto& row : rows) {
    out += "|";
    for (size_t c = 0; c < widths.size(); ++c) {
      std::string cell = c < row.size() ? row[c] : "";
      out += " " + Spaces(widths[c] - DisplayWidth(cell)) + cell + " |";
    }
    out += "\n";
  }
  return out + line;
}

std::string HumanizeBytes(uint64_t bytes) {
  static const char* const kSizes[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  char buf[64];
  if (bytes < 10) {
    std::snprintf(buf, sizeof(buf), "%" PRIu64 " B", bytes);
    return buf;
  }
  double s = static_cast<double>(bytes);
  int e = static_cast<int>(std::floor(std::log(s) / std::log(1000.0)));
  double val = std::floor(s / std::pow(1000.0, e) * 10 + 0.5) / 10;
  std::snprintf(buf, sizeof(buf), val < 10 ? "%.1f %s" : "%.0f %s", val, kSizes[e]);
  return buf;
}

namespace {

// Go's fmtFrac: the fraction digits of v/10^prec without trailing zeros.
std::string FracDigits(uint64_t& v, int prec) {
  std::string digits;
  bool print = false;
  for (int i = 0; i < prec; ++i) {
    uint64_t digit = v % 10;
    print = print || digit != 0;
    if (print) digits.insert(digits.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  return print ? "." + digits : "";
}

}  // namespace

std::string FormatGoDuration(int64_t nanoseconds) {
  if (nanoseconds == 0) return "0s";
  bool negative = nanoseconds < 0;
  uint64_t u =
      negative ? static_cast<uint64_t>(-(nanoseconds + 1)) + 1 : static_cast<uint64_t>(nanoseconds);
  std::string out;
  if (u < 1000000000ULL) {
    int prec;
    std::string unit;
    if (u < 1000ULL) {
      return (negative ? "-" : "") + std::to_string(u) + "ns";
    } else if (u < 1000000ULL) {
      prec = 3;
      unit = "\xC2\xB5s";  // µs, as Go prints it
    } else {
      prec = 6;
      unit = "ms";
    }
    std::string frac = FracDigits(u, prec);
    out = std::to_string(u) + frac + unit;
  } else {
    std::string frac = FracDigits(u, 9);
    out = std::to_string(u % 60) + frac + "s";
    u /= 60;
    if (u > 0) {
      out = std::to_string(u % 60) + "m" + out;
      u /= 60;
      if (u > 0) out = std::to_string(u) + "h" + out;
    }
  }
  return (negative ? "-" : "") + out;
}

std::string GoQuote(std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

}  // namespace shadekv::ctl
