// pflag-compatible argument parsing and Go's number/duration parsers, so
// shadectl accepts and rejects exactly what etcdctl does.
#include "agent/ctl/flags.h"

#include <cerrno>
#include <cmath>
#include <limits>

namespace shadekv::ctl {

std::string ParsedFlags::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> ParsedFlags::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool ParsedFlags::GetBool(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return false;
  Result<bool> b = ParseGoBool(it->second.back());
  return b.ok() && *b;
}

std::vector<std::string> ParsedFlags::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, unused] : values_) names.push_back(name);
  return names;
}

Result<bool> ParseGoBool(std::string_view text) {
  if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" ||
      text == "True") {
    return true;
  }
  if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" ||
      text == "False") {
    return false;
  }
  return Status::InvalidArgument("strconv.ParseBool: parsing \"" + std::string(text) +
                                 "\": invalid syntax");
}

namespace {

const FlagSpec* FindLong(const std::vector<FlagSpec>& specs, std::string_view name) {
  for (const FlagSpec& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const FlagSpec* FindShort(const std::vector<FlagSpec>& specs, char c) {
  for (const FlagSpec& s : specs) {
    if (s.shorthand != 0 && s.shorthand == c) return &s;
  }
  return nullptr;
}

Status AddValue(ParsedFlags& out, const FlagSpec& spec, const std::string& shown,
                std::string value) {
  Status valid;
  switch (spec.kind) {
    case FlagKind::kBool:
      valid = ParseGoBool(value).status();
      break;
    case FlagKind::kInt64:
      valid = ParseGoInt64(value, 10).status();
      break;
    case FlagKind::kDuration:
      valid = ParseGoDuration(value).status();
      break;
    case FlagKind::kString:
      break;
  }
  if (!valid.ok()) {
    return Status::InvalidArgument("invalid argument \"" + value + "\" for \"" + shown +
                                   "\" flag: " + valid.message());
  }
  out.Add(spec.name, std::move(value));
  return Status::Ok();
}

}  // namespace

Result<ParsedFlags> ParseFlags(const std::vector<std::string>& args,
                               const std::vector<FlagSpec>& specs) {
  ParsedFlags out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.positionals_before_dashdash = static_cast<int>(out.positionals.size());
      out.positionals.insert(out.positionals.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      std::string body = arg.substr(2);
      size_t eq = body.find('=');
      std::string name = body.substr(0, eq);
      const FlagSpec* spec = FindLong(specs, name);
      if (spec == nullptr) return Status::InvalidArgument("unknown flag: --" + name);
      std::string shown = "--" + name;
      if (eq != std::string::npos) {
        SHADEKV_RETURN_IF_ERROR(AddValue(out, *spec, shown, body.substr(eq + 1)));
      } else if (spec->kind == FlagKind::kBool) {
        out.Add(spec->name, "true");
      } else if (i + 1 < args.size()) {
        SHADEKV_RETURN_IF_ERROR(AddValue(out, *spec, shown, args[++i]));
      } else {
        return Status::InvalidArgument("flag needs an argument: " + shown);
      }
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-' && arg[1] != '-') {
      // A run of shorthands: -ab, -wjson, -w=json, -w json.
      for (size_t j = 1; j < arg.size(); ++j) {
        const FlagSpec* spec = FindShort(specs, arg[j]);
        if (spec == nullptr) {
          return Status::InvalidArgument(std::string("unknown shorthand flag: '") + arg[j] +
                                         "' in " + arg);
        }
        std::string shown = std::string("-") + arg[j];
        std::string rest = arg.substr(j + 1);
        if (!rest.empty() && rest[0] == '=') {
          SHADEKV_RETURN_IF_ERROR(AddValue(out, *spec, shown, rest.substr(1)));
          break;
        }
        if (spec->kind == FlagKind::kBool) {
          out.Add(spec->name, "true");
          continue;
        }
        if (!rest.empty()) {
          SHADEKV_RETURN_IF_ERROR(AddValue(out, *spec, shown, rest));
        } else if (i + 1 < args.size()) {
          SHADEKV_RETURN_IF_ERROR(AddValue(out, *spec, shown, args[++i]));
        } else {
          return Status::InvalidArgument("flag needs an argument: '" + std::string(1, arg[j]) +
                                         "' in " + arg);
        }
        break;
      }
      continue;
    }
    out.positionals.push_back(arg);
  }
  return out;
}

Result<std::chrono::nanoseconds> ParseGoDuration(std::string_view text) {
  const std::string original(text);
  auto invalid = [&original]() {
    return Status::InvalidArgument("time: invalid duration \"" + original + "\"");
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return invalid();
  long double total = 0;
  while (!s.empty()) {
    size_t n = 0;
    long double value = 0;
    bool digits = false;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
      value = value * 10 + (s[n] - '0');
      ++n;
      digits = true;
    }
    if (n < s.size() && s[n] == '.') {
      ++n;
      long double scale = 0.1L;
      while (n < s.size() && s[n] >= '0' && s[n] <= '9') {
        value += (s[n] - '0') * scale;
        scale /= 10;
        ++n;
        digits = true;
      }
    }
    if (!digits) return invalid();
    size_t u = n;
    while (u < s.size() && !(s[u] >= '0' && s[u] <= '9') && s[u] != '.') ++u;
    std::string_view unit = s.substr(n, u - n);
    long double scale;
    if (unit == "ns") {
      scale = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      scale = 1e3L;
    } else if (unit == "ms") {
      scale = 1e6L;
    } else if (unit == "s") {
      scale = 1e9L;
    } else if (unit == "m") {
      scale = 60e9L;
    } else if (unit == "h") {
      scale = 3600e9L;
    } else if (unit.empty()) {
      return Status::InvalidArgument("time: missing unit in duration \"" + original + "\"");
    } else {
      return Status::InvalidArgument("time: unknown unit \"" + std::string(unit) +
                                     "\" in duration \"" + original + "\"");
    }
    total += value * scale;
    if (total > static_cast<long double>(std::numeric_limits<int64_t>::max())) return invalid();
    s.remove_prefix(u);
  }
  auto ns = static_cast<int64_t>(std::llround(total));
  return std::chrono::nanoseconds(negative ? -ns : ns);
}

namespace {

Status NumError(const char* func, std::string_view text, const char* what) {
  return Status::InvalidArgument(std::string("strconv.") + func + ": parsing \"" +
                                 std::string(text) + "\": " + what);
}

// Parses an unsigned magnitude in `base` (2..36); Go also allows a 0x/0o/0b
// prefix and underscores only with base 0, which etcdctl never uses.
bool ParseMagnitude(std::string_view s, int base, unsigned __int128* out, bool* overflow) {
  if (s.empty()) return false;
  unsigned __int128 v = 0;
  *overflow = false;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'z') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'Z') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    v = v * base + d;
    if (v > std::numeric_limits<uint64_t>::max()) *overflow = true;
  }
  *out = v;
  return true;
}

}  // namespace

Result<int64_t> ParseGoInt64(std::string_view text, int base) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  unsigned __int128 v = 0;
  bool overflow = false;
  if (!ParseMagnitude(s, base, &v, &overflow)) return NumError("ParseInt", text, "invalid syntax");
  const unsigned __int128 limit =
      negative ? static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max()) + 1
               : static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max());
  if (overflow || v > limit) return NumError("ParseInt", text, "value out of range");
  if (negative) return static_cast<int64_t>(-static_cast<__int128>(v));
  return static_cast<int64_t>(v);
}

Result<uint64_t> ParseGoUint64(std::string_view text, int base) {
  unsigned __int128 v = 0;
  bool overflow = false;
  if (!ParseMagnitude(text, base, &v, &overflow)) {
    return NumError("ParseUint", text, "invalid syntax");
  }
  if (overflow) return NumError("ParseUint", text, "value out of range");
  return static_cast<uint64_t>(v);
}

}  // namespace shadekv::ctl
