// The progress line of shadectl's long operations (snapshot save, status,
// restore, shadow fork/promote): "\r<phase>: 12.0/40.3 MiB (29%)" redrawn in
// place on stderr, ended with a newline when done, and only when stderr is a
// terminal, so scripts and logs never see it.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include "shadekv/store/mvcc_store.h"

namespace shadekv::ctl {

// One redraw of the line (pure). `total` 0 means unknown: no percentage.
std::string FormatProgressLine(std::string_view phase, uint64_t done, uint64_t total);

// A progress callback drawing on `err` when `is_terminal`, else an empty one.
// `err` must outlive the callback.
store::SnapshotProgress ProgressLine(std::ostream& err, bool is_terminal, std::string phase);

// The same, with is_terminal = isatty(STDERR_FILENO).
store::SnapshotProgress TerminalProgress(std::ostream& err, std::string phase);

}  // namespace shadekv::ctl
