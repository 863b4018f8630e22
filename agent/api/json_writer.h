// Output helpers producing JSON byte-for-byte like Go's encoding/json, which
// etcd's gateway uses for every response and error body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/codec/json_string.h"

namespace shadekv::api {

// Appends `s` as a JSON string literal escaped as Go does (see
// shadekv/codec/json_string.h).
inline void AppendJsonString(std::string& out, std::string_view s) {
  codec::AppendGoJsonString(out, s);
}

// Builds one JSON object: Field() appends `"name":` after a comma when
// needed; the caller then appends the value. Close() appends '}'.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  JsonObjectWriter(const JsonObjectWriter&) = delete;
  JsonObjectWriter& operator=(const JsonObjectWriter&) = delete;

  std::string& Field(std::string_view name);
  // Shorthands that omit zero values, as proto3 JSON does.
  void Int64AsString(std::string_view name, int64_t v);    // "name":"v" unless 0
  void Uint64AsString(std::string_view name, uint64_t v);  // "name":"v" unless 0
  void String(std::string_view name, std::string_view v);  // "name":"v" unless empty
  void Bytes(std::string_view name, std::string_view v);   // base64, unless empty
  void True(std::string_view name, bool v);                // "name":true unless false
  void Close() { out_ += '}'; }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace shadekv::api
