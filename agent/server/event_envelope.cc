// The event envelope record (event_envelope.h) in MessagePack.
#include "agent/server/event_envelope.h"

#include <msgpack.hpp>

#include "shadekv/codec/msgpack_reader.h"

namespace shadekv::agent {
namespace {

// Far above a real user name or "ip:port"; bounds what a damaged record can
// make us allocate.
constexpr size_t kMaxEnvelopeString = 64u << 10;

void PackStr(msgpack::packer<msgpack::sbuffer>& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

}  // namespace

bus::EventOrigin EnvelopeOf(const RaftEntry& entry) {
  bus::EventOrigin origin;
  origin.leader_time_ms = entry.leader_time_ms;
  origin.member_id = entry.origin;
  origin.request_id = entry.request_id;
  origin.user = entry.user;
  origin.client_address = entry.client_address;
  return origin;
}

std::string EncodeEventEnvelope(const bus::EventOrigin& origin) {
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_array(6);
  pk.pack(kEventEnvelopeVersion);
  pk.pack(origin.leader_time_ms);
  pk.pack(origin.member_id);
  pk.pack(origin.request_id);
  PackStr(pk, origin.user);
  PackStr(pk, origin.client_address);
  return std::string(buffer.data(), buffer.size());
}

Result<bus::EventOrigin> DecodeEventEnvelope(std::string_view bytes) {
  msgpack::unpack_limit limits(/*array=*/8, /*map=*/0, /*str=*/kMaxEnvelopeString, /*bin=*/0,
                               /*ext=*/0, /*depth=*/2);
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           codec::UnpackExactlyOne(bytes, limits, "event envelope", "envelope"));
  codec::MsgpackReader r("event envelope", {8, kMaxEnvelopeString});
  const msgpack::object* f = r.Fields(handle.get(), "envelope", 6);
  if (f == nullptr) return r.error();
  const uint64_t version = r.Uint(f[0], "version");
  if (!r.failed() && version != kEventEnvelopeVersion) {
    return Status::InvalidArgument("event envelope: version " + std::to_string(version) +
                                   " is not supported (this member reads version " +
                                   std::to_string(kEventEnvelopeVersion) +
                                   "): run the same shadekv version on every member");
  }
  bus::EventOrigin origin;
  origin.leader_time_ms = r.Int(f[1], "leader_time_ms");
  origin.member_id = r.Uint(f[2], "member_id");
  origin.request_id = r.Uint(f[3], "request_id");
  origin.user = r.Str(f[4], "user");
  origin.client_address = r.Str(f[5], "client_address");
  if (r.failed()) return r.error();
  return origin;
}

}  // namespace shadekv::agent
