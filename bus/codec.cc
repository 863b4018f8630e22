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

#include "bus/body_codec.h"
#include "shadekv/codec/msgpack_reader.h"

namespace shadekv::bus {
namespace {

using namespace internal;  // NOLINT: the body helpers of this component

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
    case MessageKind::kRequest:
      return "REQUEST";
    case MessageKind::kAlert:
      return "ALERT";
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
