// shadectl's entry point as a function: parse the command line, pick the
// command, run it. Kept out of main() so the dispatch is testable in-process
// with string streams.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <vector>

namespace shadekv::ctl {

// Runs shadectl with `args` (without the program name). Reads stdin from
// `in`, writes results to `out` and errors to `err`, and returns the exit
// code (etcdctl's: 0 ok, 1 error, 3 bad txn input, 4 unsupported format or
// feature, 128 bad arguments).
int RunShadectl(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                std::ostream& err);

}  // namespace shadekv::ctl
