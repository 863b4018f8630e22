// CURVE key files: generation, strict parsing, permission checks.
// The formats are documented in shadekv/bus/curve_keys.h.
#include "shadekv/bus/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace shadekv::bus {
namespace {

constexpr std::string_view kSecretHeader = "# shadekv CURVE secret key v1";
constexpr std::string_view kPublicHeader = "# shadekv CURVE public key v1";
constexpr std::string_view kPublicField = "public-key: ";
constexpr std::string_view kSecretField = "secret-key: ";
// Key files are tiny; anything much larger is not one of ours.
constexpr uintmax_t kMaxKeyFileBytes = 1 << 20;

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

Result<std::string> FieldValue(std::string_view line, std::string_view field,
                               std::string_view source, int line_number) {
  if (line.substr(0, field.size()) != field) {
    return Status::InvalidArgument(std::string(source) + " line " + std::to_string(line_number) +
                                   ": expected \"" + std::string(field) +
                                   "<40-character Z85 key>\"");
  }
  std::string key(line.substr(field.size()));
  SHADEKV_RETURN_IF_ERROR(CheckZ85Key(
      key, std::string(field.substr(0, field.size() - 2)) + " in " + std::string(source)));
  return key;
}

Result<std::string> ReadSmallFile(const std::string& path) {
  std::error_code ec;
  uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return Status::NotFound("CURVE key file " + path + " does not exist");
    }
    return Status::InvalidArgument("cannot read CURVE key file " + path + ": " + ec.message());
  }
  if (size > kMaxKeyFileBytes) {
    return Status::InvalidArgument(path + " is " + std::to_string(size) +
                                   " bytes: not a CURVE key file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::PermissionDenied("cannot open CURVE key file " + path);
  std::ostringstream body;
  body << in.rdbuf();
  return body.str();
}

Status WriteNewFile(const std::string& path, const std::string& body, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    int err = errno;
    std::string why = path + ": " + std::strerror(err);
    if (err == EEXIST) return Status::AlreadyExists(why + " (refusing to overwrite a key)");
    if (err == ENOENT) return Status::NotFound(why + " (create the directory first)");
    return Status::PermissionDenied(why);
  }
  // The umask may have cleared bits of `mode`; set it exactly.
  bool ok = ::fchmod(fd, mode) == 0 &&
            ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return Status::Unavailable("writing " + path + ": " + std::strerror(err));
  return Status::Ok();
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Result<CurveKeyPair> GenerateCurveKeyPair() {
  if (!zmq_has("curve")) {
    return Status::Unimplemented("this libzmq was built without CURVE support");
  }
  char public_key[41] = {};
  char secret_key[41] = {};
  if (zmq_curve_keypair(public_key, secret_key) != 0) {
    return Status::Internal(std::string("zmq_curve_keypair: ") + zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{public_key, secret_key};
}

Status CheckZ85Key(std::string_view key, std::string_view what) {
  if (key.size() != kCurveKeyZ85Length) {
    return Status::InvalidArgument(std::string(what) + ": expected a 40-character Z85 key, got " +
                                   std::to_string(key.size()) + " characters");
  }
  std::string copy(key);
  uint8_t bytes[32];
  if (zmq_z85_decode(bytes, copy.c_str()) == nullptr) {
    return Status::InvalidArgument(std::string(what) + ": not a Z85 key (bad characters)");
  }
  return Status::Ok();
}

std::string FormatSecretKeyFile(const CurveKeyPair& pair) {
  return std::string(kSecretHeader) + "\n" + std::string(kPublicField) + pair.public_key + "\n" +
         std::string(kSecretField) + pair.secret_key + "\n";
}

std::string FormatPublicKeyFile(std::string_view public_key) {
  return std::string(kPublicHeader) + "\n" + std::string(kPublicField) + std::string(public_key) +
         "\n";
}

Result<CurveKeyPair> ParseSecretKeyFile(std::string_view text, std::string_view source) {
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.size() != 3 || lines[0] != kSecretHeader) {
    return Status::InvalidArgument(std::string(source) +
                                   ": not a shadekv CURVE secret key file (expected the line \"" +
                                   std::string(kSecretHeader) +
                                   "\" then public-key and secret-key lines; regenerate it with "
                                   "shadectl curve keygen)");
  }
  CurveKeyPair pair;
  SHADEKV_ASSIGN_OR_RETURN(pair.public_key, FieldValue(lines[1], kPublicField, source, 2));
  SHADEKV_ASSIGN_OR_RETURN(pair.secret_key, FieldValue(lines[2], kSecretField, source, 3));
  char derived[41] = {};
  if (zmq_curve_public(derived, pair.secret_key.c_str()) != 0 || pair.public_key != derived) {
    return Status::InvalidArgument(std::string(source) +
                                   ": the public key does not belong to the secret key");
  }
  return pair;
}

Result<std::string> ParsePublicKeyFile(std::string_view text, std::string_view source) {
  std::vector<std::string_view> lines = SplitLines(text);
  if (lines.size() != 2 || lines[0] != kPublicHeader) {
    return Status::InvalidArgument(std::string(source) +
                                   ": not a shadekv CURVE public key file (expected the line \"" +
                                   std::string(kPublicHeader) + "\" then a public-key line)");
  }
  return FieldValue(lines[1], kPublicField, source, 2);
}

Result<std::vector<AuthorizedKey>> ParseAuthorizedKeys(std::string_view text,
                                                       std::string_view source) {
  std::vector<AuthorizedKey> keys;
  std::vector<std::string_view> lines = SplitLines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') continue;
    std::string where = std::string(source) + " line " + std::to_string(i + 1);
    size_t space = line.find_first_of(" \t");
    AuthorizedKey key;
    key.public_key = std::string(line.substr(0, space));
    SHADEKV_RETURN_IF_ERROR(CheckZ85Key(key.public_key, where));
    if (space != std::string_view::npos) {
      std::string_view label = line.substr(space);
      label.remove_prefix(std::min(label.find_first_not_of(" \t"), label.size()));
      if (label.find_first_of(" \t") != std::string_view::npos) {
        return Status::InvalidArgument(where +
                                       ": expected \"<key> [label]\", the label without "
                                       "spaces");
      }
      key.label = std::string(label);
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

Status WriteCurveKeyPair(const std::string& prefix, const CurveKeyPair& pair) {
  if (prefix.empty()) return Status::InvalidArgument("empty key path prefix");
  std::error_code ec;
  if (std::filesystem::exists(prefix + ".key", ec) ||
      std::filesystem::exists(prefix + ".pub", ec)) {
    return Status::AlreadyExists(prefix + ".key or " + prefix +
                                 ".pub already exists (refusing to overwrite a key)");
  }
  SHADEKV_RETURN_IF_ERROR(WriteNewFile(prefix + ".key", FormatSecretKeyFile(pair), 0600));
  return WriteNewFile(prefix + ".pub", FormatPublicKeyFile(pair.public_key), 0644);
}

Result<CurveKeyPair> LoadCurveKeyPair(const std::string& prefix) {
  std::string path = EndsWith(prefix, ".key") ? prefix : prefix + ".key";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound("CURVE secret key " + path + " does not exist");
    return Status::PermissionDenied("cannot stat " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(path + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::PermissionDenied("CURVE secret key " + path + " is accessible by group or " +
                                    "others (mode " + mode + "); run chmod 600 " + path);
  }
  SHADEKV_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  return ParseSecretKeyFile(text, path);
}

Result<std::string> LoadCurvePublicKey(const std::string& path) {
  std::error_code ec;
  std::string file = path;
  if (!std::filesystem::exists(file, ec) && !EndsWith(path, ".pub")) file = path + ".pub";
  SHADEKV_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(file));
  return ParsePublicKeyFile(text, file);
}

Result<std::vector<AuthorizedKey>> LoadAuthorizedKeys(const std::string& path) {
  std::error_code ec;
  std::vector<AuthorizedKey> keys;
  if (std::filesystem::is_directory(path, ec)) {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
      if (entry.path().extension() == ".pub") files.push_back(entry.path());
    }
    if (ec) return Status::PermissionDenied("cannot list " + path + ": " + ec.message());
    std::sort(files.begin(), files.end());  // a stable order for logs and tests
    for (const std::filesystem::path& file : files) {
      SHADEKV_ASSIGN_OR_RETURN(std::string key, LoadCurvePublicKey(file.string()));
      keys.push_back({std::move(key), file.stem().string()});
    }
  } else {
    SHADEKV_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
    SHADEKV_ASSIGN_OR_RETURN(keys, ParseAuthorizedKeys(text, path));
  }
  if (keys.empty()) {
    return Status::InvalidArgument("authorized CURVE keys " + path +
                                   ": no key found (a file needs '<key> [label]' lines, a "
                                   "directory NAME.pub files)");
  }
  return keys;
}

}  // namespace shadekv::bus
