// Snapshot restore: parses a stream (store/snapshot_format.h) into
// "<target>.restoring", verifies the SHA-256 trailer and the keyspace hash,
// and only then moves the new store into place.
#include <Poco/SHA2Engine.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "shadekv/store/mvcc_store.h"
#include "store/key_codec.h"
#include "store/kv_record.h"
#include "store/leveldb_util.h"
#include "store/snapshot_format.h"

namespace shadekv::store {
namespace {

uint32_t ReadBe32(const char* p) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(p[0])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(p[2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(p[3]));
}

// Pulls bytes from the source on demand, hashing what it hands out.
class StreamReader {
 public:
  StreamReader(const SnapshotSource& source, const SnapshotProgress& progress)
      : source_(source), progress_(progress) {}

  void set_total(uint64_t total) { total_ = total; }
  void set_hashing(bool on) { hashing_ = on; }
  uint64_t offset() const { return offset_; }

  // Exactly n bytes, or kDataLoss naming `what` and where the stream ended.
  Result<std::string_view> Read(size_t n, std::string_view what) {
    while (buffer_.size() - position_ < n) {
      SHADEKV_ASSIGN_OR_RETURN(bool more, Fill());
      if (!more) {
        return Status::DataLoss("snapshot stream is truncated: it ends at byte " +
                                std::to_string(offset_ + buffer_.size() - position_) +
                                " while reading " + std::string(what) + " at byte " +
                                std::to_string(offset_));
      }
    }
    std::string_view out(buffer_.data() + position_, n);
    position_ += n;
    offset_ += n;
    if (hashing_) sha_.update(out.data(), static_cast<unsigned>(out.size()));
    return out;
  }

  // True when the stream has no byte left.
  Result<bool> AtEnd() {
    if (position_ < buffer_.size()) return false;
    SHADEKV_ASSIGN_OR_RETURN(bool more, Fill());
    return !more;
  }

  std::string Digest() {
    const Poco::DigestEngine::Digest& digest = sha_.digest();
    return std::string(digest.begin(), digest.end());
  }

 private:
  // Appends the next chunk; false at end of stream.
  Result<bool> Fill() {
    if (position_ > 0) {
      buffer_.erase(0, position_);
      position_ = 0;
    }
    const size_t old_size = buffer_.size();
    buffer_.resize(old_size + kSnapshotChunkBytes);
    Result<size_t> got = source_(buffer_.data() + old_size, kSnapshotChunkBytes);
    if (!got.ok()) {
      buffer_.resize(old_size);
      return got.status().WithContext("reading snapshot stream at byte " + std::to_string(offset_));
    }
    const size_t n = std::min(*got, kSnapshotChunkBytes);
    buffer_.resize(old_size + n);
    received_ += n;
    if (progress_ && n > 0) progress_(received_, total_);
    return n > 0;
  }

