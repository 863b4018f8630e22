// Go-compatible JSON output (encoding/json encodeState.string, Go 1.19).
#include "agent/api/json_writer.h"

#include "agent/api/go_base64.h"
#include "agent/api/utf8.h"

namespace shadekv::api {
namespace {

constexpr char kHex[] = "0123456789abcdef";

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out += '"';
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
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
        default:
          if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    uint32_t rune = 0;
    size_t n = DecodeUtf8(s.substr(i), &rune);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
    } else if (rune == 0x2028 || rune == 0x2029) {
      out += rune == 0x2028 ? "\\u2028" : "\\u2029";
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

std::string& JsonObjectWriter::Field(std::string_view name) {
  if (!first_) out_ += ',';
  first_ = false;
  out_ += '"';
  out_ += name;
  out_ += "\":";
  return out_;
}

void JsonObjectWriter::Int64AsString(std::string_view name, int64_t v) {
  if (v == 0) return;
  Field(name) += '"' + std::to_string(v) + '"';
}

void JsonObjectWriter::Uint64AsString(std::string_view name, uint64_t v) {
  if (v == 0) return;
  Field(name) += '"' + std::to_string(v) + '"';
}

void JsonObjectWriter::String(std::string_view name, std::string_view v) {
  if (v.empty()) return;
  AppendJsonString(Field(name), v);
}

void JsonObjectWriter::Bytes(std::string_view name, std::string_view v) {
  if (v.empty()) return;
  std::string& out = Field(name);
  out += '"';
  out += EncodeBase64(v);
  out += '"';
}

void JsonObjectWriter::True(std::string_view name, bool v) {
  if (v) Field(name) += "true";
}

}  // namespace shadekv::api
