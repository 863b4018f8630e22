// A JSON reader that fails exactly like Go's encoding/json, which is what
// etcd's JSON gateway (grpc-gateway + jsonpb) runs on.
//
// etcd answers malformed bodies with Go's own messages ("unexpected EOF",
// "invalid character '}' looking for beginning of object key string") and
// decodes some fields from the raw token text (an int64 sent as "12" is
// unquoted without unescaping and parsed again), so the tree keeps each
// value's raw text next to its decoded form. Poco::JSON's tree keeps neither
// (numbers arrive converted), which is why this small reader exists.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::api {

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  // The value's exact source text, e.g. `1.0`, `"YQ\u003d="`, `{"a":1}`. It
  // points into the parsed input, which must outlive this value.
  std::string_view raw;
  bool boolean = false;  // kBool
  std::string text;      // kString: unescaped, invalid UTF-8 replaced by U+FFFD (as Go does)
  std::vector<JsonValue> items;                            // kArray
  std::vector<std::pair<std::string, JsonValue>> members;  // kObject, in input order

  // The last member named `name` (Go maps keep the last duplicate), or null.
  const JsonValue* Find(std::string_view name) const;
};

// Go's word for a kind in "cannot unmarshal <kind> into Go value ...":
// "number", "string", "bool", "array", "object" ("null" for kNull).
std::string_view GoKindName(JsonValue::Kind kind);

// Nesting deeper than this fails with Go's "exceeded max depth" (Go allows
// 10000; nothing etcd accepts needs more than a few hundred, and the parser
// recurses).
inline constexpr size_t kMaxJsonDepth = 512;

// json.Decoder semantics, as the gateway reads a request body: skips leading
// whitespace, parses the first value and never looks at what follows it.
// `found` is false for an input of only whitespace (Go's io.EOF, which the
// gateway treats as an empty request).
// Errors (kInvalidArgument, Go's message): "unexpected EOF",
// "invalid character 'x' <context>", "invalid character '[' exceeded max depth".
struct DecodedBody {
  bool found = false;
  JsonValue value;
};
Result<DecodedBody> DecodeFirstJsonValue(std::string_view input);

// json.Unmarshal semantics: the whole input must be one value with only
// whitespace around it. Errors: "unexpected end of JSON input" (or, where a
// space would itself be invalid, e.g. after "-", "invalid character ' ' in
// numeric literal"), "invalid character 'x' after top-level value", and the
// syntax errors above.
Result<JsonValue> ParseWholeJson(std::string_view input);

// Go's strconv.Quote of a string as used in etcd messages ("unknown value %q").
std::string GoQuote(std::string_view s);

}  // namespace shadekv::api