  const SnapshotSource& source_;
  const SnapshotProgress& progress_;
  std::string buffer_;
  size_t position_ = 0;
  uint64_t offset_ = 0;    // stream bytes handed out
  uint64_t received_ = 0;  // stream bytes pulled from the source
  uint64_t total_ = 0;
  bool hashing_ = true;
  Poco::SHA2Engine sha_{Poco::SHA2Engine::SHA_256};
};

Result<SnapshotHeader> ReadHeader(StreamReader* in) {
  SHADEKV_ASSIGN_OR_RETURN(std::string_view magic, in->Read(kSnapshotMagic.size(), "the header"));
  if (magic != kSnapshotMagic) {
    return Status::InvalidArgument(
        "not a shadekv kv snapshot stream: it does not start with \"SHKVSNAP\"");
  }
  SHADEKV_ASSIGN_OR_RETURN(std::string_view rest,
                           in->Read(kSnapshotHeaderBytes - kSnapshotMagic.size(), "the header"));
  SnapshotHeader header;
  header.format_version = ReadBe32(rest.data());
  header.revision = ReadBe64(rest.data() + 4);
  header.compact_revision = ReadBe64(rest.data() + 12);
  header.applied_index = ReadBe64(rest.data() + 20);
  header.record_count = ReadBe64(rest.data() + 28);
  header.stream_bytes = ReadBe64(rest.data() + 36);
  if (header.format_version < kSnapshotOldestFormatVersion ||
      header.format_version > kSnapshotFormatVersion) {
    return Status::InvalidArgument(
        "kv snapshot format version " + std::to_string(header.format_version) +
        " is not supported (this build reads versions " +
        std::to_string(kSnapshotOldestFormatVersion) + " to " +
        std::to_string(kSnapshotFormatVersion) + "): upgrade this member first");
  }
  if (header.revision == 0 || header.revision > static_cast<uint64_t>(INT64_MAX) ||
      header.compact_revision > header.revision) {
    return Status::DataLoss("kv snapshot header is corrupt: revision " +
                            std::to_string(header.revision) + ", compaction revision " +
                            std::to_string(header.compact_revision));
  }
  return header;
}

Result<std::string_view> ReadField(StreamReader* in, uint64_t record, std::string_view what) {
  const std::string context = what == "key" ? "record key" : "record value";
  SHADEKV_ASSIGN_OR_RETURN(std::string_view length, in->Read(4, context + " length"));
  const uint32_t n = ReadBe32(length.data());
  if (n > kSnapshotMaxFieldBytes) {
    return Status::DataLoss("kv snapshot record " + std::to_string(record) + " at byte " +
                            std::to_string(in->offset()) + " announces a " + std::string(what) +
                            " of " + std::to_string(n) + " bytes: the stream is corrupt");
  }
  return in->Read(n, context);
}

Status Corrupt(uint64_t record, uint64_t offset, std::string_view why) {
  return Status::DataLoss("kv snapshot record " + std::to_string(record) + " (ending at byte " +
                          std::to_string(offset) + ") " + std::string(why) +
                          ": the stream is corrupt");
}

// Parses the whole stream into the empty database `db`.
Status Import(StreamReader* in, leveldb::DB* db, SnapshotHeader* header_out,
              uint32_t* keyspace_hash) {
  SHADEKV_ASSIGN_OR_RETURN(SnapshotHeader header, ReadHeader(in));
  in->set_total(header.stream_bytes);
  leveldb::WriteBatch batch;
  auto flush = [&]() -> Status {
    if (batch.ApproximateSize() == 0) return Status::Ok();
    SHADEKV_RETURN_IF_ERROR(
        FromLevelDb(db->Write(leveldb::WriteOptions(), &batch), "writing restored kv records"));
    batch.Clear();
    return Status::Ok();
  };
  for (uint64_t i = 0; i < header.record_count; ++i) {
    SHADEKV_ASSIGN_OR_RETURN(std::string_view type_view, in->Read(1, "a record type"));
    const char type = type_view[0];
    if (type == kSnapshotVersionRecord) {
      SHADEKV_ASSIGN_OR_RETURN(std::string_view revs, in->Read(16, "a record revision"));
      const Revision revision{ReadBe64(revs.data()), ReadBe64(revs.data() + 8)};
      SHADEKV_ASSIGN_OR_RETURN(std::string_view key_view, ReadField(in, i, "key"));
      const std::string key(key_view);
      SHADEKV_ASSIGN_OR_RETURN(std::string_view record, ReadField(in, i, "value"));
      if (key.empty()) return Corrupt(i, in->offset(), "has an empty key");
      if (revision.main == 0 || revision.main > header.revision) {
        return Corrupt(i, in->offset(),
                       "has revision " + std::to_string(revision.main) +
                           " outside the snapshot's revision " + std::to_string(header.revision));
      }
      if (!IsValidRecord(record)) return Corrupt(i, in->offset(), "holds a malformed kv record");
      batch.Put(EncodeVersionKey(key, revision), leveldb::Slice(record.data(), record.size()));
      batch.Put(EncodeHistoryKey(revision), key);
    } else if (type == kSnapshotMetaRecord) {
      SHADEKV_ASSIGN_OR_RETURN(std::string_view key_view, ReadField(in, i, "key"));
      const std::string key = EncodeMetaKey(key_view);
      SHADEKV_ASSIGN_OR_RETURN(std::string_view value, ReadField(in, i, "value"));
      batch.Put(key, leveldb::Slice(value.data(), value.size()));
    } else if (type == kSnapshotAnnotationRecord && header.format_version >= 2) {
      SHADEKV_ASSIGN_OR_RETURN(std::string_view rev, in->Read(8, "an annotation revision"));
      const uint64_t revision = ReadBe64(rev.data());
      SHADEKV_ASSIGN_OR_RETURN(std::string_view value, ReadField(in, i, "value"));
      if (revision == 0 || revision > header.revision) {
        return Corrupt(i, in->offset(),
                       "annotates revision " + std::to_string(revision) +
                           " outside the snapshot's revision " + std::to_string(header.revision));
      }
      batch.Put(EncodeAnnotationKey(revision), leveldb::Slice(value.data(), value.size()));
    } else {
      return Corrupt(i, in->offset(),
                     "has unknown type " + std::to_string(static_cast<uint8_t>(type)));
    }
    if (batch.ApproximateSize() >= (4u << 20)) SHADEKV_RETURN_IF_ERROR(flush());
  }
  const std::string digest = in->Digest();
  in->set_hashing(false);
  SHADEKV_ASSIGN_OR_RETURN(std::string_view trailer_view,
                           in->Read(kSnapshotTrailerBytes, "the trailer"));
  const std::string trailer(trailer_view);  // the view dies with the next read
  if (std::string_view(trailer).substr(0, 8) != kSnapshotTrailerMagic) {
    return Status::DataLoss("kv snapshot trailer at byte " +
                            std::to_string(in->offset() - kSnapshotTrailerBytes) +
                            " is missing: the record count or a record is corrupt");
  }
  if (trailer.substr(8, 32) != digest) {
    return Status::DataLoss(
        "kv snapshot checksum mismatch: the SHA-256 of the stream differs from its trailer "
        "(the stream was damaged in transit or on disk)");
  }
  SHADEKV_ASSIGN_OR_RETURN(bool at_end, in->AtEnd());
  if (!at_end) {
    return Status::DataLoss("kv snapshot stream has bytes after its trailer (byte " +
                            std::to_string(in->offset()) + "): refusing it");
  }
  *keyspace_hash = ReadBe32(trailer.data() + 40);
  batch.Put(std::string(kStateRevision), EncodeBe64(header.revision));
  batch.Put(std::string(kStateCompact), EncodeBe64(header.compact_revision));
  batch.Put(std::string(kStateApplied), EncodeBe64(header.applied_index));
  SHADEKV_RETURN_IF_ERROR(flush());
  *header_out = header;
  return Status::Ok();
}

Status RestoreInto(const std::string& dir, const SnapshotSource& source,
                   const SnapshotProgress& progress) {
  SnapshotHeader header;
  uint32_t keyspace_hash = 0;
  {
    SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<leveldb::DB> db,
                             OpenLevelDb(dir, kKvFormat, OpenOptions{}));
    StreamReader in(source, progress);
    SHADEKV_RETURN_IF_ERROR(Import(&in, db.get(), &header, &keyspace_hash));
    leveldb::WriteOptions sync;
    sync.sync = true;
    leveldb::WriteBatch empty;
    SHADEKV_RETURN_IF_ERROR(FromLevelDb(db->Write(sync, &empty), "syncing restored kv store"));
  }
  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<MvccStore> store, MvccStore::Open(dir));
  SHADEKV_ASSIGN_OR_RETURN(HashResult hash, store->HashKv(static_cast<int64_t>(header.revision)));
  if (hash.hash != keyspace_hash) {
    return Status::DataLoss("restored kv keyspace hash " + std::to_string(hash.hash) +
                            " differs from the snapshot's " + std::to_string(keyspace_hash) +
                            " at revision " + std::to_string(header.revision) +
                            ": the snapshot is inconsistent");
  }
  return Status::Ok();
}

}  // namespace

