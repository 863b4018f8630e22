// Recursive-descent JSON reader mirroring the states and messages of Go's
// encoding/json scanner (scanner.go) and the string unquoting of decode.go.
#include "agent/api/json_value.h"

#include "shadekv/codec/utf8.h"

#include <cstdint>

namespace shadekv::api {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void AppendUtf8(std::string& out, uint32_t r) {
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

constexpr uint32_t kReplacementChar = 0xFFFD;

// Length of the valid UTF-8 sequence at s[0], or 0 when it is invalid.
size_t ValidUtf8Length(std::string_view s) {
  uint32_t rune = 0;
  return codec::DecodeUtf8(s, &rune);
}

// Go's quoteChar: how the scanner names an offending byte.
std::string QuoteChar(char c) {
  if (c == '\'') return "'\\''";
  if (c == '"') return "'\"'";
  std::string rune;
  AppendUtf8(rune, static_cast<unsigned char>(c));
  std::string quoted = GoQuote(rune);
  return "'" + quoted.substr(1, quoted.size() - 2) + "'";
}

class Parser {
 public:
  Parser(std::string_view in, bool stream) : in_(in), stream_(stream) {}

  const Status& error() const { return error_; }
  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return in_[pos_]; }

  void SkipSpace() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
  }

  bool Invalid(char c, std::string_view context) {
    error_ =
        Status::InvalidArgument("invalid character " + QuoteChar(c) + " " + std::string(context));
    return false;
  }

  // End of input. json.Unmarshal feeds the scanner one space at the end, so
  // where a space is itself invalid (`space_context`) it reports that space;
  // json.Decoder always says "unexpected EOF".
  bool Eof(std::string_view space_context = {}) {
    if (stream_) {
      error_ = Status::InvalidArgument("unexpected EOF");
    } else if (!space_context.empty()) {
      Invalid(' ', space_context);
    } else {
      error_ = Status::InvalidArgument("unexpected end of JSON input");
    }
    return false;
  }

  // Parses the value starting at pos_ (whitespace already skipped).
  bool ParseValue(JsonValue& out, size_t depth) {
    if (AtEnd()) return Eof();
    size_t start = pos_;
    char c = Peek();
    bool ok;
    if (c == '{' || c == '[') {
      if (depth + 1 > kMaxJsonDepth) return Invalid(c, "exceeded max depth");
      ok = c == '{' ? ParseObject(out, depth + 1) : ParseArray(out, depth + 1);
    } else if (c == '"') {
      out.kind = JsonValue::Kind::kString;
      ok = ParseString(out.text);
    } else if (c == '-' || IsDigit(c)) {
      out.kind = JsonValue::Kind::kNumber;
      ok = ParseNumber();
    } else if (c == 't') {
      out.kind = JsonValue::Kind::kBool;
      out.boolean = true;
      ok = ParseLiteral("true");
    } else if (c == 'f') {
      out.kind = JsonValue::Kind::kBool;
      ok = ParseLiteral("false");
    } else if (c == 'n') {
      out.kind = JsonValue::Kind::kNull;
      ok = ParseLiteral("null");
    } else {
      return Invalid(c, "looking for beginning of value");
    }
    if (ok) out.raw = in_.substr(start, pos_ - start);
    return ok;
  }

 private:
  bool ParseObject(JsonValue& out, size_t depth) {
    out.kind = JsonValue::Kind::kObject;
    ++pos_;
    SkipSpace();
    if (AtEnd()) return Eof();
    if (Peek() == '}') {
      ++pos_;
      return true;
    }
    for (;;) {
      if (Peek() != '"') return Invalid(Peek(), "looking for beginning of object key string");
      std::string key;
      if (!ParseString(key)) return false;
      SkipSpace();
      if (AtEnd()) return Eof();
      if (Peek() != ':') return Invalid(Peek(), "after object key");
      ++pos_;
      SkipSpace();
      JsonValue value;
      if (!ParseValue(value, depth)) return false;
      out.members.emplace_back(std::move(key), std::move(value));
      SkipSpace();
      if (AtEnd()) return Eof();
      if (Peek() == '}') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return Invalid(Peek(), "after object key:value pair");
      ++pos_;
      SkipSpace();
      if (AtEnd()) return Eof();
    }
  }

  bool ParseArray(JsonValue& out, size_t depth) {
    out.kind = JsonValue::Kind::kArray;
    ++pos_;
    SkipSpace();
    if (AtEnd()) return Eof();
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    for (;;) {
      JsonValue item;
      if (!ParseValue(item, depth)) return false;
      out.items.push_back(std::move(item));
      SkipSpace();
      if (AtEnd()) return Eof();
      if (Peek() == ']') {
        ++pos_;
        return true;
      }
      if (Peek() != ',') return Invalid(Peek(), "after array element");
      ++pos_;
      SkipSpace();
    }
  }

  // Reads 4 hex digits at pos_ as the scanner does; returns -1 on error.
  int32_t ReadHex4() {
    int32_t r = 0;
    for (int i = 0; i < 4; ++i) {
      if (AtEnd()) {
        Eof("in \\u hexadecimal character escape");
        return -1;
      }
      int h = HexValue(Peek());
      if (h < 0) {
        Invalid(Peek(), "in \\u hexadecimal character escape");
        return -1;
      }
      r = r * 16 + h;
      ++pos_;
    }
    return r;
  }

