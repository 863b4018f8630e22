// shadectl's progress line (see the header).
#include "agent/ctl/progress_line.h"

#include <unistd.h>

#include <cstdio>

namespace shadekv::ctl {

std::string FormatProgressLine(std::string_view phase, uint64_t done, uint64_t total) {
  char numbers[96];
  if (total == 0) {
    std::snprintf(numbers, sizeof(numbers), "%.1f MiB", done / 1048576.0);
  } else {
    const uint64_t shown = done > total ? total : done;
    std::snprintf(numbers, sizeof(numbers), "%.1f/%.1f MiB (%d%%)", shown / 1048576.0,
                  total / 1048576.0, static_cast<int>(shown * 100 / total));
  }
  std::string line = "\r";
  line.append(phase);
  line += ": ";
  line += numbers;
  if (total != 0 && done >= total) line += "\n";
  return line;
}

store::SnapshotProgress ProgressLine(std::ostream& err, bool is_terminal, std::string phase) {
  if (!is_terminal) return {};
  return [&err, phase = std::move(phase)](uint64_t done, uint64_t total) {
    err << FormatProgressLine(phase, done, total) << std::flush;
  };
}

store::SnapshotProgress TerminalProgress(std::ostream& err, std::string phase) {
  return ProgressLine(err, isatty(STDERR_FILENO) != 0, std::move(phase));
}

}  // namespace shadekv::ctl
