// MessagePack codec of the bus messages. Every body is
//   body := array(2 + N)[ version:uint (=1), kind:uint, field_1 ... field_N ]
// with the fields of PROTOCOL.md section 3. The header is checked before the
// field count, so a body of a newer version is reported as such rather than
// as a field-count mismatch.
#include "shadekv/bus/codec.h"

#include <Poco/Checksum.h>
#include <msgpack.hpp>

#include <algorithm>
#include <limits>
#include <optional>
#include <utility>

#include "shadekv/codec/msgpack_reader.h"

namespace shadekv::bus {
namespace {

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

std::string What(MessageKind kind) { return "bus " + MessageKindName(static_cast<uint64_t>(kind)); }

msgpack::unpack_limit UnpackLimits(const CodecLimits& limits) {
  return msgpack::unpack_limit(/*array=*/limits.max_list_items, /*map=*/0,
                               /*str=*/limits.max_string_bytes, /*bin=*/limits.max_body_bytes,
                               /*ext=*/0, kMaxDepth);
}

// Checks the size bound and unpacks exactly one value.
Result<msgpack::object_handle> Unpack(std::string_view body, const std::string& what,
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
Result<MessageKind> ReadHeader(const msgpack::object& o, const std::string& what) {
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
      kind > static_cast<uint64_t>(MessageKind::kError)) {
    return Status::InvalidArgument(what + ": kind: unknown kind " + std::to_string(kind));
  }
  return static_cast<MessageKind>(kind);
}

// Unpacks `body`, checks it is a `kind` with exactly `fields` fields after the
// header, and returns the handle; fields start at via.array.ptr + 2.
Result<msgpack::object_handle> OpenBody(std::string_view body, MessageKind kind, uint32_t fields,
                                        const CodecLimits& limits) {
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

const msgpack::object* FieldsOf(const msgpack::object_handle& handle) {
  return handle.get().via.array.ptr + 2;
}

codec::MsgpackReaderLimits ReaderLimits(const CodecLimits& limits) {
  return {limits.max_list_items, limits.max_string_bytes};
}

store::KeyValue ReadKv(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  store::KeyValue kv;
  const msgpack::object* f = r.Fields(o, path, 6);
  if (f == nullptr) return kv;
  kv.key = r.Bin(f[0], path + ".key");
  kv.value = r.Bin(f[1], path + ".value");
  kv.create_revision = r.Int(f[2], path + ".create_revision");
  kv.mod_revision = r.Int(f[3], path + ".mod_revision");
  kv.version = r.Int(f[4], path + ".version");
  kv.lease = r.Int(f[5], path + ".lease");
  return kv;
}

store::KeyChange ReadChange(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  store::KeyChange change;
  const msgpack::object* f = r.Fields(o, path, 3);
  if (f == nullptr) return change;
  int64_t type = r.Int(f[0], path + ".type");
  if (!r.failed() && type != static_cast<int64_t>(store::KeyChange::Type::kPut) &&
      type != static_cast<int64_t>(store::KeyChange::Type::kDelete)) {
    r.Fail(path + ".type", "unknown change type " + std::to_string(type) + " (0 PUT, 1 DELETE)");
  }
  change.type = static_cast<store::KeyChange::Type>(type);
  change.kv = ReadKv(r, f[1], path + ".kv");
  if (!r.failed() && f[2].type != msgpack::type::NIL) {
    change.prev_kv = ReadKv(r, f[2], path + ".prev_kv");
  }
  return change;
}

// Reads a field that must be >= `min`.
int64_t IntAtLeast(MsgpackReader& r, const msgpack::object& o, const std::string& path,
                   int64_t min) {
  int64_t v = r.Int(o, path);
  if (!r.failed() && v < min) {
    r.Fail(path, std::to_string(v) + " is below the minimum of " + std::to_string(min));
  }
  return v;
}

uint64_t UintAtLeast(MsgpackReader& r, const msgpack::object& o, const std::string& path,
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

}  // namespace

std::string MessageKindName(uint64_t kind) {
  switch (static_cast<MessageKind>(kind)) {
    case MessageKind::kEvent:
      return "EVENT";
    case MessageKind::kHeartbeat:
      return "HEARTBEAT";
    case MessageKind::kCatchupRequest:
      return "CATCHUP_REQUEST";
    case MessageKind::kCatchupEvents:
      return "CATCHUP_EVENTS";
    case MessageKind::kSnapshotBegin:
      return "SNAPSHOT_BEGIN";
    case MessageKind::kSnapshotChunk:
      return "SNAPSHOT_CHUNK";
    case MessageKind::kSnapshotEnd:
      return "SNAPSHOT_END";
    case MessageKind::kCatchupEnd:
      return "CATCHUP_END";
    case MessageKind::kError:
      return "ERROR";
  }
  return "kind " + std::to_string(kind);
}

bool operator==(const ChangeEvent& a, const ChangeEvent& b) {
  auto same_change = [](const store::KeyChange& x, const store::KeyChange& y) {
    return x.type == y.type && x.kv == y.kv && x.prev_kv == y.prev_kv;
  };
  return a.revision == b.revision && a.leader_time_ms == b.leader_time_ms &&
         a.member_id == b.member_id && a.request_id == b.request_id && a.user == b.user &&
         a.client_address == b.client_address &&
         std::equal(a.changes.begin(), a.changes.end(), b.changes.begin(), b.changes.end(),
                    same_change);
}

ChangeEvent MakeChangeEvent(const store::ChangeEvent& applied, const EventOrigin& origin) {
  ChangeEvent event;
  event.revision = applied.revision;
  event.leader_time_ms = origin.leader_time_ms;
  event.member_id = origin.member_id;
  event.request_id = origin.request_id;
  event.user = origin.user;
  event.client_address = origin.client_address;
  event.changes = applied.changes;
  return event;
}

std::string EncodeEvent(const ChangeEvent& event) {
  BodyWriter w(MessageKind::kEvent, 7);
  w.pk().pack_int64(event.revision);
  w.pk().pack_int64(event.leader_time_ms);
  w.pk().pack_uint64(event.member_id);
  w.pk().pack_uint64(event.request_id);
  w.Str(event.user);
  w.Str(event.client_address);
  w.pk().pack_array(static_cast<uint32_t>(event.changes.size()));
  for (const store::KeyChange& change : event.changes) {
    w.pk().pack_array(3);
    w.pk().pack_int64(static_cast<int64_t>(change.type));
    w.Kv(change.kv);
    if (change.prev_kv.has_value()) {
      w.Kv(*change.prev_kv);
    } else {
      w.pk().pack_nil();
    }
  }
  return w.Done();
}

Result<ChangeEvent> DecodeEvent(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kEvent, 7, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kEvent), ReaderLimits(limits));
  ChangeEvent event;
  event.revision = IntAtLeast(r, f[0], "revision", 1);
  event.leader_time_ms = r.Int(f[1], "leader_time_ms");
  event.member_id = r.Uint(f[2], "member_id");
  event.request_id = r.Uint(f[3], "request_id");
  event.user = r.Str(f[4], "user");
  event.client_address = r.Str(f[5], "client_address");
  uint32_t n = 0;
  const msgpack::object* changes = r.List(f[6], "changes", &n);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    event.changes.push_back(ReadChange(r, changes[i], "changes[" + std::to_string(i) + "]"));
  }
  return Finish(r, std::move(event));
}

