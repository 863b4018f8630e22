// MessagePack encoding and strict decoding of every bus message
// (bus/PROTOCOL.md section 3). Pure functions: no sockets, no state.
//
// Encoders cannot fail and produce canonical bytes (smallest integer forms),
// so equal messages encode to equal bytes on every member.
//
// Decoders treat their input as hostile. Any problem (truncated, not
// MessagePack, trailing bytes, unknown version, other kind, wrong field count
// or type, oversized list or string) returns kInvalidArgument naming the
// message and the field path, e.g. "bus EVENT: changes[2].kv.key: expected
// bin, got str". They never return a partial message and never throw.
// Thread-safe: no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/bus/messages.h"
#include "shadekv/common/status.h"

namespace shadekv::bus {

struct CodecLimits {
  size_t max_body_bytes = 64u << 20;    // whole body
  size_t max_list_items = 1u << 16;     // changes per event, events per chunk
  size_t max_string_bytes = 64u << 10;  // user, address, endpoint, message
};

// The checksum SNAPSHOT_END carries: CRC-32 (zlib's, via Poco::Checksum) of
// the concatenated snapshot chunk data.
uint32_t SnapshotChecksum(std::string_view data);

std::string EncodeEvent(const ChangeEvent& event);
std::string EncodeHeartbeat(const Heartbeat& heartbeat);
std::string EncodeCatchupRequest(const CatchupRequest& request);
std::string EncodeCatchupEvents(const CatchupEvents& chunk);
std::string EncodeSnapshotBegin(const SnapshotBegin& begin);
std::string EncodeSnapshotChunk(const SnapshotChunk& chunk);
std::string EncodeSnapshotEnd(const SnapshotEnd& end);
std::string EncodeCatchupEnd(const CatchupEnd& end);
std::string EncodeErrorReply(const ErrorReply& error);
std::string EncodeRequestRecord(const RequestRecord& record);
std::string EncodeAlert(const Alert& alert);

Result<ChangeEvent> DecodeEvent(std::string_view body, const CodecLimits& limits = {});
Result<Heartbeat> DecodeHeartbeat(std::string_view body, const CodecLimits& limits = {});
Result<CatchupRequest> DecodeCatchupRequest(std::string_view body, const CodecLimits& limits = {});
Result<CatchupEvents> DecodeCatchupEvents(std::string_view body, const CodecLimits& limits = {});
Result<SnapshotBegin> DecodeSnapshotBegin(std::string_view body, const CodecLimits& limits = {});
Result<SnapshotChunk> DecodeSnapshotChunk(std::string_view body, const CodecLimits& limits = {});
Result<SnapshotEnd> DecodeSnapshotEnd(std::string_view body, const CodecLimits& limits = {});
Result<CatchupEnd> DecodeCatchupEnd(std::string_view body, const CodecLimits& limits = {});
Result<ErrorReply> DecodeErrorReply(std::string_view body, const CodecLimits& limits = {});
Result<RequestRecord> DecodeRequestRecord(std::string_view body, const CodecLimits& limits = {});
Result<Alert> DecodeAlert(std::string_view body, const CodecLimits& limits = {});

// The kind of a body, after checking it is a MessagePack array starting with
// a supported version and a known kind; for dispatching catch-up replies.
// The body still has to be decoded with its own Decode function.
Result<MessageKind> PeekKind(std::string_view body, const CodecLimits& limits = {});

}  // namespace shadekv::bus
