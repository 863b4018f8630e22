// Finding where one JSON value ends without parsing it.
#include "agent/api/json_stream.h"

#include <string>

namespace shadekv::api {
namespace {

bool IsJsonSpace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Characters that end a bare scalar (number, true, false, null) without
// belonging to it.
bool EndsScalar(int c) {
  return IsJsonSpace(c) || c == '{' || c == '}' || c == '[' || c == ']' || c == ',' || c == ':' ||
         c == '"';
}

}  // namespace

JsonValueStream::JsonValueStream(std::istream& in, size_t max_value_bytes)
    : in_(in), max_value_bytes_(max_value_bytes) {}

bool JsonValueStream::Take(std::string& value) {
  int c = in_.get();
  if (c == std::char_traits<char>::eof()) return false;
  value.push_back(static_cast<char>(c));
  return true;
}

Result<std::optional<std::string>> JsonValueStream::Next() {
  if (finished_) return std::optional<std::string>();
  int c = in_.get();
  while (c != std::char_traits<char>::eof() && IsJsonSpace(c)) c = in_.get();
  if (c == std::char_traits<char>::eof()) {
    finished_ = true;
    return std::optional<std::string>();
  }
  std::string value(1, static_cast<char>(c));
  auto too_large = [&]() -> Result<std::optional<std::string>> {
    finished_ = true;
    return Status::InvalidArgument("etcdserver: request is too large");
  };

  if (c == '{' || c == '[' || c == '"') {
    // Track nesting and strings; a bracket inside a string does not count.
    int depth = c == '"' ? 0 : 1;
    bool in_string = c == '"';
    bool escaped = false;
    while (depth > 0 || in_string) {
      if (value.size() > max_value_bytes_) return too_large();
      if (!Take(value)) {
        finished_ = true;  // truncated: the parser reports it
        return std::optional<std::string>(std::move(value));
      }
      char b = value.back();
      if (in_string) {
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          in_string = false;
        }
      } else if (b == '"') {
        in_string = true;
      } else if (b == '{' || b == '[') {
        ++depth;
      } else if (b == '}' || b == ']') {
        --depth;
      }
    }
    return std::optional<std::string>(std::move(value));
  }

  // A bare scalar, or garbage: read up to the next delimiter, leaving the
  // delimiter for the next call. Garbage is handed to the parser whole, so
  // its error names the first bad character as Go's would.
  while (true) {
    if (value.size() > max_value_bytes_) return too_large();
    int next = in_.peek();
    if (next == std::char_traits<char>::eof() || EndsScalar(next)) break;
    value.push_back(static_cast<char>(in_.get()));
  }
  return std::optional<std::string>(std::move(value));
}

}  // namespace shadekv::api
