// Full verification of a snapshot file by restoring it into scratch space.
#include "agent/restore/snapshot_inspect.h"

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "agent/restore/snapshot_stream_check.h"

namespace shadekv::restore {
namespace {

namespace fs = std::filesystem;

std::string Hex(std::string_view bytes) {
  std::string out;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof(buf), "%02x", c);
    out += buf;
  }
  return out;
}

// A fresh private directory under the system temp dir, removed with all its
// contents when this goes out of scope.
class ScratchDir {
 public:
  static Result<ScratchDir> Make() {
    std::error_code ec;
    fs::path base = fs::temp_directory_path(ec);
    if (ec)
      return Status::Unavailable("no temp directory for checking the snapshot: " + ec.message());
    std::string tmpl = (base / "shadekv-snapshot-check-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Status::Unavailable("cannot create a scratch directory under " + base.string() +
                                 " (set TMPDIR to a writable place with room for the snapshot)");
    }
    return ScratchDir(tmpl);
  }
  ScratchDir(ScratchDir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  ScratchDir(const ScratchDir&) = delete;
  ~ScratchDir() {
    if (path_.empty()) return;
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace

Result<SnapshotFileStatus> InspectSnapshotFile(const std::string& path,
                                               const store::SnapshotProgress& progress) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Status::NotFound("snapshot file " + path + " does not exist");
  if (!fs::is_regular_file(st)) {
    return Status::InvalidArgument(path + " is not a regular file (a snapshot is one file)");
  }
  SnapshotFileStatus status;
  status.total_size = fs::file_size(path, ec);
  if (ec) return Status::Unavailable("cannot read " + path + ": " + ec.message());
  if (status.total_size == 0) {
    return Status::DataLoss("snapshot file " + path + " is empty (0 bytes)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Unavailable("cannot open snapshot file " + path);

  SHADEKV_ASSIGN_OR_RETURN(ScratchDir scratch, ScratchDir::Make());
  const std::string kv_dir = scratch.path() + "/kv";
  // One read feeds both: the stream check names a short or altered file
  // plainly; the restore rebuilds the keyspace and checks its hash.
  SnapshotStreamCheck check;
  Status check_status = Status::Ok();
  Status restored = store::MvccStore::RestoreFromSnapshot(
      kv_dir,
      [&](char* buffer, size_t capacity) -> Result<size_t> {
        in.read(buffer, static_cast<std::streamsize>(capacity));
        const size_t got = static_cast<size_t>(in.gcount());
        if (got == 0 && in.bad()) return Status::Unavailable("cannot read " + path);
        if (check_status.ok()) check_status = check.Add(std::string_view(buffer, got));
        return got;
      },
      progress);
  if (!check_status.ok()) return check_status.WithContext(path);
  if (!restored.ok()) {
    // The restore may stop reading early; finish the check for a clearer
    // cause when the file itself is short or altered.
    std::string rest(64 << 10, '\0');
    while (check_status.ok() && in) {
      in.read(rest.data(), static_cast<std::streamsize>(rest.size()));
      check_status = check.Add(std::string_view(rest.data(), static_cast<size_t>(in.gcount())));
    }
    if (!check_status.ok()) return check_status.WithContext(path);
    Result<store::SnapshotHeader> whole = check.Finish();
    if (!whole.ok()) return whole.status().WithContext(path);
    return restored.WithContext(path);
  }
  SHADEKV_ASSIGN_OR_RETURN(store::SnapshotHeader header, check.Finish());
  status.records = header.record_count;

  SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<store::MvccStore> kv, store::MvccStore::Open(kv_dir));
  SHADEKV_ASSIGN_OR_RETURN(store::HashResult hash, kv->HashKv(0));
  status.hash = hash.hash;
  status.revision = hash.revision;
  status.compact_revision = kv->CompactRevision();
  store::RangeRequest all;
  all.key = std::string(1, '\0');
  all.range_end = std::string(1, '\0');
  all.count_only = true;
  SHADEKV_ASSIGN_OR_RETURN(store::RangeResponse counted, kv->Range(all));
  status.total_keys = static_cast<uint64_t>(counted.count);
  kv.reset();

  std::ifstream again(path, std::ios::binary);
  again.seekg(static_cast<std::streamoff>(status.total_size - store::kSnapshotTrailerBytes +
                                          store::kSnapshotTrailerMagic.size()));
  std::string digest(32, '\0');
  again.read(digest.data(), 32);
  status.sha256 = Hex(digest);
  return status;
}

}  // namespace shadekv::restore
