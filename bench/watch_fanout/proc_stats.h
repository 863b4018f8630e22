// Memory and CPU of another process, read from Linux /proc, so the benchmark
// can report what the server spends with N watchers open. The parsers are
// pure and separate from the file reads so they can be tested on fixed text.
#pragma once

#include <cstdint>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::bench {

// VmRSS in KiB from the text of /proc/PID/status.
Result<int64_t> ParseVmRssKb(std::string_view proc_status);

// utime + stime in clock ticks from the text of /proc/PID/stat (fields 14
// and 15; the command name in parentheses may itself hold spaces and ')').
Result<int64_t> ParseCpuTicks(std::string_view proc_stat);

// The same, read from the live process. kNotFound when the process is gone.
Result<int64_t> ReadVmRssKb(int pid);
Result<double> ReadCpuSeconds(int pid);

}  // namespace shadekv::bench
