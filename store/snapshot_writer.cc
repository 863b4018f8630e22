// Snapshot export: two passes over one LevelDB snapshot (sizes, then bytes),
// streamed to the sink in bounded chunks (format in store/snapshot_format.h).
#include <Poco/SHA2Engine.h>
#include <leveldb/db.h>

#include <memory>

#include "shadekv/store/mvcc_store.h"
#include "store/key_codec.h"
#include "store/kv_hash.h"
#include "store/leveldb_util.h"
#include "store/mvcc_state.h"
#include "store/snapshot_format.h"

namespace shadekv::store {
namespace {

void AppendBe32(std::string* out, uint32_t value) {
  const char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                         static_cast<char>(value >> 8), static_cast<char>(value)};
  out->append(bytes, 4);
}

std::string_view AsView(const leveldb::Slice& s) { return {s.data(), s.size()}; }

// Visits every snapshot record (encoded) in stream order.
template <typename Visit>
Status ForEachRecord(leveldb::DB* db, const leveldb::Snapshot* snapshot, Visit&& visit) {
  leveldb::ReadOptions options;
  options.snapshot = snapshot;
  options.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(options));
  std::string record;
  std::string user_key;
  Revision revision;
  for (it->Seek(std::string(1, kVersionPrefix)); it->Valid(); it->Next()) {
    const std::string_view key = AsView(it->key());
    if (key.empty() || key[0] != kVersionPrefix) break;
    if (!DecodeVersionKey(key, &user_key, &revision)) {
      return Status::DataLoss("kv store holds a malformed version key: cannot export it");
    }
    record.clear();
    record.push_back(kSnapshotVersionRecord);
    AppendBe64(&record, revision.main);
    AppendBe64(&record, revision.sub);
    AppendBe32(&record, static_cast<uint32_t>(user_key.size()));
    record.append(user_key);
    AppendBe32(&record, static_cast<uint32_t>(it->value().size()));
    record.append(it->value().data(), it->value().size());
    SHADEKV_RETURN_IF_ERROR(visit(record));
  }
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(it->status(), "reading kv versions for a snapshot"));
  for (it->Seek(std::string(1, kMetaPrefix)); it->Valid(); it->Next()) {
    const std::string_view key = AsView(it->key());
    if (key.empty() || key[0] != kMetaPrefix) break;
    record.clear();
    record.push_back(kSnapshotMetaRecord);
    AppendBe32(&record, static_cast<uint32_t>(key.size() - 1));
    record.append(key.substr(1));
    AppendBe32(&record, static_cast<uint32_t>(it->value().size()));
    record.append(it->value().data(), it->value().size());
    SHADEKV_RETURN_IF_ERROR(visit(record));
  }
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(it->status(), "reading kv meta for a snapshot"));
  uint64_t annotated = 0;
  for (it->Seek(std::string(1, kAnnotationPrefix)); it->Valid(); it->Next()) {
    const std::string_view key = AsView(it->key());
    if (key.empty() || key[0] != kAnnotationPrefix) break;
    if (!DecodeAnnotationKey(key, &annotated)) {
      return Status::DataLoss("kv store holds a malformed annotation key: cannot export it");
    }
    record.clear();
    record.push_back(kSnapshotAnnotationRecord);
    AppendBe64(&record, annotated);
    AppendBe32(&record, static_cast<uint32_t>(it->value().size()));
    record.append(it->value().data(), it->value().size());
    SHADEKV_RETURN_IF_ERROR(visit(record));
  }
  return FromLevelDb(it->status(), "reading kv annotations for a snapshot");
}

// Buffers output into chunks of kSnapshotChunkBytes and hashes it.
class ChunkedOutput {
 public:
  ChunkedOutput(const SnapshotSink& sink, const SnapshotProgress& progress, uint64_t total)
      : sink_(sink), progress_(progress), total_(total) {
    buffer_.reserve(kSnapshotChunkBytes);
  }

