// The shadow daemon's command line, parsed without I/O so every rule is
// tested directly. main.cc turns an error into exit code 2.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::shadow {

// How much history the shadow keeps, independent of the primary's
// compaction. kAll never compacts.
struct RetentionPolicy {
  enum class Kind { kAll, kRevisions, kDuration };
  Kind kind = Kind::kAll;
  int64_t revisions = 0;                  // kRevisions: keep the last N (N >= 1)
  std::chrono::milliseconds duration{0};  // kDuration: keep what is younger than this
};

struct ShadowOptions {
  std::string name = "shadow";
  std::string data_dir;          // default "<name>.shadow"
  std::vector<std::string> bus;  // PUB endpoints, at least one
  std::vector<std::string> listen_urls = {"http://127.0.0.1:2479"};
  RetentionPolicy retention;
  std::string log_level = "info";  // debug, info, warn, error
  // CURVE on the bus, both or neither: --bus-curve-key PREFIX (PREFIX.key)
  // and --bus-curve-server-key FILE[,FILE...] (publishers' .pub files).
  std::string bus_curve_key;
  std::vector<std::string> bus_curve_server_keys;
  // TLS for the https listen URLs, the agent's flags and rules
  // (agent/api/tls_context.h): an https URL needs cert_file and key_file;
  // with no https URL the files are ignored.
  std::string cert_file;
  std::string key_file;
  std::string trusted_ca_file;
  bool client_cert_auth = false;
  bool help = false;
  bool version = false;
};

// Parses argv[1..] ("--flag value" or "--flag=value"). Errors are
// kInvalidArgument with a message naming the flag and what is wrong:
// unknown flag, missing value, --bus absent or with an endpoint that is not
// tcp://host:port, a listen URL that is not http(s)://host:port, an https
// URL without --cert-file and --key-file, a bad
// --retention or --log-level, a positional argument.
Result<ShadowOptions> ParseShadowOptions(const std::vector<std::string>& args);

// "all" | N (revisions, N >= 1) | a duration: digits followed by ms, s, m,
// h or d (e.g. "72h", "90m"), greater than zero.
Result<RetentionPolicy> ParseRetention(const std::string& text);

// The usage text printed by --help.
const char* ShadowUsage();

}  // namespace shadekv::shadow
