// /proc readers for the server's resident memory and CPU time.
#include "bench/watch_fanout/proc_stats.h"

#include <unistd.h>

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace shadekv::bench {
namespace {

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path + " (is the process still running?)");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool ParseInt64(std::string_view s, int64_t& out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

Result<int64_t> ParseVmRssKb(std::string_view text) {
  // A line "VmRSS:\t   12345 kB".
  size_t pos = text.find("\nVmRSS:");
  if (pos == std::string_view::npos) {
    if (text.rfind("VmRSS:", 0) != 0) return Status::InvalidArgument("no VmRSS line");
    pos = 0;
  } else {
    pos += 1;
  }
  std::string_view line = text.substr(pos + 6);
  line = line.substr(0, line.find('\n'));
  const size_t start = line.find_first_not_of(" \t");
  if (start == std::string_view::npos) return Status::InvalidArgument("empty VmRSS line");
  line.remove_prefix(start);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos || line.substr(space + 1) != "kB") {
    return Status::InvalidArgument("VmRSS line is not \"<n> kB\"");
  }
  int64_t kb = 0;
  if (!ParseInt64(line.substr(0, space), kb) || kb < 0) {
    return Status::InvalidArgument("VmRSS value is not a number");
  }
  return kb;
}

Result<int64_t> ParseCpuTicks(std::string_view text) {
  const size_t paren = text.rfind(')');
  if (paren == std::string_view::npos) return Status::InvalidArgument("no ')' in /proc stat");
  // After "comm)": field 3 (state) is the first; utime and stime are 14 and 15.
  std::string_view rest = text.substr(paren + 1);
  int64_t values[2] = {0, 0};
  int field = 2;
  while (!rest.empty() && field < 15) {
    const size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = rest.find_first_of(" \n");
    const std::string_view token = rest.substr(0, end);
    ++field;
    if (field == 14 || field == 15) {
      if (!ParseInt64(token, values[field - 14]) || values[field - 14] < 0) {
        return Status::InvalidArgument("field " + std::to_string(field) +
                                       " of /proc stat is not a number");
      }
    }
    rest.remove_prefix(token.size());
  }
  if (field < 15) return Status::InvalidArgument("/proc stat has fewer than 15 fields");
  return values[0] + values[1];
}

Result<int64_t> ReadVmRssKb(int pid) {
  SHADEKV_ASSIGN_OR_RETURN(std::string text,
                           ReadWholeFile("/proc/" + std::to_string(pid) + "/status"));
  return ParseVmRssKb(text);
}

Result<double> ReadCpuSeconds(int pid) {
  SHADEKV_ASSIGN_OR_RETURN(std::string text,
                           ReadWholeFile("/proc/" + std::to_string(pid) + "/stat"));
  SHADEKV_ASSIGN_OR_RETURN(int64_t ticks, ParseCpuTicks(text));
  return static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace shadekv::bench
