// PATH.part -> fsync -> rename -> fsync(dir) (see the header).
#include "agent/ctl/snapshot_file_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace shadekv::ctl {

SnapshotFileWriter::SnapshotFileWriter(std::string final_path)
    : final_path_(std::move(final_path)), part_path_(final_path_ + ".part") {}

SnapshotFileWriter::~SnapshotFileWriter() {
  if (!committed_) Abandon();
}

Status SnapshotFileWriter::Errno(const std::string& what, int error) {
  const Status status = Status::Unavailable(what + ": " + std::strerror(error));
  Abandon();
  return status;
}

Status SnapshotFileWriter::Open() {
  fd_ = ::open(part_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    const int error = errno;
    fd_ = -1;
    return Status::Unavailable("could not open " + part_path_ + " (" + std::strerror(error) + ")");
  }
  created_ = true;
  return Status::Ok();
}

Status SnapshotFileWriter::Write(std::string_view bytes) {
  if (fd_ < 0) return Status::FailedPrecondition(part_path_ + " is not open");
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("could not write " + part_path_, n < 0 ? errno : ENOSPC);
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SnapshotFileWriter::Commit() {
  if (fd_ < 0) return Status::FailedPrecondition(part_path_ + " is not open");
  if (::fsync(fd_) != 0) return Errno("could not sync " + part_path_, errno);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Errno("could not close " + part_path_, errno);
  if (std::rename(part_path_.c_str(), final_path_.c_str()) != 0) {
    return Errno("could not rename " + part_path_ + " to " + final_path_, errno);
  }
  committed_ = true;
  // The rename is durable only once the directory is synced.
  std::filesystem::path dir = std::filesystem::path(final_path_).parent_path();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

void SnapshotFileWriter::Abandon() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (created_ && !committed_) ::unlink(part_path_.c_str());
  created_ = false;
}

}  // namespace shadekv::ctl
