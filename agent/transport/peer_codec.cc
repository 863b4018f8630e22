// Peer frame encoding. Byte layout (MessagePack; positional arrays keep the
// hot path compact; never reorder fields, only bump kPeerFrameVersion):
//
//   frame    := array(4)[ version:uint, cluster_id:uint, from:uint, messages:array(n)[message] ]
//   message  := array(14)[ type:uint, from:uint, to:uint, term:uint, log_term:uint, index:uint,
//                          entries:array(n)[entry], commit:uint, reject:bool, reject_hint:uint,
//                          context:bin, snapshot:(nil | snapshot), chunk_offset:uint,
//                          chunk_last:bool ]
//   entry    := array(4)[ term:uint, index:uint, type:uint, data:bin ]
//   snapshot := array(5)[ index:uint, term:uint, voters:array[uint], learners:array[uint],
//                         data:bin ]
#include "agent/transport/peer_codec.h"

#include <msgpack.hpp>

#include "shadekv/codec/msgpack_reader.h"

namespace shadekv::agent {
namespace {

using codec::MsgpackReader;
using codec::UnpackExactlyOne;

using Packer = msgpack::packer<msgpack::sbuffer>;

void PackBin(Packer& pk, std::string_view bytes) {
  pk.pack_bin(static_cast<uint32_t>(bytes.size()));
  pk.pack_bin_body(bytes.data(), static_cast<uint32_t>(bytes.size()));
}

void PackIds(Packer& pk, const std::vector<raft::NodeId>& ids) {
  pk.pack_array(static_cast<uint32_t>(ids.size()));
  for (raft::NodeId id : ids) pk.pack_uint64(id);
}

void PackEntry(Packer& pk, const raft::Entry& e) {
  pk.pack_array(4);
  pk.pack_uint64(e.term);
  pk.pack_uint64(e.index);
  pk.pack_uint8(static_cast<uint8_t>(e.type));
  PackBin(pk, e.data);
}

void PackMessage(Packer& pk, const raft::Message& m) {
  pk.pack_array(14);
  pk.pack_uint8(static_cast<uint8_t>(m.type));
  pk.pack_uint64(m.from);
  pk.pack_uint64(m.to);
  pk.pack_uint64(m.term);
  pk.pack_uint64(m.log_term);
  pk.pack_uint64(m.index);
  pk.pack_array(static_cast<uint32_t>(m.entries.size()));
  for (const raft::Entry& e : m.entries) PackEntry(pk, e);
  pk.pack_uint64(m.commit);
  if (m.reject) {
    pk.pack_true();
  } else {
    pk.pack_false();
  }
  pk.pack_uint64(m.reject_hint);
  PackBin(pk, m.context);
  if (m.type == raft::MessageType::kSnap) {
    pk.pack_array(5);
    pk.pack_uint64(m.snapshot.meta.index);
    pk.pack_uint64(m.snapshot.meta.term);
    PackIds(pk, m.snapshot.meta.conf_state.voters);
    PackIds(pk, m.snapshot.meta.conf_state.learners);
    PackBin(pk, m.snapshot.data);
  } else {
    pk.pack_nil();
  }
  pk.pack_uint64(m.chunk_offset);
  if (m.chunk_last) {
    pk.pack_true();
  } else {
    pk.pack_false();
  }
}

constexpr uint64_t kLastMessageType = static_cast<uint64_t>(raft::MessageType::kUnreachable);
constexpr uint64_t kLastEntryType = static_cast<uint64_t>(raft::EntryType::kConfChange);

std::vector<raft::NodeId> ReadIds(MsgpackReader& r, const msgpack::object& o,
                                  const std::string& path) {
  std::vector<raft::NodeId> ids;
  uint32_t size = 0;
  const msgpack::object* items = r.List(o, path, &size);
  for (uint32_t i = 0; items != nullptr && i < size && !r.failed(); ++i) {
    ids.push_back(r.Uint(items[i], path + "[" + std::to_string(i) + "]"));
  }
  return ids;
}

bool IsLocalOnly(raft::MessageType type) {
  return type == raft::MessageType::kHup || type == raft::MessageType::kBeat ||
         type == raft::MessageType::kSnapStatus || type == raft::MessageType::kUnreachable;
}

raft::Entry ReadEntry(MsgpackReader& r, const msgpack::object& o, const std::string& path) {
  raft::Entry e;
  const msgpack::object* f = r.Fields(o, path, 4);
  if (f == nullptr) return e;
  e.term = r.Uint(f[0], path + ".term");
  e.index = r.Uint(f[1], path + ".index");
  uint64_t type = r.Uint(f[2], path + ".type");
  if (!r.failed() && type > kLastEntryType)
    r.Fail(path + ".type", "unknown entry type " + std::to_string(type));
  e.type = static_cast<raft::EntryType>(type);
  e.data = r.Bin(f[3], path + ".data");
  return e;
}

raft::Message ReadMessage(MsgpackReader& r, const msgpack::object& o, const std::string& path,
                          const PeerFrameLimits& limits) {
  raft::Message m;
  const msgpack::object* f = r.Fields(o, path, 14);
  if (f == nullptr) return m;
  uint64_t type = r.Uint(f[0], path + ".type");
  if (!r.failed() && type > kLastMessageType) {
    r.Fail(path + ".type", "unknown message type " + std::to_string(type));
  }
  m.type = static_cast<raft::MessageType>(type);
  if (!r.failed() && IsLocalOnly(m.type)) {
    r.Fail(path + ".type", "message type " + std::to_string(type) + " is local and never sent");
  }
  m.from = r.Uint(f[1], path + ".from");
  m.to = r.Uint(f[2], path + ".to");
  m.term = r.Uint(f[3], path + ".term");
  m.log_term = r.Uint(f[4], path + ".log_term");
  m.index = r.Uint(f[5], path + ".index");
  const msgpack::object& entries = f[6];
  if (entries.type != msgpack::type::ARRAY) {
    r.FailType(path + ".entries", "array", entries);
  } else if (entries.via.array.size > limits.max_entries_per_message) {
    r.Fail(path + ".entries", "too many entries (" + std::to_string(entries.via.array.size) + ")");
  } else {
    m.entries.reserve(entries.via.array.size);
    for (uint32_t i = 0; i < entries.via.array.size && !r.failed(); ++i) {
      m.entries.push_back(
          ReadEntry(r, entries.via.array.ptr[i], path + ".entries[" + std::to_string(i) + "]"));
    }
  }
  m.commit = r.Uint(f[7], path + ".commit");
  m.reject = r.Bool(f[8], path + ".reject");
  m.reject_hint = r.Uint(f[9], path + ".reject_hint");
  m.context = r.Bin(f[10], path + ".context");
  const msgpack::object& snap = f[11];
  if (snap.type != msgpack::type::NIL && m.type != raft::MessageType::kSnap) {
    r.Fail(path + ".snapshot", "only snapshot messages carry a snapshot");
  } else if (snap.type != msgpack::type::NIL) {
    const msgpack::object* s = r.Fields(snap, path + ".snapshot", 5);
    if (s != nullptr) {
      m.snapshot.meta.index = r.Uint(s[0], path + ".snapshot.index");
      m.snapshot.meta.term = r.Uint(s[1], path + ".snapshot.term");
      m.snapshot.meta.conf_state.voters = ReadIds(r, s[2], path + ".snapshot.voters");
      m.snapshot.meta.conf_state.learners = ReadIds(r, s[3], path + ".snapshot.learners");
      m.snapshot.data = r.Bin(s[4], path + ".snapshot.data");
    }
  }
  m.chunk_offset = r.Uint(f[12], path + ".chunk_offset");
  m.chunk_last = r.Bool(f[13], path + ".chunk_last");
  return m;
}

}  // namespace

std::string EncodePeerFrame(const PeerFrame& frame) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_array(4);
  pk.pack_uint64(kPeerFrameVersion);
  pk.pack_uint64(frame.cluster_id);
  pk.pack_uint64(frame.from);
  pk.pack_array(static_cast<uint32_t>(frame.messages.size()));
  for (const raft::Message& m : frame.messages) PackMessage(pk, m);
  return std::string(buffer.data(), buffer.size());
}

