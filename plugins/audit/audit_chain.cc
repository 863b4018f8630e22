// SHA-256 through Poco (already a dependency), and the textual split of a
// sealed line: the verifier hashes the bytes on disk, never a re-encoding.
#include "plugins/audit/audit_chain.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

namespace shadekv::audit {
namespace {

constexpr std::string_view kHashPrefix = ",\"hash\":\"";
constexpr size_t kHashLength = 64;
// ',"hash":"' + 64 hex + '"}'
constexpr size_t kSuffixLength = kHashPrefix.size() + kHashLength + 2;

}  // namespace

std::string Sha256Hex(std::string_view bytes) {
  Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
  engine.update(bytes.data(), static_cast<unsigned>(bytes.size()));
  return Poco::DigestEngine::digestToHex(engine.digest());
}

std::string SealLine(const std::string& body, std::string* hash) {
  std::string h = Sha256Hex(body);
  std::string line = body.substr(0, body.size() - 1);
  line += kHashPrefix;
  line += h;
  line += "\"}";
  if (hash != nullptr) *hash = std::move(h);
  return line;
}

bool IsHashText(std::string_view text) {
  if (text.size() != kHashLength) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Result<SealedLine> SplitSealedLine(std::string_view line) {
  if (line.size() < kSuffixLength + 1 || line.substr(line.size() - 2) != "\"}" ||
      line.substr(line.size() - kSuffixLength, kHashPrefix.size()) != kHashPrefix) {
    return Status::InvalidArgument("does not end with a \"hash\" member");
  }
  std::string_view hash = line.substr(line.size() - kHashLength - 2, kHashLength);
  if (!IsHashText(hash)) {
    return Status::InvalidArgument("its \"hash\" is not 64 lowercase hex digits");
  }
  SealedLine sealed;
  sealed.body = std::string(line.substr(0, line.size() - kSuffixLength)) + "}";
  sealed.hash = std::string(hash);
  return sealed;
}

}  // namespace shadekv::audit
