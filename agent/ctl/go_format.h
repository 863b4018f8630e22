// Text the way etcdctl's Go libraries format it: tablewriter tables,
// go-humanize byte sizes, time.Duration strings and %q quoting. Pure
// functions, used by output_format.cc and pinned by golden tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shadekv::ctl {

// olekukonko/tablewriter as etcdctl configures it: headers centred, cells
// right-aligned, one space of padding, +---+ borders. Headers are printed as
// given (etcdctl's are upper case already).
std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows);

// go-humanize's Bytes(): SI units, "20 kB", "1.5 MB", "7 B".
std::string HumanizeBytes(uint64_t bytes);

// Go's time.Duration.String(): "1.485404ms", "2s", "1m30s", "0s".
std::string FormatGoDuration(int64_t nanoseconds);

// Go's %q of a string (strconv.Quote) for the printable-ASCII cases etcdctl
// meets; other bytes as \x.. escapes.
std::string GoQuote(std::string_view text);

}  // namespace shadekv::ctl
