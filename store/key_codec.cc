// Encoding and decoding of the MvccStore's LevelDB keys (grammar in key_codec.h).
#include "store/key_codec.h"

namespace shadekv::store {

void AppendBe64(std::string* out, uint64_t value) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  out->append(buf, 8);
}

uint64_t ReadBe64(const char* p) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | static_cast<uint8_t>(p[i]);
  return value;
}

std::string EncodeBe64(uint64_t value) {
  std::string out;
  AppendBe64(&out, value);
  return out;
}

std::string EncodeKeyPrefix(std::string_view user_key) {
  std::string out;
  out.reserve(user_key.size() + 3 + 16);
  out.push_back(kVersionPrefix);
  for (char c : user_key) {
    out.push_back(c);
    if (c == '\0') out.push_back('\xff');
  }
  out.push_back('\0');
  out.push_back('\x01');
  return out;
}

std::string EncodeVersionKey(std::string_view user_key, Revision revision) {
  std::string out = EncodeKeyPrefix(user_key);
  AppendBe64(&out, ~revision.main);
  AppendBe64(&out, ~revision.sub);
  return out;
}

std::string EncodeKeyUpperBound(std::string_view user_key) {
  std::string out = EncodeKeyPrefix(user_key);
  out.back() = '\x02';
  return out;
}

bool DecodeVersionKey(std::string_view encoded, std::string* user_key, Revision* revision) {
  if (encoded.size() < 1 + 2 + 16 || encoded[0] != kVersionPrefix) return false;
  const size_t prefix_end = encoded.size() - 16;
  if (encoded[prefix_end - 2] != '\0' || encoded[prefix_end - 1] != '\x01') return false;
  user_key->clear();
  for (size_t i = 1; i < prefix_end - 2; ++i) {
    const char c = encoded[i];
    if (c == '\0') {
      if (i + 1 >= prefix_end - 2 || encoded[i + 1] != '\xff') return false;
      ++i;
    }
    user_key->push_back(c);
  }
  revision->main = ~ReadBe64(encoded.data() + prefix_end);
  revision->sub = ~ReadBe64(encoded.data() + prefix_end + 8);
  return true;
}

std::string EncodeHistoryKey(Revision revision) {
  std::string out(1, kHistoryPrefix);
  AppendBe64(&out, revision.main);
  AppendBe64(&out, revision.sub);
  return out;
}

bool DecodeHistoryKey(std::string_view encoded, Revision* revision) {
  if (encoded.size() != 17 || encoded[0] != kHistoryPrefix) return false;
  revision->main = ReadBe64(encoded.data() + 1);
  revision->sub = ReadBe64(encoded.data() + 9);
  return true;
}

std::string EncodeMetaKey(std::string_view caller_key) {
  std::string out(1, kMetaPrefix);
  out.append(caller_key);
  return out;
}

std::string EncodeAnnotationKey(uint64_t revision) {
  std::string out(1, kAnnotationPrefix);
  AppendBe64(&out, revision);
  return out;
}

bool DecodeAnnotationKey(std::string_view encoded, uint64_t* revision) {
  if (encoded.size() != 9 || encoded[0] != kAnnotationPrefix) return false;
  *revision = ReadBe64(encoded.data() + 1);
  return true;
}

}  // namespace shadekv::store
