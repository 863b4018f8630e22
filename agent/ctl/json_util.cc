// Gateway JSON in, etcdctl JSON out. The int64 field list is the set of
// int64/uint64 fields in etcd's rpc.proto and kv.proto that shadectl prints.
#include "agent/ctl/json_util.h"

#include <cctype>
#include <cstdio>
#include <set>
#include <sstream>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include "agent/ctl/flags.h"

namespace shadekv::ctl {

std::string Base64Encode(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

Result<std::string> Base64Decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return Status::InvalidArgument("malformed base64 (length " + std::to_string(text.size()) +
                                   " is not a multiple of 4)");
  }
  // Poco's decoder skips some bytes outside the alphabet; etcd rejects them.
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') {
      ++padding;
      continue;
    }
    bool alphabet = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
    if (!alphabet || padding > 0) {
      return Status::InvalidArgument("malformed base64 (bad byte at offset " + std::to_string(i) +
                                     ")");
    }
  }
  if (padding > 2) return Status::InvalidArgument("malformed base64 (too much padding)");
  try {
    std::istringstream in{std::string(text)};
    Poco::Base64Decoder decoder(in);
    std::string out;
    char c;
    while (decoder.get(c)) out.push_back(c);
    return out;
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("malformed base64: " + e.displayText());
  }
}

Result<Poco::JSON::Object::Ptr> ParseJsonObject(const std::string& text) {
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(/*preserveObjectOrder=*/true));
    Poco::Dynamic::Var parsed = parser.parse(text);
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr)) {
      return Status::InvalidArgument("expected a JSON object");
    }
    return parsed.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Status::InvalidArgument("malformed JSON: " + e.displayText());
  }
}

std::string Stringify(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

namespace {

bool IsObject(const Poco::Dynamic::Var& v) { return v.type() == typeid(Poco::JSON::Object::Ptr); }
bool IsArray(const Poco::Dynamic::Var& v) { return v.type() == typeid(Poco::JSON::Array::Ptr); }

// Reads an integer from a string or number field; nullopt-like zero on failure.
template <typename T>
T ReadInteger(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (object.isNull() || !object->has(key)) return 0;
  const Poco::Dynamic::Var& v = object->get(key);
  try {
    if (v.isString()) {
      std::string s = v.extract<std::string>();
      if constexpr (std::is_signed_v<T>) {
        Result<int64_t> r = ParseGoInt64(s, 10);
        return r.ok() ? *r : 0;
      } else {
        Result<uint64_t> r = ParseGoUint64(s, 10);
        return r.ok() ? *r : 0;
      }
    }
    if (v.isNumeric()) return v.convert<T>();
  } catch (const Poco::Exception&) {
    return 0;
  }
  return 0;
}

}  // namespace

int64_t GetInt64(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return ReadInteger<int64_t>(object, key);
}

uint64_t GetUint64(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  return ReadInteger<uint64_t>(object, key);
}

bool GetBool(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (object.isNull() || !object->has(key)) return false;
  const Poco::Dynamic::Var& v = object->get(key);
  return v.isBoolean() && v.extract<bool>();
}

std::string GetString(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (object.isNull() || !object->has(key)) return "";
  const Poco::Dynamic::Var& v = object->get(key);
  if (!v.isString()) return "";
  return v.extract<std::string>();
}

std::string GetBytes(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  Result<std::string> decoded = Base64Decode(GetString(object, key));
  return decoded.ok() ? *decoded : std::string();
}

Poco::JSON::Object::Ptr GetObject(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (object.isNull() || !object->has(key)) return nullptr;
  const Poco::Dynamic::Var& v = object->get(key);
  if (!IsObject(v)) return nullptr;
  return v.extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Array::Ptr GetArray(const Poco::JSON::Object::Ptr& object, const std::string& key) {
  if (object.isNull() || !object->has(key)) return nullptr;
  const Poco::Dynamic::Var& v = object->get(key);
  if (!IsArray(v)) return nullptr;
  return v.extract<Poco::JSON::Array::Ptr>();
}

namespace {

// int64/uint64 fields of the etcd messages shadectl prints. The gateway sends
// them as strings; Go's encoding/json prints them as numbers.
const std::set<std::string>& Int64Fields() {
  static const std::set<std::string> kFields = {"cluster_id",
                                                "member_id",
                                                "revision",
                                                "raft_term",
                                                "create_revision",
                                                "mod_revision",
                                                "version",
                                                "lease",
                                                "count",
                                                "deleted",
                                                "ID",
                                                "dbSize",
                                                "dbSizeInUse",
                                                "leader",
                                                "raftIndex",
                                                "raftTerm",
                                                "raftAppliedIndex",
                                                "compact_revision",
                                                "hash",
                                                "TTL",
                                                "grantedTTL",
                                                "watch_id",
                                                "fragment"};
  return kFields;
}

bool IsInteger(const std::string& s) {
  if (s.empty()) return false;
  size_t i = s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

std::string OneofName(const std::string& field) {
  // response_delete_range -> ResponseDeleteRange
  std::string out;
  bool upper = true;
  for (char c : field) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

void WriteValue(const Poco::Dynamic::Var& value, const std::string& key, std::string& out);

void WriteObject(const Poco::JSON::Object::Ptr& object, std::string& out) {
  out += '{';
  bool first = true;
  for (const std::string& name : object->getNames()) {
    if (!first) out += ',';
    first = false;
    out += GoJsonQuote(name);
    out += ':';
    WriteValue(object->get(name), name, out);
  }
  out += '}';
}

// A txn response item {"response_put":{...}} as gogo's oneof wrapper.
void WriteResponseOp(const Poco::Dynamic::Var& item, std::string& out) {
  if (!IsObject(item)) {
    WriteValue(item, "", out);
    return;
  }
  auto object = item.extract<Poco::JSON::Object::Ptr>();
  std::vector<std::string> names = object->getNames();
  if (names.size() != 1) {
    WriteObject(object, out);
    return;
  }
  out += "{\"Response\":{";
  out += GoJsonQuote(OneofName(names[0]));
  out += ':';
  WriteValue(object->get(names[0]), names[0], out);
  out += "}}";
}

void WriteValue(const Poco::Dynamic::Var& value, const std::string& key, std::string& out) {
  if (value.isEmpty()) {
    out += "null";
  } else if (IsObject(value)) {
    WriteObject(value.extract<Poco::JSON::Object::Ptr>(), out);
  } else if (IsArray(value)) {
    auto array = value.extract<Poco::JSON::Array::Ptr>();
    out += '[';
    for (size_t i = 0; i < array->size(); ++i) {
      if (i > 0) out += ',';
      if (key == "responses") {
        WriteResponseOp(array->get(i), out);
      } else {
        WriteValue(array->get(i), "", out);
      }
    }
    out += ']';
  } else if (value.isBoolean()) {
    out += value.extract<bool>() ? "true" : "false";
  } else if (value.isString()) {
    std::string s = value.extract<std::string>();
    if (Int64Fields().count(key) != 0 && IsInteger(s)) {
      out += s;
    } else {
      out += GoJsonQuote(s);
    }
  } else if (value.isInteger()) {
    out += value.isSigned() ? std::to_string(value.convert<int64_t>())
                            : std::to_string(value.convert<uint64_t>());
  } else if (value.isNumeric()) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", value.convert<double>());
    out += buf;
  } else {
    out += GoJsonQuote(value.toString());
  }
}

}  // namespace

std::string EtcdctlJson(const Poco::Dynamic::Var& value) {
  std::string out;
  WriteValue(value, "", out);
  return out;
}

}  // namespace shadekv::ctl
