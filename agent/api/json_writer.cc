// Go-compatible JSON output (encoding/json encodeState.string, Go 1.19).
#include "agent/api/json_writer.h"

#include "agent/api/go_base64.h"

namespace shadekv::api {

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
