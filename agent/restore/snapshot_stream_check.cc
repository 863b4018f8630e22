// One-pass integrity check of a snapshot stream (see the header).
#include "agent/restore/snapshot_stream_check.h"

#include <algorithm>
#include <cstring>

namespace shadekv::restore {
namespace {

uint64_t ReadBe(const char* p, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

}  // namespace

SnapshotStreamCheck::SnapshotStreamCheck() = default;

Status SnapshotStreamCheck::Add(std::string_view bytes) {
  if (!failed_.ok()) return failed_;
  received_ += bytes.size();
  if (!header_parsed_) {
    const size_t take = std::min(bytes.size(), store::kSnapshotHeaderBytes - head_.size());
    head_.append(bytes.substr(0, take));
    if (head_.size() == store::kSnapshotHeaderBytes) {
      failed_ = ParseHeader();
      if (!failed_.ok()) return failed_;
    }
  }
  if (header_parsed_ && received_ > header_.stream_bytes) {
    failed_ = Status::DataLoss("the snapshot has more bytes than its header announces (" +
                               std::to_string(header_.stream_bytes) + "): it is corrupt");
    return failed_;
  }
  // Keep the newest trailer-sized tail back from the digest.
  tail_.append(bytes);
  if (tail_.size() > store::kSnapshotTrailerBytes) {
    const size_t hashed = tail_.size() - store::kSnapshotTrailerBytes;
    sha_.update(tail_.data(), static_cast<unsigned>(hashed));
    tail_.erase(0, hashed);
  }
  return Status::Ok();
}

Status SnapshotStreamCheck::ParseHeader() {
  if (std::string_view(head_).substr(0, store::kSnapshotMagic.size()) != store::kSnapshotMagic) {
    return Status::InvalidArgument(
        "not a shadekv store snapshot (no SHKVSNAP header): is this an etcd snapshot or another "
        "file?");
  }
  const char* p = head_.data();
  header_.format_version = static_cast<uint32_t>(ReadBe(p + 8, 4));
  header_.revision = ReadBe(p + 12, 8);
  header_.compact_revision = ReadBe(p + 20, 8);
  header_.applied_index = ReadBe(p + 28, 8);
  header_.record_count = ReadBe(p + 36, 8);
  header_.stream_bytes = ReadBe(p + 44, 8);
  if (header_.format_version < store::kSnapshotOldestFormatVersion ||
      header_.format_version > store::kSnapshotFormatVersion) {
    return Status::InvalidArgument("snapshot format version " +
                                   std::to_string(header_.format_version) +
                                   " is not supported (this build reads 1 to " +
                                   std::to_string(store::kSnapshotFormatVersion) + ")");
  }
  if (header_.stream_bytes < store::kSnapshotHeaderBytes + store::kSnapshotTrailerBytes) {
    return Status::DataLoss("snapshot header is corrupt: it announces " +
                            std::to_string(header_.stream_bytes) + " bytes");
  }
  header_parsed_ = true;
  return Status::Ok();
}

Result<store::SnapshotHeader> SnapshotStreamCheck::Finish() {
  if (!failed_.ok()) return failed_;
  if (received_ == 0) return Status::DataLoss("the snapshot is empty (0 bytes)");
  if (!header_parsed_ || received_ < header_.stream_bytes) {
    return Status::DataLoss(
        "the snapshot is truncated: " + std::to_string(received_) + " bytes of " +
        (header_parsed_ ? std::to_string(header_.stream_bytes)
                        : std::string("at least ") + std::to_string(store::kSnapshotHeaderBytes)));
  }
  if (std::string_view(tail_).substr(0, store::kSnapshotTrailerMagic.size()) !=
      store::kSnapshotTrailerMagic) {
    return Status::DataLoss("the snapshot's trailer is damaged (no SHKVEND! marker)");
  }
  const Poco::DigestEngine::Digest& digest = sha_.digest();
  if (digest.size() != 32 ||
      std::memcmp(digest.data(), tail_.data() + store::kSnapshotTrailerMagic.size(), 32) != 0) {
    return Status::DataLoss(
        "the snapshot's SHA-256 checksum does not match its contents: the data is corrupt");
  }
  return header_;
}

}  // namespace shadekv::restore