Result<PeerFrame> DecodePeerFrame(std::string_view bytes, const PeerFrameLimits& limits) {
  if (bytes.size() > limits.max_frame_bytes) {
    return Status::InvalidArgument("peer frame: " + std::to_string(bytes.size()) +
                                   " bytes exceeds the limit of " +
                                   std::to_string(limits.max_frame_bytes));
  }
  // Nested depth of a valid frame is 5; maps, ext and long strings never appear
  // (a short str is let through only to report it as a mistyped field).
  msgpack::unpack_limit unpack_limits(/*array=*/limits.max_entries_per_message + 1, /*map=*/0,
                                      /*str=*/4096, /*bin=*/limits.max_frame_bytes, /*ext=*/0,
                                      /*depth=*/6);
  SHADEKV_ASSIGN_OR_RETURN(msgpack::object_handle handle,
                           UnpackExactlyOne(bytes, unpack_limits, "peer frame", "frame"));

  MsgpackReader r("peer frame", {limits.max_messages, 0});
  PeerFrame frame;
  const msgpack::object* f = r.Fields(handle.get(), "frame", 4);
  if (f == nullptr) return r.error();
  uint64_t version = r.Uint(f[0], "version");
  if (!r.failed() && version != kPeerFrameVersion) {
    return Status::InvalidArgument("peer frame: version " + std::to_string(version) +
                                   " is not supported (this member speaks version " +
                                   std::to_string(kPeerFrameVersion) +
                                   "): run the same shadekv version on every member");
  }
  frame.cluster_id = r.Uint(f[1], "cluster_id");
  frame.from = r.Uint(f[2], "from");
  const msgpack::object& messages = f[3];
  if (messages.type != msgpack::type::ARRAY) {
    r.FailType("messages", "array", messages);
  } else if (messages.via.array.size > limits.max_messages) {
    r.Fail("messages", "too many messages (" + std::to_string(messages.via.array.size) + ")");
  } else {
    frame.messages.reserve(messages.via.array.size);
    for (uint32_t i = 0; i < messages.via.array.size && !r.failed(); ++i) {
      std::string path = "message " + std::to_string(i);
      frame.messages.push_back(ReadMessage(r, messages.via.array.ptr[i], path, limits));
      // A member speaks only for itself; anything else is forged or misrouted.
      if (!r.failed() && frame.messages.back().from != frame.from) {
        r.Fail(path + ".from", "sender " + std::to_string(frame.messages.back().from) +
                                   " differs from the frame's sender " +
                                   std::to_string(frame.from));
      }
    }
  }
  if (r.failed()) return r.error();
  return frame;
}

}  // namespace shadekv::agent
