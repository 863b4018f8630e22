// Reading and atomically replacing the mirror's CURRENT file.
#include "mirror/current_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shadekv::mirror {
namespace {

constexpr char kCurrent[] = "CURRENT";
constexpr char kPrefix[] = "store-";

Status ErrnoStatus(const std::string& what) {
  return Status::Unavailable(what + ": " + std::strerror(errno));
}

// fsync of a file or directory by path.
Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return ErrnoStatus("opening " + path + " to sync it");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return ErrnoStatus("syncing " + path);
  return Status::Ok();
}

}  // namespace

std::string GenerationDir(const std::string& dir, uint64_t generation) {
  return dir + "/" + kPrefix + std::to_string(generation);
}

Result<std::optional<uint64_t>> ReadCurrent(const std::string& dir) {
  const std::string path = dir + "/" + kCurrent;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (::access(path.c_str(), F_OK) != 0 && errno == ENOENT) return std::optional<uint64_t>();
    return ErrnoStatus("reading " + path);
  }
  std::ostringstream content;
  content << in.rdbuf();
  const std::string text = content.str();
  const std::string prefix = kPrefix;
  const auto bad = [&] {
    return Status::DataLoss(path + " does not name a store generation (\"store-N\\n\"); it holds " +
                            std::to_string(text.size()) + " bytes");
  };
  if (text.size() <= prefix.size() + 1 || text.size() > prefix.size() + 21 ||
      !text.starts_with(prefix) || text.back() != '\n') {
    return bad();
  }
  uint64_t generation = 0;
  for (size_t i = prefix.size(); i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return bad();
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (generation > (UINT64_MAX - digit) / 10) return bad();
    generation = generation * 10 + digit;
  }
  return std::optional<uint64_t>(generation);
}

Status WriteCurrent(const std::string& dir, uint64_t generation) {
  const std::string path = dir + "/" + kCurrent;
  const std::string temp = path + ".tmp";
  const std::string text = std::string(kPrefix) + std::to_string(generation) + "\n";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("creating " + temp);
  const ssize_t written = ::write(fd, text.data(), text.size());
  const bool synced = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const Status write_error = synced ? Status::Ok() : ErrnoStatus("writing " + temp);
  ::close(fd);
  if (!write_error.ok()) {
    ::unlink(temp.c_str());
    return write_error;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    Status error = ErrnoStatus("renaming " + temp + " to " + path);
    ::unlink(temp.c_str());
    return error;
  }
  return SyncPath(dir, O_RDONLY | O_DIRECTORY);
}

}  // namespace shadekv::mirror
