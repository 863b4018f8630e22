// Checks a kv snapshot stream (store/snapshot_format.h) as it arrives, in one
// pass and constant memory: the header (magic, format version), the length it
// announces, the trailer magic and the SHA-256 over header and records.
// `shadectl snapshot save` runs it over the bytes it writes, so a file is
// renamed to its final name only when it is whole and unaltered. It does not
// decode records or recompute the keyspace hash: status and restore do that
// (snapshot_inspect.h, MvccStore::RestoreFromSnapshot). Pure: no I/O.
#pragma once

#include <Poco/SHA2Engine.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "shadekv/common/status.h"
#include "store/snapshot_format.h"

namespace shadekv::restore {

class SnapshotStreamCheck {
 public:
  SnapshotStreamCheck();

  // Feeds the next bytes. Fails early (and for good) on a foreign header
  // (kInvalidArgument) or on more bytes than the header announced (kDataLoss).
  Status Add(std::string_view bytes);
  // After the last byte: the header when the stream is whole and its
  // SHA-256 matches; kDataLoss naming what is wrong otherwise.
  Result<store::SnapshotHeader> Finish();

  uint64_t received() const { return received_; }
  // The announced total (header's stream_bytes); 0 until the header arrived.
  uint64_t total() const { return header_parsed_ ? header_.stream_bytes : 0; }

 private:
  Status ParseHeader();

  Poco::SHA2Engine sha_{Poco::SHA2Engine::SHA_256};
  std::string head_;  // the first kSnapshotHeaderBytes
  // The last kSnapshotTrailerBytes seen: not hashed until more bytes push
  // them out, since the trailer is not part of what its digest covers.
  std::string tail_;
  store::SnapshotHeader header_;
  bool header_parsed_ = false;
  Status failed_ = Status::Ok();
  uint64_t received_ = 0;
};

}  // namespace shadekv::restore
