#include "bus/sub/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace shadekv::bus {

Result<int64_t> LoadAppliedRevision(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return int64_t{0};
    return Status::Unavailable("state file " + path + ": " + std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  int64_t revision = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), revision);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || revision < 0) {
    return Status::DataLoss("state file " + path + " does not hold a revision: \"" +
                            text.substr(0, 40) + "\" (fix or remove it)");
  }
  return revision;
}

Status SaveAppliedRevision(const std::string& path, int64_t revision) {
  std::string tmp = path + ".tmp";
  std::string text = std::to_string(revision) + "\n";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Unavailable("state file " + tmp + ": " + std::strerror(errno));
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int saved = errno;
  ::close(fd);
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    if (ok) saved = errno;
    return Status::Unavailable("state file " + path + ": " + std::strerror(saved));
  }
  return Status::Ok();
}

}  // namespace shadekv::bus
