// Strict reading of decoded MessagePack trees, shared by the agent's codecs
// (peer frames, Raft entries) and the bus (change events, heartbeats, catch-up).
//
// Every getter checks the type it expects; the first problem wins and is kept
// as a kInvalidArgument naming the codec and the field path
// ("raft entry: op.body.key: expected bin, got str"). After a failure the
// getters return zero values, so decoders read straight through and check
// failed() once at the end.
#pragma once

#include <msgpack.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::codec {

// "uint", "bin", "array", ... for error messages.
const char* MsgpackTypeName(msgpack::type::object_type type);

// Unpacks exactly one value that must fill `bytes`. Errors (kInvalidArgument,
// prefixed with `what`): "truncated (N bytes)", "not valid MessagePack: ...",
// "N trailing bytes after the <noun>".
Result<msgpack::object_handle> UnpackExactlyOne(std::string_view bytes,
                                                const msgpack::unpack_limit& limits,
                                                const std::string& what, const std::string& noun);

struct MsgpackReaderLimits {
  size_t max_list_items = 1u << 16;
  size_t max_string_bytes = 64u << 10;
};

class MsgpackReader {
 public:
  // `what` names the codec in every error ("peer frame", "raft entry").
  MsgpackReader(std::string what, MsgpackReaderLimits limits)
      : what_(std::move(what)), limits_(limits) {}

  Status error() const { return error_; }
  bool failed() const { return !error_.ok(); }

  void Fail(const std::string& path, const std::string& problem);
  void FailType(const std::string& path, const char* expected, const msgpack::object& o);

  // An array of exactly `size` fields; nullptr after a failure.
  const msgpack::object* Fields(const msgpack::object& o, const std::string& path, uint32_t size);
  // An array of any length up to max_list_items; `*size` is set on success.
  const msgpack::object* List(const msgpack::object& o, const std::string& path, uint32_t* size);

  uint64_t Uint(const msgpack::object& o, const std::string& path);
  int64_t Int(const msgpack::object& o, const std::string& path);
  bool Bool(const msgpack::object& o, const std::string& path);
  std::string Bin(const msgpack::object& o, const std::string& path);
  std::string Str(const msgpack::object& o, const std::string& path);

  // An int32-ranged enum value.
  template <typename E>
  E Enum(const msgpack::object& o, const std::string& path) {
    int64_t v = Int(o, path);
    if (!failed() &&
        (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())) {
      Fail(path, std::to_string(v) + " is out of int32 range");
      return E{};
    }
    return static_cast<E>(v);
  }

 private:
  const std::string what_;
  const MsgpackReaderLimits limits_;
  Status error_;
};

}  // namespace shadekv::codec
