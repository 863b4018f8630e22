// File handling of the audit log: resume on open, append, fsync, rotate.
#include "plugins/audit/audit_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "plugins/audit/audit_chain.h"
#include "plugins/audit/audit_line.h"

namespace shadekv::audit {
namespace {

namespace fs = std::filesystem;

std::string Errno() { return std::strerror(errno); }

// What Open needs to know about an existing file.
struct FileTail {
  uint64_t lines = 0;
  std::string last_line;
  bool torn = false;  // the file does not end with '\n'
  int64_t last_event_revision = 0;
};

// The revision of an event line, read at its canonical position: every
// member before "revision" (seq, prev, kind, time) is ours, never user data,
// so the first match is the real one.
std::optional<int64_t> EventRevision(const std::string& line) {
  if (line.find(",\"kind\":\"event\",") == std::string::npos) return std::nullopt;
  constexpr std::string_view kRevision = ",\"revision\":";
  size_t at = line.find(kRevision);
  if (at == std::string::npos) return std::nullopt;
  int64_t revision = 0;
  for (size_t i = at + kRevision.size(); i < line.size() && line[i] >= '0' && line[i] <= '9'; ++i) {
    revision = revision * 10 + (line[i] - '0');
  }
  return revision;
}

Result<FileTail> ScanFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::FailedPrecondition("cannot read audit log " + path + ": " + Errno());
  FileTail tail;
  std::string line;
  while (std::getline(in, line)) {
    ++tail.lines;
    tail.torn = in.eof();  // getline hit the end before a '\n'
    if (std::optional<int64_t> rev = EventRevision(line)) tail.last_event_revision = *rev;
    tail.last_line.swap(line);
  }
  if (in.bad()) return Status::FailedPrecondition("error reading audit log " + path);
  return tail;
}

// Checks the last line of an existing file before anything is appended.
Result<LoggedRecord> CheckTail(const std::string& path, const FileTail& tail) {
  const std::string where = "audit log " + path + " line " + std::to_string(tail.lines);
  const std::string advice =
      ": refusing to append after it. Run `shadectl audit verify` on the log, then move this "
      "file aside (the writer then resumes the chain from the newest rotated file)";
  if (tail.torn) {
    return Status::DataLoss(where + " is torn (no newline at its end: a crash during a write?)" +
                            advice);
  }
  Result<LoggedRecord> record = ParseLoggedLine(tail.last_line);
  if (!record.ok()) {
    return Status::DataLoss(where + " is not a valid audit record (" + record.status().message() +
                            ")" + advice);
  }
  if (!record->hash_matches()) {
    return Status::DataLoss(where + " (seq " + std::to_string(record->seq) +
                            ") does not match its hash" + advice);
  }
  return record;
}

// Rotated files `path.NNNNNN`, oldest (lowest number) first.
std::vector<std::pair<uint64_t, std::string>> RotatedFiles(const std::string& path) {
  std::vector<std::pair<uint64_t, std::string>> found;
  fs::path p(path);
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  const std::string prefix = p.filename().string() + ".";
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    std::string digits = name.substr(prefix.size());
    if (digits.size() < 6 || digits.size() > 18 ||
        digits.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    found.emplace_back(std::stoull(digits), e.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

std::string RotatedName(const std::string& path, uint64_t number) {
  std::string digits = std::to_string(number);
  if (digits.size() < 6) digits.insert(0, 6 - digits.size(), '0');
  return path + "." + digits;
}

Status SyncDirectoryOf(const std::string& path) {
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::Internal("cannot open directory " + dir.string() + ": " + Errno());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Status::Internal("cannot fsync directory " + dir.string() + ": " + Errno());
  return Status::Ok();
}

// Opens for appending and takes an exclusive lock: two writers on one file
// would interleave two chains into a log that never verifies.
Result<int> OpenForAppend(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status::FailedPrecondition("cannot open audit log " + path + " for appending: " +
                                      Errno() + " (check audit.path and its directory)");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return Status::FailedPrecondition("audit log " + path +
                                      " is in use by another writer (another agent or "
                                      "shadekv-sub with the same audit.path?)");
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<AuditWriter>> AuditWriter::Open(const WriterOptions& options) {
  if (options.path.empty()) return Status::InvalidArgument("audit.path is empty");
  std::error_code ec;
  if (fs::is_directory(options.path, ec)) {
    return Status::InvalidArgument("audit.path " + options.path +
                                   " is a directory; give a file name inside it");
  }
  SHADEKV_ASSIGN_OR_RETURN(int fd, OpenForAppend(options.path));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::Internal("cannot stat audit log " + options.path + ": " + Errno());
  }
  std::unique_ptr<AuditWriter> writer(
      new AuditWriter(options, fd, static_cast<uint64_t>(st.st_size)));
  writer->last_hash_ = kGenesisHash;

  // Where the chain stands: the active file's last line, or the newest
  // rotated file's when the active one is new (a crash right after a
  // rotation leaves it empty). The newest event revision may sit further
  // back when the newest file holds only requests.
  std::vector<std::string> newest_first = {options.path};
  std::vector<std::pair<uint64_t, std::string>> rotated = RotatedFiles(options.path);
  for (auto it = rotated.rbegin(); it != rotated.rend(); ++it) newest_first.push_back(it->second);
  bool chain_found = false;
  for (const std::string& file : newest_first) {
    SHADEKV_ASSIGN_OR_RETURN(FileTail tail, ScanFile(file));
    if (!chain_found && tail.lines > 0) {
      SHADEKV_ASSIGN_OR_RETURN(LoggedRecord last, CheckTail(file, tail));
      writer->last_seq_ = last.seq;
      writer->last_hash_ = last.hash;
      chain_found = true;
    }
    if (tail.last_event_revision > 0) {
      writer->last_event_revision_ = tail.last_event_revision;
      break;
    }
  }
  return writer;
}

AuditWriter::AuditWriter(WriterOptions options, int fd, uint64_t size)
    : options_(std::move(options)),
      fd_(fd),
      size_(size),
      last_sync_(std::chrono::steady_clock::now()) {}

AuditWriter::~AuditWriter() {
  if (fd_ < 0) return;
  if (options_.fsync != FsyncPolicy::kNever) (void)::fdatasync(fd_);
  ::close(fd_);
}

Status AuditWriter::Sync() {
  if (::fdatasync(fd_) != 0) {
    return Status::Internal("cannot fsync audit log " + options_.path + ": " + Errno());
  }
  last_sync_ = std::chrono::steady_clock::now();
  dirty_ = false;
  return Status::Ok();
}

Status AuditWriter::SyncIfDirty() { return dirty_ ? Sync() : Status::Ok(); }

Status AuditWriter::Rotate() {
  // Synced before the rename whatever the policy: a rotated file is final.
  SHADEKV_RETURN_IF_ERROR(Sync());
  std::vector<std::pair<uint64_t, std::string>> rotated = RotatedFiles(options_.path);
  uint64_t next = rotated.empty() ? 1 : rotated.back().first + 1;
  std::string target = RotatedName(options_.path, next);
  std::error_code ec;
  if (fs::exists(target, ec)) {
    return Status::FailedPrecondition("cannot rotate audit log " + options_.path + ": " + target +
                                      " already exists");
  }
  SHADEKV_ASSIGN_OR_RETURN(int fresh, OpenForAppend(options_.path + ".rotating"));
  if (::rename(options_.path.c_str(), target.c_str()) != 0) {
    ::close(fresh);
    return Status::Internal("cannot rename audit log " + options_.path + " to " + target + ": " +
                            Errno());
  }
  if (::rename((options_.path + ".rotating").c_str(), options_.path.c_str()) != 0) {
    ::close(fresh);
    // The full file is already renamed: appending to it now would put
    // records into a rotated file, so stop until an operator looks.
    broken_ = Status::Internal("cannot create audit log " + options_.path + " after renaming " +
                               "the full one to " + target + ": " + Errno());
    return broken_;
  }
  ::close(fd_);
  fd_ = fresh;
  size_ = 0;
  return SyncDirectoryOf(options_.path);
}

Status AuditWriter::Append(AuditRecord record) {
  if (!broken_.ok()) return broken_;
  record.seq = last_seq_ + 1;
  record.prev = last_hash_;
  std::string hash;
  std::string line = SealLine(CanonicalJson(record), &hash);
  line += '\n';
  if (options_.max_bytes > 0 && size_ > 0 && size_ + line.size() > options_.max_bytes) {
    SHADEKV_RETURN_IF_ERROR(Rotate());
  }
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status failed = Status::Internal("cannot append to audit log " + options_.path + ": " +
                                       (n < 0 ? Errno() : std::string("wrote nothing")));
      // Cut a partial line off again, so the file still ends on a record.
      if (written > 0 && ::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
        broken_ = failed.WithContext("and cannot remove the partial line");
      }
      return failed;
    }
    written += static_cast<size_t>(n);
  }
  size_ += line.size();
  last_seq_ = record.seq;
  last_hash_ = std::move(hash);
  if (record.kind == "event") last_event_revision_ = record.revision;
  dirty_ = true;

  const auto now = std::chrono::steady_clock::now();
  if (options_.fsync == FsyncPolicy::kAlways ||
      (options_.fsync == FsyncPolicy::kInterval && now - last_sync_ >= options_.fsync_interval)) {
    return Sync();
  }
  return Status::Ok();
}

}  // namespace shadekv::audit