std::string EncodeHeartbeat(const Heartbeat& heartbeat) {
  BodyWriter w(MessageKind::kHeartbeat, 6);
  w.pk().pack_uint64(heartbeat.member_id);
  w.pk().pack_uint64(heartbeat.cluster_id);
  w.pk().pack_int64(heartbeat.latest_revision);
  w.pk().pack_int64(heartbeat.compact_revision);
  w.Str(heartbeat.catchup_endpoint);
  w.pk().pack_uint64(heartbeat.interval_ms);
  return w.Done();
}

Result<Heartbeat> DecodeHeartbeat(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kHeartbeat, 6, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kHeartbeat), ReaderLimits(limits));
  Heartbeat hb;
  hb.member_id = r.Uint(f[0], "member_id");
  hb.cluster_id = r.Uint(f[1], "cluster_id");
  hb.latest_revision = IntAtLeast(r, f[2], "latest_revision", 0);
  hb.compact_revision = IntAtLeast(r, f[3], "compact_revision", 0);
  hb.catchup_endpoint = r.Str(f[4], "catchup_endpoint");
  hb.interval_ms = UintAtLeast(r, f[5], "interval_ms", 1);
  return Finish(r, std::move(hb));
}

std::string EncodeCatchupRequest(const CatchupRequest& request) {
  BodyWriter w(MessageKind::kCatchupRequest, 4);
  w.pk().pack_uint64(request.tag);
  w.pk().pack_int64(request.from_revision);
  w.pk().pack_uint64(request.max_events);
  w.pk().pack_uint64(request.max_bytes);
  return w.Done();
}

Result<CatchupRequest> DecodeCatchupRequest(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kCatchupRequest, 4, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kCatchupRequest), ReaderLimits(limits));
  CatchupRequest request;
  request.tag = r.Uint(f[0], "tag");
  request.from_revision = IntAtLeast(r, f[1], "from_revision", 1);
  request.max_events = UintAtLeast(r, f[2], "max_events", 1);
  request.max_bytes = UintAtLeast(r, f[3], "max_bytes", 1);
  return Finish(r, std::move(request));
}

std::string EncodeCatchupEvents(const CatchupEvents& chunk) {
  BodyWriter w(MessageKind::kCatchupEvents, 3);
  w.pk().pack_uint64(chunk.tag);
  w.pk().pack_uint64(chunk.seq);
  w.pk().pack_array(static_cast<uint32_t>(chunk.events.size()));
  for (const std::string& event : chunk.events) w.Bin(event);
  return w.Done();
}

