// Command-line flags the way etcdctl (cobra/pflag) reads them, without sockets
// or globals, so shadectl's argument handling is testable on its own.
//
// Accepted forms: `--name value`, `--name=value`, `-n value`, `-nvalue`,
// `-n=value`; boolean flags take no separate value (`--prefix`, or
// `--prefix=false`). Flags may come before, between or after positional
// arguments; `--` ends flag parsing. A flag given twice keeps every value in
// order (callers pick the last one, or all of them for list flags).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::ctl {

// The type of a flag's value; ParseFlags rejects a value that does not parse as
// its type, with pflag's message, as cobra does before any command runs.
enum class FlagKind { kBool, kString, kInt64, kDuration };

struct FlagSpec {
  std::string name;    // long name without dashes: "prefix"
  char shorthand = 0;  // 'w' for -w, 0 for none
  FlagKind kind = FlagKind::kString;
};

// The outcome of parsing: positional arguments and the flags seen, by long name.
class ParsedFlags {
 public:
  std::vector<std::string> positionals;
  // How many positionals came before a `--` separator; -1 when there was none
  // (watch needs it: etcdctl tells its key from the command to run by it).
  int positionals_before_dashdash = -1;

  // Records one occurrence of a flag (the long name) with its raw value.
  void Add(const std::string& name, std::string value) {
    values_[name].push_back(std::move(value));
  }

  bool Has(const std::string& name) const { return values_.count(name) != 0; }

  // The last value given for `name`, or `fallback` when the flag was not given.
  std::string Get(const std::string& name, const std::string& fallback = "") const;

  // Every value given for `name`, in order; empty when not given.
  std::vector<std::string> GetAll(const std::string& name) const;

  // True when a boolean flag was given and its last value is true. Values were
  // validated by ParseFlags, so this never fails.
  bool GetBool(const std::string& name) const;

  // Names of all flags given (long names).
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// Parses `args` (without the program name) against `specs`. Fails with
// InvalidArgument and pflag's wording: "unknown flag: --x",
// "unknown shorthand flag: 'x' in -x", "flag needs an argument: --limit",
// `invalid argument "x" for "--limit" flag: strconv.ParseInt: ...` for a
// value that is not of the flag's kind.
Result<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                               const std::vector<FlagSpec>& specs);

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
Result<bool> ParseGoBool(std::string_view text);

// Go's time.ParseDuration ("5s", "1m30s", "250ms", "1.5h", "0"). Fails with
// InvalidArgument `time: invalid duration "x"` (Go's message).
Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text);

// Go's strconv.ParseInt(text, base, 64). Fails with InvalidArgument
// `strconv.ParseInt: parsing "x": invalid syntax` (or "value out of range").
Result<int64_t> ParseGoInt64(std::string_view text, int base);

// Go's strconv.ParseUint(text, base, 64), with Go's error wording.
Result<uint64_t> ParseGoUint64(std::string_view text, int base);

}  // namespace shadekv::ctl