Status MvccStore::RestoreFromSnapshot(const std::string& target_dir, const SnapshotSource& source,
                                      const SnapshotProgress& progress) {
  namespace fs = std::filesystem;
  const std::string temp = target_dir + ".restoring";
  const std::string replaced = target_dir + ".replaced";
  std::error_code ec;
  fs::remove_all(temp, ec);
  if (ec) {
    return Status::Unavailable("cannot remove leftover " + temp + ": " + ec.message());
  }
  Status restored = RestoreInto(temp, source, progress);
  if (!restored.ok()) {
    fs::remove_all(temp, ec);
    return restored.WithContext("restoring kv snapshot into " + target_dir);
  }
  fs::remove_all(replaced, ec);
  const bool had_target = fs::exists(target_dir, ec);
  if (had_target) {
    fs::rename(target_dir, replaced, ec);
    if (ec) {
      fs::remove_all(temp, ec);
      return Status::Unavailable("cannot move " + target_dir + " aside: " + ec.message());
    }
  }
  fs::rename(temp, target_dir, ec);
  if (ec) {
    const std::string why = ec.message();
    if (had_target) fs::rename(replaced, target_dir, ec);
    fs::remove_all(temp, ec);
    return Status::Unavailable("cannot move the restored kv store to " + target_dir + ": " + why);
  }
  fs::remove_all(replaced, ec);
  return Status::Ok();
}

}  // namespace shadekv::store