  Status Write(std::string_view bytes, bool hashed = true) {
    if (hashed) sha_.update(bytes.data(), static_cast<unsigned>(bytes.size()));
    while (!bytes.empty()) {
      const size_t n = std::min(bytes.size(), kSnapshotChunkBytes - buffer_.size());
      buffer_.append(bytes.data(), n);
      bytes.remove_prefix(n);
      if (buffer_.size() == kSnapshotChunkBytes) SHADEKV_RETURN_IF_ERROR(Flush());
    }
    return Status::Ok();
  }

  Status Flush() {
    if (buffer_.empty()) return Status::Ok();
    SHADEKV_RETURN_IF_ERROR(sink_(buffer_).WithContext("snapshot sink"));
    done_ += buffer_.size();
    buffer_.clear();
    if (progress_) progress_(done_, total_);
    return Status::Ok();
  }

  std::string Digest() {
    const Poco::DigestEngine::Digest& digest = sha_.digest();
    return std::string(digest.begin(), digest.end());
  }

 private:
  const SnapshotSink& sink_;
  const SnapshotProgress& progress_;
  const uint64_t total_;
  uint64_t done_ = 0;
  std::string buffer_;
  Poco::SHA2Engine sha_{Poco::SHA2Engine::SHA_256};
};

}  // namespace

Status MvccStore::ExportSnapshot(const SnapshotSink& sink, const SnapshotProgress& progress,
                                 int64_t* revision) const {
  const View view = AcquireView();
  // The state comes from the snapshot itself: the in-memory values may lag a
  // batch that the snapshot already holds.
  SnapshotHeader header;
  SHADEKV_ASSIGN_OR_RETURN(header.revision,
                           ReadState(db_.get(), view.snapshot.get(), kStateRevision, 1));
  SHADEKV_ASSIGN_OR_RETURN(header.compact_revision,
                           ReadState(db_.get(), view.snapshot.get(), kStateCompact, 0));
  SHADEKV_ASSIGN_OR_RETURN(header.applied_index,
                           ReadState(db_.get(), view.snapshot.get(), kStateApplied, 0));
  uint64_t record_bytes = 0;
  SHADEKV_RETURN_IF_ERROR(
      ForEachRecord(db_.get(), view.snapshot.get(), [&](const std::string& record) {
        ++header.record_count;
        record_bytes += record.size();
        return Status::Ok();
      }));
  header.stream_bytes = kSnapshotHeaderBytes + record_bytes + kSnapshotTrailerBytes;

  MvccReader reader(db_.get(), view.snapshot.get());
  SHADEKV_ASSIGN_OR_RETURN(uint32_t keyspace_hash, HashLiveKeyspace(reader, header.revision));

  if (revision != nullptr) *revision = static_cast<int64_t>(header.revision);
  ChunkedOutput out(sink, progress, header.stream_bytes);
  std::string head(kSnapshotMagic);
  AppendBe32(&head, header.format_version);
  AppendBe64(&head, header.revision);
  AppendBe64(&head, header.compact_revision);
  AppendBe64(&head, header.applied_index);
  AppendBe64(&head, header.record_count);
  AppendBe64(&head, header.stream_bytes);
  SHADEKV_RETURN_IF_ERROR(out.Write(head));
  uint64_t written = 0;
  SHADEKV_RETURN_IF_ERROR(
      ForEachRecord(db_.get(), view.snapshot.get(), [&](const std::string& record) {
        ++written;
        return out.Write(record);
      }));
  if (written != header.record_count) {
    return Status::Internal("snapshot export saw " + std::to_string(written) +
                            " records in its second pass, " + std::to_string(header.record_count) +
                            " in the first");
  }
  std::string trailer(kSnapshotTrailerMagic);
  trailer += out.Digest();
  AppendBe32(&trailer, keyspace_hash);
  SHADEKV_RETURN_IF_ERROR(out.Write(trailer, /*hashed=*/false));
  return out.Flush();
}

}  // namespace shadekv::store
