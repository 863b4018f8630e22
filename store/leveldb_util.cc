// LevelDB error mapping and format-checked opening shared by the kv store and
// the Raft log store.
#include "store/leveldb_util.h"

#include <leveldb/options.h>
#include <leveldb/write_batch.h>

#include <filesystem>
#include <system_error>

namespace shadekv::store {
namespace {

// LevelDB has no error-code accessor; its ToString starts with the kind.
bool IsLockError(const leveldb::Status& status) {
  return status.ToString().find("lock") != std::string::npos;
}

}  // namespace

Status FromLevelDb(const leveldb::Status& status, std::string_view what) {
  if (status.ok()) return Status::Ok();
  std::string message(what);
  message += ": ";
  message += status.ToString();
  if (status.IsCorruption()) {
    return Status::DataLoss(message +
                            " (the data files are damaged: restore this member from a snapshot "
                            "or remove it and re-add it to the cluster)");
  }
  if (status.IsNotFound()) return Status::NotFound(message);
  if (status.IsInvalidArgument()) return Status::InvalidArgument(message);
  if (status.IsIOError() && IsLockError(status)) {
    return Status::Unavailable(message +
                               " (another process holds this data directory; stop it or use "
                               "another --data-dir)");
  }
  return Status::Unavailable(message);
}

Result<std::unique_ptr<leveldb::DB>> OpenLevelDb(const std::string& path, std::string_view format,
                                                 const OpenOptions& options) {
  // LevelDB creates the directory (and a LOCK file) even when it then refuses
  // because create_if_missing is false; look first so a refusal touches nothing.
  if (!options.create_if_missing) {
    std::error_code ignored;
    if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ignored)) {
      return Status::FailedPrecondition("no shadekv database at " + path +
                                        " (no LevelDB CURRENT file): check --data-dir");
    }
  }
  leveldb::Options db_options;
  db_options.create_if_missing = options.create_if_missing;
  db_options.paranoid_checks = true;
  db_options.write_buffer_size = options.write_buffer_bytes;
  leveldb::DB* raw = nullptr;
  leveldb::Status opened = leveldb::DB::Open(db_options, path, &raw);
  if (!opened.ok()) {
    if (opened.IsInvalidArgument() && !options.create_if_missing) {
      return Status::FailedPrecondition("no shadekv database at " + path + ": " +
                                        opened.ToString());
    }
    return FromLevelDb(opened, "opening LevelDB database " + path);
  }
  std::unique_ptr<leveldb::DB> db(raw);

  std::string found;
  leveldb::Status marker = db->Get(leveldb::ReadOptions(), std::string(kFormatMarkerKey), &found);
  if (marker.ok()) {
    if (found != format) {
      return Status::FailedPrecondition("database " + path + " holds format '" + found +
                                        "', expected '" + std::string(format) +
                                        "': point this at the right directory");
    }
    return db;
  }
  if (!marker.IsNotFound()) return FromLevelDb(marker, "reading format marker of " + path);

  // No marker: only an empty database may become ours.
  std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
  it->SeekToFirst();
  if (it->Valid()) {
    return Status::FailedPrecondition(
        "directory " + path + " holds a LevelDB database that is not a shadekv '" +
        std::string(format) + "' store (no format marker): refusing to touch it");
  }
  SHADEKV_RETURN_IF_ERROR(FromLevelDb(it->status(), "scanning " + path));
  it.reset();
  leveldb::WriteOptions sync;
  sync.sync = true;
  SHADEKV_RETURN_IF_ERROR(
      FromLevelDb(db->Put(sync, std::string(kFormatMarkerKey), std::string(format)),
                  "writing format marker to " + path));
  return db;
}

}  // namespace shadekv::store