Result<CatchupEvents> DecodeCatchupEvents(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kCatchupEvents, 3, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kCatchupEvents), ReaderLimits(limits));
  CatchupEvents chunk;
  chunk.tag = r.Uint(f[0], "tag");
  chunk.seq = r.Uint(f[1], "seq");
  uint32_t n = 0;
  const msgpack::object* events = r.List(f[2], "events", &n);
  for (uint32_t i = 0; i < n && !r.failed(); ++i) {
    chunk.events.push_back(r.Bin(events[i], "events[" + std::to_string(i) + "]"));
  }
  return Finish(r, std::move(chunk));
}

std::string EncodeSnapshotBegin(const SnapshotBegin& begin) {
  BodyWriter w(MessageKind::kSnapshotBegin, 4);
  w.pk().pack_uint64(begin.tag);
  w.pk().pack_uint64(begin.seq);
  w.pk().pack_int64(begin.revision);
  w.pk().pack_uint64(begin.total_bytes);
  return w.Done();
}

Result<SnapshotBegin> DecodeSnapshotBegin(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kSnapshotBegin, 4, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kSnapshotBegin), ReaderLimits(limits));
  SnapshotBegin begin;
  begin.tag = r.Uint(f[0], "tag");
  begin.seq = r.Uint(f[1], "seq");
  begin.revision = IntAtLeast(r, f[2], "revision", 1);
  begin.total_bytes = r.Uint(f[3], "total_bytes");
  return Finish(r, std::move(begin));
}

std::string EncodeSnapshotChunk(const SnapshotChunk& chunk) {
  BodyWriter w(MessageKind::kSnapshotChunk, 3);
  w.pk().pack_uint64(chunk.tag);
  w.pk().pack_uint64(chunk.seq);
  w.Bin(chunk.data);
  return w.Done();
}

Result<SnapshotChunk> DecodeSnapshotChunk(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kSnapshotChunk, 3, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kSnapshotChunk), ReaderLimits(limits));
  SnapshotChunk chunk;
  chunk.tag = r.Uint(f[0], "tag");
  chunk.seq = r.Uint(f[1], "seq");
  chunk.data = r.Bin(f[2], "data");
  return Finish(r, std::move(chunk));
}

std::string EncodeSnapshotEnd(const SnapshotEnd& end) {
  BodyWriter w(MessageKind::kSnapshotEnd, 3);
  w.pk().pack_uint64(end.tag);
  w.pk().pack_uint64(end.seq);
  w.pk().pack_uint64(end.crc32);
  return w.Done();
}

Result<SnapshotEnd> DecodeSnapshotEnd(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kSnapshotEnd, 3, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kSnapshotEnd), ReaderLimits(limits));
  SnapshotEnd end;
  end.tag = r.Uint(f[0], "tag");
  end.seq = r.Uint(f[1], "seq");
  uint64_t crc = r.Uint(f[2], "crc32");
  if (!r.failed() && crc > std::numeric_limits<uint32_t>::max()) {
    r.Fail("crc32", std::to_string(crc) + " does not fit in 32 bits");
  }
  end.crc32 = static_cast<uint32_t>(crc);
  return Finish(r, std::move(end));
}

std::string EncodeCatchupEnd(const CatchupEnd& end) {
  BodyWriter w(MessageKind::kCatchupEnd, 3);
  w.pk().pack_uint64(end.tag);
  w.pk().pack_uint64(end.seq);
  w.pk().pack_int64(end.last_revision);
  return w.Done();
}

Result<CatchupEnd> DecodeCatchupEnd(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kCatchupEnd, 3, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kCatchupEnd), ReaderLimits(limits));
  CatchupEnd end;
  end.tag = r.Uint(f[0], "tag");
  end.seq = r.Uint(f[1], "seq");
  end.last_revision = IntAtLeast(r, f[2], "last_revision", 0);
  return Finish(r, std::move(end));
}

std::string EncodeErrorReply(const ErrorReply& error) {
  BodyWriter w(MessageKind::kError, 3);
  w.pk().pack_uint64(error.tag);
  w.pk().pack_uint64(error.code);
  w.Str(error.message);
  return w.Done();
}

Result<ErrorReply> DecodeErrorReply(std::string_view body, const CodecLimits& limits) {
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           OpenBody(body, MessageKind::kError, 3, limits));
  const msgpack::object* f = FieldsOf(handle);
  MsgpackReader r(What(MessageKind::kError), ReaderLimits(limits));
  ErrorReply error;
  error.tag = r.Uint(f[0], "tag");
  error.code = r.Uint(f[1], "code");
  error.message = r.Str(f[2], "message");
  return Finish(r, std::move(error));
}

Result<MessageKind> PeekKind(std::string_view body, const CodecLimits& limits) {
  const std::string what = "bus message";
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle, Unpack(body, what, limits));
  return ReadHeader(handle.get(), what);
}

uint32_t SnapshotChecksum(std::string_view data) {
  Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
  crc.update(data.data(), static_cast<unsigned>(data.size()));
  return crc.checksum();
}

}  // namespace shadekv::bus
