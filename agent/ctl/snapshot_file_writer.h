// Writes a file the safe way for `snapshot save`: into PATH.part, then fsync,
// rename to PATH and fsync the directory, so PATH either does not change or
// holds the whole, synced file. Every failure names the file and the system's
// error (ENOSPC, EFBIG, EIO...) and removes PATH.part.
#pragma once

#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::ctl {

class SnapshotFileWriter {
 public:
  explicit SnapshotFileWriter(std::string final_path);
  ~SnapshotFileWriter();  // removes PATH.part unless committed
  SnapshotFileWriter(const SnapshotFileWriter&) = delete;
  SnapshotFileWriter& operator=(const SnapshotFileWriter&) = delete;

  // Creates (truncates) PATH.part, mode 0600 like etcdctl's.
  Status Open();
  Status Write(std::string_view bytes);
  // fsync, close, rename to PATH, fsync the directory.
  Status Commit();
  // Closes and removes PATH.part (idempotent).
  void Abandon();

  const std::string& part_path() const { return part_path_; }

 private:
  Status Errno(const std::string& what, int error);

  std::string final_path_;
  std::string part_path_;
  int fd_ = -1;
  bool created_ = false;  // PATH.part is ours to remove
  bool committed_ = false;
};

}  // namespace shadekv::ctl
