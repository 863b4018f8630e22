// Asking for a password on the terminal, as etcdctl does with speakeasy.
#pragma once

#include <istream>
#include <ostream>
#include <string>

namespace shadekv::ctl {

// Prints `prompt` on `out`, reads one line from `in` (a trailing "\r" is
// dropped; end of input ends the line, so a closed stdin reads as ""), then
// prints "\n" on `out`, as speakeasy.Ask does. When `in` is the process's
// std::cin and stdin is a terminal, echo is off while the line is typed and
// is restored afterwards, also when SIGINT/SIGTERM/SIGHUP/SIGQUIT arrive
// meanwhile (the signal is then re-raised with its default action). Never
// logs or prints what was typed. Call from the main thread only.
std::string AskPassword(const std::string& prompt, std::istream& in, std::ostream& out);

}  // namespace shadekv::ctl
