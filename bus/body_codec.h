// Internal to shadekv_bus_codec: the body layout shared by every bus
// message codec (codec.cc for the Clone-pattern messages, record_codec.cc for
// request records and alerts). Not part of the public include/ face.
//
//   body := array(2 + N)[ version:uint (=1), kind:uint, field_1 ... field_N ]
#pragma once

#include <msgpack.hpp>

#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/bus/codec.h"
#include "shadekv/codec/msgpack_reader.h"

namespace shadekv::bus::internal {

using codec::MsgpackReader;
using Packer = msgpack::packer<msgpack::sbuffer>;

// body -> changes -> change -> kv, plus slack for hostile nesting to be
// rejected by the unpacker rather than walked.
constexpr size_t kMaxDepth = 6;

// ---------------------------------------------------------------- encoding

class BodyWriter {
 public:
  BodyWriter(MessageKind kind, uint32_t fields) : pk_(buffer_) {
    pk_.pack_array(2 + fields);
    pk_.pack_uint64(kProtocolVersion);
    pk_.pack_uint64(static_cast<uint64_t>(kind));
  }
  Packer& pk() { return pk_; }
  void Str(const std::string& s) {
    pk_.pack_str(static_cast<uint32_t>(s.size()));
    pk_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  }
  void Bin(const std::string& s) {
    pk_.pack_bin(static_cast<uint32_t>(s.size()));
    pk_.pack_bin_body(s.data(), static_cast<uint32_t>(s.size()));
  }
  void Kv(const store::KeyValue& kv) {
    pk_.pack_array(6);
    Bin(kv.key);
    Bin(kv.value);
    pk_.pack_int64(kv.create_revision);
    pk_.pack_int64(kv.mod_revision);
    pk_.pack_int64(kv.version);
    pk_.pack_int64(kv.lease);
  }
  std::string Done() const { return std::string(buffer_.data(), buffer_.size()); }

 private:
  msgpack::sbuffer buffer_;
  Packer pk_;
};

// ---------------------------------------------------------------- decoding

inline std::string What(MessageKind kind) {
  return "bus " + MessageKindName(static_cast<uint64_t>(kind));
}

inline msgpack::unpack_limit UnpackLimits(const CodecLimits& limits) {
  return msgpack::unpack_limit(/*array=*/limits.max_list_items, /*map=*/0,
                               /*str=*/limits.max_string_bytes, /*bin=*/limits.max_body_bytes,
                               /*ext=*/0, kMaxDepth);
}

// Checks the size bound and unpacks exactly one value.
inline Result<msgpack::object_handle> Unpack(std::string_view body, const std::string& what,
                                             const CodecLimits& limits) {
  if (body.size() > limits.max_body_bytes) {
    return Status::InvalidArgument(what + ": " + std::to_string(body.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(limits.max_body_bytes));
  }
  return codec::UnpackExactlyOne(body, UnpackLimits(limits), what, "body");
}

// Checks [version, kind, ...] and returns the version and kind; the caller
// checks the kind it wants.
inline Result<MessageKind> ReadHeader(const msgpack::object& o, const std::string& what) {
  if (o.type != msgpack::type::ARRAY) {
    return Status::InvalidArgument(what + ": body: expected array, got " +
                                   codec::MsgpackTypeName(o.type));
  }
  if (o.via.array.size < 2) {
    return Status::InvalidArgument(what + ": body: expected [version, kind, ...], got " +
                                   std::to_string(o.via.array.size) + " elements");
  }
  const msgpack::object* f = o.via.array.ptr;
  if (f[0].type != msgpack::type::POSITIVE_INTEGER) {
    return Status::InvalidArgument(what + ": version: expected uint, got " +
                                   codec::MsgpackTypeName(f[0].type));
  }
  if (f[0].via.u64 != kProtocolVersion) {
    return Status::InvalidArgument(what + ": version " + std::to_string(f[0].via.u64) +
                                   " is not supported (this build speaks version " +
                                   std::to_string(kProtocolVersion) +
                                   "): upgrade the subscriber or the publisher");
  }
  if (f[1].type != msgpack::type::POSITIVE_INTEGER) {
    return Status::InvalidArgument(what + ": kind: expected uint, got " +
                                   codec::MsgpackTypeName(f[1].type));
  }
  uint64_t kind = f[1].via.u64;
  if (kind < static_cast<uint64_t>(MessageKind::kEvent) ||
      kind > static_cast<uint64_t>(kLastMessageKind)) {
    return Status::InvalidArgument(what + ": kind: unknown kind " + std::to_string(kind));
  }
  return static_cast<MessageKind>(kind);
}

// Unpacks `body`, checks it is a `kind` with exactly `fields` fields after the
// header, and returns the handle; fields start at via.array.ptr + 2.
inline Result<msgpack::object_handle> OpenBody(std::string_view body, MessageKind kind,
                                               uint32_t fields, const CodecLimits& limits) {
  const std::string what = What(kind);
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle, Unpack(body, what, limits));
  SHADEKV_ASSIGN_OR_RETURN(MessageKind got, ReadHeader(handle.get(), what));
  if (got != kind) {
    return Status::InvalidArgument(what + ": kind: got " +
                                   MessageKindName(static_cast<uint64_t>(got)) + " instead");
  }
  if (handle.get().via.array.size != 2 + fields) {
    return Status::InvalidArgument(what + ": body: expected " + std::to_string(fields) +
                                   " fields after version and kind, got " +
                                   std::to_string(handle.get().via.array.size - 2));
  }
  return handle;
}

inline const msgpack::object* FieldsOf(const msgpack::object_handle& handle) {
  return handle.get().via.array.ptr + 2;
}

inline codec::MsgpackReaderLimits ReaderLimits(const CodecLimits& limits) {
  return {limits.max_list_items, limits.max_string_bytes};
}

// Reads a field that must be >= `min`.
inline int64_t IntAtLeast(MsgpackReader& r, const msgpack::object& o, const std::string& path,
                          int64_t min) {
  int64_t v = r.Int(o, path);
  if (!r.failed() && v < min) {
    r.Fail(path, std::to_string(v) + " is below the minimum of " + std::to_string(min));
  }
  return v;
}

inline uint64_t UintAtLeast(MsgpackReader& r, const msgpack::object& o, const std::string& path,
                            uint64_t min) {
  uint64_t v = r.Uint(o, path);
  if (!r.failed() && v < min) {
    r.Fail(path, std::to_string(v) + " is below the minimum of " + std::to_string(min));
  }
  return v;
}

template <typename T>
Result<T> Finish(const MsgpackReader& r, T value) {
  if (r.failed()) return r.error();
  return value;
}

}  // namespace shadekv::bus::internal