  // Go decodes a surrogate pair written as two escapes into one rune and any
  // other surrogate into U+FFFD; the second escape is consumed only when it
  // completes a pair.
  bool ParseUnicodeEscape(std::string& out) {
    int32_t r = ReadHex4();
    if (r < 0) return false;
    if (r < 0xD800 || r > 0xDFFF) {
      AppendUtf8(out, static_cast<uint32_t>(r));
      return true;
    }
    if (r < 0xDC00 && in_.substr(pos_, 2) == "\\u") {
      size_t save = pos_;
      pos_ += 2;
      int32_t r2 = ReadHex4();
      if (r2 < 0) return false;
      if (r2 >= 0xDC00 && r2 <= 0xDFFF) {
        AppendUtf8(out, 0x10000 + ((static_cast<uint32_t>(r) - 0xD800) << 10) +
                            (static_cast<uint32_t>(r2) - 0xDC00));
        return true;
      }
      pos_ = save;  // the second escape stands on its own
    }
    AppendUtf8(out, kReplacementChar);
    return true;
  }

  bool ParseString(std::string& out) {
    ++pos_;  // opening quote
    for (;;) {
      if (AtEnd()) return Eof();
      char c = Peek();
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20) return Invalid(c, "in string literal");
      if (c == '\\') {
        ++pos_;
        if (AtEnd()) return Eof("in string escape code");
        char e = Peek();
        ++pos_;
        switch (e) {
          case '"':
          case '\\':
          case '/':
            out += e;
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u':
            if (!ParseUnicodeEscape(out)) return false;
            break;
          default:
            return Invalid(e, "in string escape code");
        }
        continue;
      }
      if (static_cast<unsigned char>(c) < 0x80) {
        out += c;
        ++pos_;
        continue;
      }
      // Validate against what the scanner has seen so far: a multi-byte
      // sequence cut by the closing quote is invalid, not an overrun.
      size_t n = ValidUtf8Length(in_.substr(pos_));
      if (n == 0) {
        AppendUtf8(out, kReplacementChar);
        ++pos_;
      } else {
        out.append(in_.substr(pos_, n));
        pos_ += n;
      }
    }
  }

  bool ParseDigits() {
    while (!AtEnd() && IsDigit(Peek())) ++pos_;
    return true;
  }

  bool ParseNumber() {
    if (Peek() == '-') {
      ++pos_;
      if (AtEnd()) return Eof("in numeric literal");
      if (!IsDigit(Peek())) return Invalid(Peek(), "in numeric literal");
    }
    if (Peek() == '0') {
      ++pos_;
    } else {
      ParseDigits();
    }
    if (!AtEnd() && Peek() == '.') {
      ++pos_;
      if (AtEnd()) return Eof("after decimal point in numeric literal");
      if (!IsDigit(Peek())) return Invalid(Peek(), "after decimal point in numeric literal");
      ParseDigits();
    }
    if (!AtEnd() && (Peek() == 'e' || Peek() == 'E')) {
      ++pos_;
      if (AtEnd()) return Eof("in exponent of numeric literal");
      if (Peek() == '+' || Peek() == '-') {
        ++pos_;
        if (AtEnd()) return Eof("in exponent of numeric literal");
      }
      if (!IsDigit(Peek())) return Invalid(Peek(), "in exponent of numeric literal");
      ParseDigits();
    }
    return true;
  }

  bool ParseLiteral(std::string_view word) {
    ++pos_;
    for (size_t i = 1; i < word.size(); ++i) {
      std::string context =
          "in literal " + std::string(word) + " (expecting '" + std::string(1, word[i]) + "')";
      if (AtEnd()) return Eof(context);
      if (Peek() != word[i]) return Invalid(Peek(), context);
      ++pos_;
    }
    return true;
  }

  std::string_view in_;
  bool stream_;
  size_t pos_ = 0;
  Status error_;
};

}  // namespace

const JsonValue* JsonValue::Find(std::string_view name) const {
  const JsonValue* found = nullptr;
  for (const auto& [key, value] : members) {
    if (key == name) found = &value;
  }
  return found;
}

std::string_view GoKindName(JsonValue::Kind kind) {
  switch (kind) {
    case JsonValue::Kind::kNull:
      return "null";
    case JsonValue::Kind::kBool:
      return "bool";
    case JsonValue::Kind::kNumber:
      return "number";
    case JsonValue::Kind::kString:
      return "string";
    case JsonValue::Kind::kArray:
      return "array";
    case JsonValue::Kind::kObject:
      return "object";
  }
  return "null";
}

Result<DecodedBody> DecodeFirstJsonValue(std::string_view input) {
  Parser p(input, /*stream=*/true);
  p.SkipSpace();
  DecodedBody body;
  if (p.AtEnd()) return body;
  // Whatever follows the first value is never looked at (even "5x" decodes 5).
  if (!p.ParseValue(body.value, 0)) return p.error();
  body.found = true;
  return body;
}

Result<JsonValue> ParseWholeJson(std::string_view input) {
  Parser p(input, /*stream=*/false);
  p.SkipSpace();
  JsonValue value;
  if (!p.ParseValue(value, 0)) return p.error();
  p.SkipSpace();
  if (!p.AtEnd()) {
    p.Invalid(p.Peek(), "after top-level value");
    return p.error();
  }
  return value;
}

std::string GoQuote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = ValidUtf8Length(s.substr(i));
      if (n == 0) {
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0xF];
        ++i;
        continue;
      }
      uint32_t r = 0;
      if (n == 2) r = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      // Latin-1 controls and the two invisible Latin-1 spaces are not printable in Go.
      if (n == 2 && (r < 0xA0 || r == 0xA0 || r == 0xAD)) {
        out += "\\u00";
        out += kHex[r >> 4];
        out += kHex[r & 0xF];
      } else {
        out.append(s.substr(i, n));
      }
      i += n;
      continue;
    }
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
  return out;
}

}  // namespace shadekv::api
