// Reading one line of an audit log back: the sealed line taken apart and its
// body parsed, for the verifier and for queries. Pure: no I/O.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::audit {

struct LoggedRecord {
  uint64_t seq = 0;
  std::string prev;
  std::string hash;           // as recorded on the line
  std::string computed_hash;  // SHA-256 of the body on the line
  std::string body;           // the bytes the hash covers
  Poco::JSON::Object::Ptr object;

  bool hash_matches() const { return hash == computed_hash; }
};

// Takes a line (without its newline) apart and parses its body. Fails with
// InvalidArgument saying what is wrong: no hash member, not JSON, no
// numeric "seq", no 64-hex "prev". Does NOT fail on a hash mismatch (the
// caller compares hash and computed_hash).
Result<LoggedRecord> ParseLoggedLine(std::string_view line);

// The seq of a canonical line read from its fixed start ({"seq":N,...}),
// without parsing the rest; nullopt when the line does not start that way.
// Cheap enough for look-ahead over many lines.
std::optional<uint64_t> PeekSeq(std::string_view line);

// What a query needs from a record, decoded.
struct RecordView {
  std::string kind;
  int64_t time_ms = 0;
  std::string user;
  std::vector<std::string> keys;  // decoded keys it touched or named
};

// Reads kind, time, user and keys out of a parsed record. InvalidArgument
// when a field is missing or malformed.
Result<RecordView> ViewRecord(const LoggedRecord& record);

// One readable line for `shadectl audit query -w simple`:
//   TIME seq=N KIND rev=R user=U from=ADDR member=M req=ID then, for an
//   event, "PUT key (N bytes, sha256 H)" per change; for a request,
//   "OPERATION key [range_end] OUTCOME code=C message".
// Keys print as text when printable, otherwise as \xNN escapes.
std::string FormatSimple(const LoggedRecord& record);

}  // namespace shadekv::audit
