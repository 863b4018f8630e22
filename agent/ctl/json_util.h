// JSON helpers for talking to the etcd v3 JSON gateway and for printing what
// etcdctl prints: base64 bytes, int64-as-string fields, order-preserving
// parsing, and a writer for the JSON flavour of etcdctl's `-w json`
// (Go's encoding/json over the gogo-protobuf structs: int64 as numbers, bytes
// as base64, oneofs wrapped as {"Response":{"ResponsePut":...}}).
//
// All functions are pure; none throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include "shadekv/codec/json_string.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// Standard base64 with padding and no line breaks (the gateway's `bytes`).
std::string Base64Encode(std::string_view bytes);

// Decodes standard padded base64; InvalidArgument on malformed input.
Result<std::string> Base64Decode(std::string_view text);

// Parses `text` as a JSON object, keeping the key order of the input (the
// gateway emits proto field order, which is the order etcdctl prints).
// InvalidArgument when the text is not a JSON object.
Result<Poco::JSON::Object::Ptr> ParseJsonObject(const std::string& text);

// Compact JSON text of a request body.
std::string Stringify(const Poco::JSON::Object::Ptr& object);

// Field readers tolerant of the gateway's encodings: a missing field reads as
// the zero value, int64 fields may be strings or numbers, bytes are base64
// (undecodable bytes read as empty).
int64_t GetInt64(const Poco::JSON::Object::Ptr& object, const std::string& key);
uint64_t GetUint64(const Poco::JSON::Object::Ptr& object, const std::string& key);
bool GetBool(const Poco::JSON::Object::Ptr& object, const std::string& key);
std::string GetString(const Poco::JSON::Object::Ptr& object, const std::string& key);
std::string GetBytes(const Poco::JSON::Object::Ptr& object, const std::string& key);
Poco::JSON::Object::Ptr GetObject(const Poco::JSON::Object::Ptr& object, const std::string& key);
Poco::JSON::Array::Ptr GetArray(const Poco::JSON::Object::Ptr& object, const std::string& key);

// Go's encoding/json quoting of a string ("<" becomes "\u003c", as Go does).
inline std::string GoJsonQuote(std::string_view text) { return codec::GoJsonString(text); }

// Rewrites a gateway response (protobuf JSON) into etcdctl's `-w json` text:
// known int64/uint64 fields become bare numbers, and txn `responses` items
// become {"Response":{"ResponsePut":{...}}}. Key order is kept.
std::string EtcdctlJson(const Poco::Dynamic::Var& value);

}  // namespace shadekv::ctl
