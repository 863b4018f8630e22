// The SHA-256 chain that makes the audit log tamper-evident.
//
// A log line is the record's canonical JSON (audit_record.h) with one more
// member appended, its hash:
//   line   = body-without-closing-brace + ',"hash":"' + H + '"}' + '\n'
//   H      = lowercase hex SHA-256 of `body`, the canonical JSON WITHOUT the
//            hash member (it ends in '}'), exactly the bytes on disk
// and every record's "prev" is the H of the record before it (kGenesisHash
// for seq 1), so changing, removing, adding or moving any line breaks
// either a hash or the seq/prev links that follow it.
//
// Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

#include "shadekv/common/status.h"

namespace shadekv::audit {

// The "prev" of the very first record: 64 zeros.
inline constexpr char kGenesisHash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Lowercase hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(std::string_view bytes);

// Appends the hash member to a canonical body; returns the line WITHOUT the
// trailing newline. `body` must be a JSON object (ends in '}').
std::string SealLine(const std::string& body, std::string* hash);

// A line taken apart: `body` is the canonical JSON the hash covers and
// `hash` the recorded hash (not yet checked against the body).
struct SealedLine {
  std::string body;
  std::string hash;
};

// Splits a line (without its newline) into body and recorded hash. Fails
// with InvalidArgument when the line does not end in a well-formed
// ',"hash":"<64 lowercase hex>"}'.
Result<SealedLine> SplitSealedLine(std::string_view line);

// True when `text` is 64 lowercase hex digits.
bool IsHashText(std::string_view text);

}  // namespace shadekv::audit
