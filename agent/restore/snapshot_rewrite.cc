// Streaming rewrite of a kv snapshot file: verify while reading, filter and
// re-emit records, then write the header and trailer the output needs.
#include "agent/restore/snapshot_rewrite.h"

#include <Poco/SHA2Engine.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

namespace shadekv::restore {
namespace {

uint64_t ReadBe64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint32_t ReadBe32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
void PutBe64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutBe32(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string EncodeHeader(const store::SnapshotHeader& h) {
  std::string out(store::kSnapshotMagic);
  PutBe32(&out, h.format_version);
  PutBe64(&out, h.revision);
  PutBe64(&out, h.compact_revision);
  PutBe64(&out, h.applied_index);
  PutBe64(&out, h.record_count);
  PutBe64(&out, h.stream_bytes);
  return out;
}

// Reads the input file, hashing what it hands out (until told to stop, for
// the trailer) and telling a short read apart as truncation.
class Reader {
 public:
  explicit Reader(std::ifstream* in, uint64_t total, const store::SnapshotProgress& progress)
      : in_(in), total_(total), progress_(progress) {}

  Result<std::string_view> Read(size_t n, const std::string& what) {
    buffer_.resize(n);
    in_->read(buffer_.data(), static_cast<std::streamsize>(n));
    const size_t got = static_cast<size_t>(in_->gcount());
    if (got != n) {
      return Status::DataLoss("snapshot file is truncated: it ends at byte " +
                              std::to_string(offset_ + got) + " while reading " + what);
    }
    offset_ += n;
    if (hashing_) sha_.update(buffer_.data(), static_cast<unsigned>(n));
    if (progress_ && offset_ - reported_ >= (1u << 20)) {
      reported_ = offset_;
      progress_(offset_, total_);
    }
    return std::string_view(buffer_);
  }
  bool AtEnd() { return in_->peek() == std::char_traits<char>::eof(); }
  std::string Digest() {
    const Poco::DigestEngine::Digest& d = sha_.digest();
    return std::string(d.begin(), d.end());
  }
  void StopHashing() { hashing_ = false; }
  uint64_t offset() const { return offset_; }

 private:
  std::ifstream* in_;
  uint64_t total_;
  store::SnapshotProgress progress_;
  std::string buffer_;
  uint64_t offset_ = 0;
  uint64_t reported_ = 0;
  bool hashing_ = true;
  Poco::SHA2Engine sha_{Poco::SHA2Engine::SHA_256};
};

Result<store::SnapshotHeader> ParseHeader(Reader* in) {
  SHADEKV_ASSIGN_OR_RETURN(std::string_view raw,
                           in->Read(store::kSnapshotHeaderBytes, "the header"));
  if (raw.substr(0, 8) != store::kSnapshotMagic) {
    return Status::InvalidArgument(
        "not a shadekv store snapshot (no SHKVSNAP header): is this an etcd snapshot or another "
        "file?");
  }
  store::SnapshotHeader h;
  h.format_version = ReadBe32(raw.data() + 8);
  h.revision = ReadBe64(raw.data() + 12);
  h.compact_revision = ReadBe64(raw.data() + 20);
  h.applied_index = ReadBe64(raw.data() + 28);
  h.record_count = ReadBe64(raw.data() + 36);
  h.stream_bytes = ReadBe64(raw.data() + 44);
  if (h.format_version < store::kSnapshotOldestFormatVersion ||
      h.format_version > store::kSnapshotFormatVersion) {
    return Status::InvalidArgument("snapshot format version " + std::to_string(h.format_version) +
                                   " is not supported (this build reads 1 to " +
                                   std::to_string(store::kSnapshotFormatVersion) + ")");
  }
  if (h.revision == 0 || h.compact_revision > h.revision ||
      h.revision > static_cast<uint64_t>(INT64_MAX / 2)) {
    return Status::DataLoss("snapshot header is corrupt: revision " + std::to_string(h.revision) +
                            ", compaction revision " + std::to_string(h.compact_revision));
  }
  return h;
}

Result<std::string_view> ReadField(Reader* in, uint64_t record, const char* what,
                                   std::string* keep) {
  SHADEKV_ASSIGN_OR_RETURN(std::string_view len_raw, in->Read(4, std::string(what) + " length"));
  const uint32_t len = ReadBe32(len_raw.data());
  if (len > store::kSnapshotMaxFieldBytes) {
    return Status::DataLoss("snapshot record " + std::to_string(record) + " announces a " +
                            std::to_string(len) + "-byte " + what + ": the file is corrupt");
  }
  SHADEKV_ASSIGN_OR_RETURN(std::string_view bytes, in->Read(len, what));
  keep->assign(bytes);
  return std::string_view(*keep);
}

void AppendField(std::string* out, std::string_view bytes) {
  PutBe32(out, static_cast<uint32_t>(bytes.size()));
  out->append(bytes);
}

bool HasPrefix(std::string_view s, const std::vector<std::string>& prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return s.substr(0, p.size()) == p; });
}

Status WriteOut(std::ofstream& out, const std::string& bytes, const std::string& path) {
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status::Unavailable("cannot write " + path + ": check disk space");
  return Status::Ok();
}

Result<SnapshotRewriteSummary> Rewrite(const std::string& in_path, const std::string& out_path,
                                       const SnapshotRewriteOptions& options,
                                       const store::SnapshotProgress& progress) {
  if (options.bump_revision < 0) {
    return Status::InvalidArgument("--bump-revision must not be negative");
  }
  if (options.cut_revision.has_value() && !options.keyspace_hash.has_value()) {
    return Status::InvalidArgument("a cut revision needs the keyspace hash at that revision");
  }
  std::error_code ec;
  const uint64_t total = std::filesystem::file_size(in_path, ec);
  if (ec) return Status::NotFound("cannot read snapshot " + in_path + ": " + ec.message());
  std::ifstream in(in_path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open snapshot " + in_path);
  Reader reader(&in, total, progress);
  SHADEKV_ASSIGN_OR_RETURN(store::SnapshotHeader header, ParseHeader(&reader));

  SnapshotRewriteSummary summary;
  summary.input_revision = static_cast<int64_t>(header.revision);
  summary.input_compact_revision = static_cast<int64_t>(header.compact_revision);
  summary.input_applied_index = header.applied_index;
  int64_t cut = summary.input_revision;
  if (options.cut_revision.has_value()) {
    cut = *options.cut_revision;
    if (cut > summary.input_revision) {
      return Status::OutOfRange("revision " + std::to_string(cut) +
                                " is in the future: the snapshot holds revisions up to " +
                                std::to_string(summary.input_revision));
    }
    if (cut < 1 || cut < summary.input_compact_revision) {
      return Status::FailedPrecondition(
          "revision " + std::to_string(cut) + " has been compacted (history starts at " +
          std::to_string(summary.input_compact_revision) + "): its state is no longer known");
    }
  }

  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::Unavailable("cannot create " + out_path);
  store::SnapshotHeader out_header;
  out_header.format_version = store::kSnapshotFormatVersion;
  out_header.revision = static_cast<uint64_t>(cut + options.bump_revision);
  out_header.compact_revision =
      options.mark_compacted
          ? out_header.revision
          : std::min<uint64_t>(header.compact_revision, static_cast<uint64_t>(cut));
  out_header.applied_index = header.applied_index;
  // Rewritten with the real counts once every record is out.
  SHADEKV_RETURN_IF_ERROR(WriteOut(out, EncodeHeader(out_header), out_path));

  std::string key;
  std::string value;
  std::string chunk;
  uint64_t records = 0;
  for (uint64_t i = 0; i < header.record_count; ++i) {
    SHADEKV_ASSIGN_OR_RETURN(std::string_view type_raw, reader.Read(1, "a record type"));
    const char type = type_raw[0];
    if (type == store::kSnapshotVersionRecord) {
      SHADEKV_ASSIGN_OR_RETURN(std::string_view revs, reader.Read(16, "a record revision"));
      const uint64_t main = ReadBe64(revs.data());
      const uint64_t sub = ReadBe64(revs.data() + 8);
      SHADEKV_RETURN_IF_ERROR(ReadField(&reader, i, "key", &key).status());
      SHADEKV_RETURN_IF_ERROR(ReadField(&reader, i, "value", &value).status());
      if (main == 0 || main > header.revision) {
        return Status::DataLoss("snapshot record " + std::to_string(i) + " has revision " +
                                std::to_string(main) + " outside the snapshot's revision " +
                                std::to_string(header.revision));
      }
      if (main > static_cast<uint64_t>(cut)) {
        ++summary.versions_dropped;
        continue;
      }
      chunk.push_back(store::kSnapshotVersionRecord);
      PutBe64(&chunk, main);
      PutBe64(&chunk, sub);
      AppendField(&chunk, key);
      AppendField(&chunk, value);
      ++summary.versions;
    } else if (type == store::kSnapshotMetaRecord) {
      SHADEKV_RETURN_IF_ERROR(ReadField(&reader, i, "meta key", &key).status());
      SHADEKV_RETURN_IF_ERROR(ReadField(&reader, i, "meta value", &value).status());
      if (HasPrefix(key, options.drop_meta_prefixes)) {
        ++summary.meta_dropped;
        continue;
      }
      chunk.push_back(store::kSnapshotMetaRecord);
      AppendField(&chunk, key);
      AppendField(&chunk, value);
    } else if (type == store::kSnapshotAnnotationRecord && header.format_version >= 2) {
      SHADEKV_ASSIGN_OR_RETURN(std::string_view rev_raw, reader.Read(8, "an annotation revision"));
      const uint64_t revision = ReadBe64(rev_raw.data());
      SHADEKV_RETURN_IF_ERROR(ReadField(&reader, i, "annotation", &value).status());
      if (revision == 0 || revision > header.revision) {
        return Status::DataLoss("snapshot record " + std::to_string(i) + " annotates revision " +
                                std::to_string(revision) + " outside the snapshot's revision");
      }
      std::optional<std::string> kept = value;
      if (revision > static_cast<uint64_t>(cut)) kept.reset();
      if (kept && options.annotation)
        kept = options.annotation(static_cast<int64_t>(revision), value);
      if (!kept) {
        ++summary.annotations_dropped;
        continue;
      }
      chunk.push_back(store::kSnapshotAnnotationRecord);
      PutBe64(&chunk, revision);
      AppendField(&chunk, *kept);
    } else {
      return Status::DataLoss("snapshot record " + std::to_string(i) + " has unknown type " +
                              std::to_string(static_cast<uint8_t>(type)) + ": the file is corrupt");
    }
    ++records;
    if (chunk.size() >= (1u << 20)) {
      SHADEKV_RETURN_IF_ERROR(WriteOut(out, chunk, out_path));
      chunk.clear();
    }
  }
  SHADEKV_RETURN_IF_ERROR(WriteOut(out, chunk, out_path));
  const std::string digest = reader.Digest();
  reader.StopHashing();
  SHADEKV_ASSIGN_OR_RETURN(std::string_view trailer_raw,
                           reader.Read(store::kSnapshotTrailerBytes, "the trailer"));
  const std::string trailer(trailer_raw);
  if (trailer.substr(0, 8) != store::kSnapshotTrailerMagic) {
    return Status::DataLoss("snapshot trailer is missing at byte " +
                            std::to_string(reader.offset() - store::kSnapshotTrailerBytes) +
                            ": the file is corrupt or truncated");
  }
  if (trailer.substr(8, 32) != digest) {
    return Status::DataLoss(
        "snapshot checksum mismatch: the SHA-256 of the file differs from its trailer (the file "
        "was damaged)");
  }
  if (!reader.AtEnd()) {
    return Status::DataLoss("snapshot file has bytes after its trailer: refusing it");
  }
  const uint32_t hash =
      options.keyspace_hash.has_value() ? *options.keyspace_hash : ReadBe32(trailer.data() + 40);

  out_header.record_count = records;
  out_header.stream_bytes = static_cast<uint64_t>(out.tellp()) + store::kSnapshotTrailerBytes;
  out.seekp(0);
  SHADEKV_RETURN_IF_ERROR(WriteOut(out, EncodeHeader(out_header), out_path));
  out.close();
  if (!out) return Status::Unavailable("cannot write " + out_path);

  // The trailer covers the final header, so hash the finished body again.
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  {
    std::ifstream body(out_path, std::ios::binary);
    std::string buf(1 << 16, '\0');
    while (body) {
      body.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      if (body.gcount() > 0) sha.update(buf.data(), static_cast<unsigned>(body.gcount()));
    }
  }
  const Poco::DigestEngine::Digest& d = sha.digest();
  std::string tail(store::kSnapshotTrailerMagic);
  tail.append(d.begin(), d.end());
  PutBe32(&tail, hash);
  std::ofstream append(out_path, std::ios::binary | std::ios::app);
  SHADEKV_RETURN_IF_ERROR(WriteOut(append, tail, out_path));
  append.close();
  if (!append) return Status::Unavailable("cannot write " + out_path);
  summary.revision = static_cast<int64_t>(out_header.revision);
  summary.compact_revision = static_cast<int64_t>(out_header.compact_revision);
  if (progress) progress(total, total);
  return summary;
}

}  // namespace

Result<SnapshotRewriteSummary> RewriteSnapshot(const std::string& in_path,
                                               const std::string& out_path,
                                               const SnapshotRewriteOptions& options,
                                               const store::SnapshotProgress& progress) {
  Result<SnapshotRewriteSummary> result = Rewrite(in_path, out_path, options, progress);
  if (!result.ok()) {
    std::error_code ec;
    std::filesystem::remove(out_path, ec);
  }
  return result;
}

Result<store::SnapshotHeader> ReadSnapshotHeader(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open snapshot " + path);
  Reader reader(&in, 0, {});
  return ParseHeader(&reader);
}

}  // namespace shadekv::restore
