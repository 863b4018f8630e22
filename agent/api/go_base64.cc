// A port of Go's base64 decodeQuantum (encoding/base64, Go 1.19): the error
// offsets are part of etcd's wire behaviour, so the algorithm is followed
// step by step rather than approximated with a lenient decoder.
#include "agent/api/go_base64.h"

#include <Poco/Base64Encoder.h>

#include <array>
#include <cstdint>
#include <sstream>

namespace shadekv::api {
namespace {

constexpr std::array<uint8_t, 256> MakeDecodeMap() {
  std::array<uint8_t, 256> map{};
  for (auto& v : map) v = 0xFF;
  constexpr std::string_view kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < kAlphabet.size(); ++i) {
    map[static_cast<unsigned char>(kAlphabet[i])] = static_cast<uint8_t>(i);
  }
  return map;
}

constexpr std::array<uint8_t, 256> kDecodeMap = MakeDecodeMap();

Status CorruptInput(size_t offset) {
  return Status::InvalidArgument("illegal base64 data at input byte " + std::to_string(offset));
}

bool IsNewline(char c) { return c == '\n' || c == '\r'; }

// Decodes one quantum starting at `si`; advances `si`. Returns OK with
// `done` set once padding ended the input.
Status DecodeQuantum(std::string_view src, size_t& si, std::string& out) {
  std::array<uint8_t, 4> dbuf{};
  size_t dlen = 4;
  for (size_t j = 0; j < dbuf.size(); ++j) {
    if (si == src.size()) {
      if (j == 0) return Status::Ok();
      return CorruptInput(si - j);  // padding is mandatory
    }
    char in = src[si];
    ++si;
    uint8_t v = kDecodeMap[static_cast<unsigned char>(in)];
    if (v != 0xFF) {
      dbuf[j] = v;
      continue;
    }
    if (IsNewline(in)) {
      --j;  // j is unsigned: wraps to SIZE_MAX and back to 0 on ++j
      continue;
    }
    if (in != '=') return CorruptInput(si - 1);
    switch (j) {
      case 0:
      case 1:
        return CorruptInput(si - 1);  // padding too early
      case 2:
        while (si < src.size() && IsNewline(src[si])) ++si;
        if (si == src.size()) return CorruptInput(src.size());  // one '=' missing
        if (src[si] != '=') return CorruptInput(si - 1);
        ++si;
        break;
      default:
        break;
    }
    while (si < src.size() && IsNewline(src[si])) ++si;
    if (si < src.size()) return CorruptInput(si);  // bytes after the padding
    dlen = j;
    break;
  }
  uint32_t val = (uint32_t{dbuf[0]} << 18) | (uint32_t{dbuf[1]} << 12) | (uint32_t{dbuf[2]} << 6) |
                 uint32_t{dbuf[3]};
  out += static_cast<char>((val >> 16) & 0xFF);
  if (dlen >= 3) out += static_cast<char>((val >> 8) & 0xFF);
  if (dlen == 4) out += static_cast<char>(val & 0xFF);
  return Status::Ok();
}

}  // namespace

Result<std::string> DecodeGoBase64(std::string_view text) {
  std::string out;
  out.reserve(text.size() / 4 * 3);
  size_t si = 0;
  while (si < text.size()) {
    SHADEKV_RETURN_IF_ERROR(DecodeQuantum(text, si, out));
  }
  return out;
}

std::string EncodeBase64(std::string_view bytes) {
  std::ostringstream stream;
  Poco::Base64Encoder encoder(stream);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return stream.str();
}

}  // namespace shadekv::api
