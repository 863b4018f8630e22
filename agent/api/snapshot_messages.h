// The messages of POST /v3/maintenance/snapshot, shaped like etcd 3.4's
// gateway (observed on 3.4.23): one {"result":{...}} line per blob of at most
// 32 KiB, "remaining_bytes" (a string, omitted when 0) counting the stream
// bytes still to come AFTER this blob, no header. The blobs concatenated are
// exactly the store's snapshot stream (store/snapshot_format.h), whose own
// SHA-256 trailer is the checksum, so unlike etcd no extra 32-byte hash
// message follows. Pure: no sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::api {

// etcd's server sends 32 KiB per message (maintenance.go snapshotSendBufferSize).
inline constexpr size_t kSnapshotBlobBytes = 32 * 1024;

// One message line, with its trailing '\n'.
std::string EncodeSnapshotMessage(uint64_t remaining_bytes, std::string_view blob);

// grpc-gateway's mid-stream error line ({"error":{"grpc_code",...}}), with
// its trailing '\n': what a client sees when the export fails after the
// first message (the 200 status line is gone by then).
std::string EncodeSnapshotStreamError(const Status& status);

// Re-chunks the store's export (chunks of any size) into message lines. The
// total comes from the stream's own header (stream_bytes), so
// remaining_bytes is exact from the first message on.
class SnapshotMessageEncoder {
 public:
  // Appends complete message lines for `chunk` to `lines`. kInternal when
  // the stream does not start with a snapshot header or overruns its total.
  Status Add(std::string_view chunk, std::vector<std::string>* lines);
  // The last (short) message. kInternal when the stream ended before its
  // announced total.
  Status Finish(std::vector<std::string>* lines);

  uint64_t total() const { return total_; }
  uint64_t sent() const { return sent_; }

 private:
  void Emit(std::vector<std::string>* lines);

  std::string pending_;
  uint64_t total_ = 0;  // 0 until the header has arrived
  uint64_t received_ = 0;
  uint64_t sent_ = 0;
};

}  // namespace shadekv::api
