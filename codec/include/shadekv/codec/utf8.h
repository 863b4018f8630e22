// UTF-8 decoding with Go's rules, shared by every JSON reader and writer (all
// must treat invalid bytes exactly as Go's encoding/json does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace shadekv::codec {

// Decodes the sequence at s[0] into `rune` and returns its length, or 0 when
// it is not valid UTF-8 (Go's utf8.DecodeRune returning RuneError with size
// 1): overlong forms, surrogates, and code points above U+10FFFF are invalid.
// `s` must not be empty.
inline size_t DecodeUtf8(std::string_view s, uint32_t* rune) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(0);
  if (c < 0x80) {
    *rune = c;
    return 1;
  }
  size_t n;
  uint32_t min;
  uint32_t r;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2, min = 0x80, r = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3, min = 0x800, r = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4, min = 0x10000, r = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    r = (r << 6) | (b(i) & 0x3F);
  }
  if (r < min || r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF)) return 0;
  *rune = r;
  return n;
}

}  // namespace shadekv::codec
