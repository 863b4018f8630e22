// Type-checked MessagePack reading with field paths in every error.
#include "shadekv/codec/msgpack_reader.h"

#include <exception>

namespace shadekv::codec {

const char* MsgpackTypeName(msgpack::type::object_type type) {
  switch (type) {
    case msgpack::type::NIL:
      return "nil";
    case msgpack::type::BOOLEAN:
      return "bool";
    case msgpack::type::POSITIVE_INTEGER:
      return "uint";
    case msgpack::type::NEGATIVE_INTEGER:
      return "negative int";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      return "float";
    case msgpack::type::STR:
      return "str";
    case msgpack::type::BIN:
      return "bin";
    case msgpack::type::ARRAY:
      return "array";
    case msgpack::type::MAP:
      return "map";
    case msgpack::type::EXT:
      return "ext";
  }
  return "unknown";
}

Result<msgpack::object_handle> UnpackExactlyOne(std::string_view bytes,
                                                const msgpack::unpack_limit& limits,
                                                const std::string& what, const std::string& noun) {
  msgpack::object_handle handle;
  size_t offset = 0;
  try {
    handle = msgpack::unpack(bytes.data(), bytes.size(), offset, nullptr, nullptr, limits);
  } catch (const msgpack::insufficient_bytes&) {
    return Status::InvalidArgument(what + ": truncated (" + std::to_string(bytes.size()) +
                                   " bytes)");
  } catch (const std::exception& e) {
    return Status::InvalidArgument(what + ": not valid MessagePack: " + e.what());
  }
  if (offset != bytes.size()) {
    return Status::InvalidArgument(what + ": " + std::to_string(bytes.size() - offset) +
                                   " trailing bytes after the " + noun);
  }
  return handle;
}

void MsgpackReader::Fail(const std::string& path, const std::string& problem) {
  if (!failed()) error_ = Status::InvalidArgument(what_ + ": " + path + ": " + problem);
}

void MsgpackReader::FailType(const std::string& path, const char* expected,
                             const msgpack::object& o) {
  Fail(path, std::string("expected ") + expected + ", got " + MsgpackTypeName(o.type));
}

const msgpack::object* MsgpackReader::Fields(const msgpack::object& o, const std::string& path,
                                             uint32_t size) {
  if (failed()) return nullptr;
  if (o.type != msgpack::type::ARRAY) {
    FailType(path, "array", o);
    return nullptr;
  }
  if (o.via.array.size != size) {
    Fail(path,
         "expected " + std::to_string(size) + " fields, got " + std::to_string(o.via.array.size));
    return nullptr;
  }
  return o.via.array.ptr;
}

const msgpack::object* MsgpackReader::List(const msgpack::object& o, const std::string& path,
                                           uint32_t* size) {
  *size = 0;
  if (failed()) return nullptr;
  if (o.type != msgpack::type::ARRAY) {
    FailType(path, "array", o);
    return nullptr;
  }
  if (o.via.array.size > limits_.max_list_items) {
    Fail(path, "too many items (" + std::to_string(o.via.array.size) + ")");
    return nullptr;
  }
  *size = o.via.array.size;
  return o.via.array.ptr;
}

uint64_t MsgpackReader::Uint(const msgpack::object& o, const std::string& path) {
  if (failed()) return 0;
  if (o.type != msgpack::type::POSITIVE_INTEGER) {
    FailType(path, "uint", o);
    return 0;
  }
  return o.via.u64;
}

int64_t MsgpackReader::Int(const msgpack::object& o, const std::string& path) {
  if (failed()) return 0;
  if (o.type == msgpack::type::NEGATIVE_INTEGER) return o.via.i64;
  if (o.type != msgpack::type::POSITIVE_INTEGER) {
    FailType(path, "int", o);
    return 0;
  }
  if (o.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    Fail(path, std::to_string(o.via.u64) + " is out of int64 range");
    return 0;
  }
  return static_cast<int64_t>(o.via.u64);
}

bool MsgpackReader::Bool(const msgpack::object& o, const std::string& path) {
  if (failed()) return false;
  if (o.type != msgpack::type::BOOLEAN) {
    FailType(path, "bool", o);
    return false;
  }
  return o.via.boolean;
}

std::string MsgpackReader::Bin(const msgpack::object& o, const std::string& path) {
  if (failed()) return {};
  if (o.type != msgpack::type::BIN) {
    FailType(path, "bin", o);
    return {};
  }
  return std::string(o.via.bin.ptr, o.via.bin.size);
}

std::string MsgpackReader::Str(const msgpack::object& o, const std::string& path) {
  if (failed()) return {};
  if (o.type != msgpack::type::STR) {
    FailType(path, "str", o);
    return {};
  }
  if (o.via.str.size > limits_.max_string_bytes) {
    Fail(path, "too long (" + std::to_string(o.via.str.size) + " bytes)");
    return {};
  }
  return std::string(o.via.str.ptr, o.via.str.size);
}

}  // namespace shadekv::codec
