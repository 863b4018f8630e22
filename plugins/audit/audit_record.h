// One audit record and its canonical JSON line (README "Audit").
//
// A record says who did what, when, from where: either one committed store
// revision ("event", from an EVENT body) or one client request as the
// receiving member saw it ("request", from a REQUEST body). The writer fills
// seq and prev; the chain (audit_chain.h) seals the canonical bytes with the
// record's own hash.
//
// Pure: no I/O, no clock.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::audit {

// What an event record says about each value. The default is kHash because a
// configuration store holds secrets and an audit log is read by many.
enum class ValuesPolicy { kHash, kFull, kNone };

// "hash", "full", "none" -> policy; InvalidArgument for anything else.
Result<ValuesPolicy> ParseValuesPolicy(const std::string& text);

// One key change of an event record.
struct AuditChange {
  std::string type;  // "PUT" or "DELETE"
  std::string key;   // raw bytes (base64 in the line)
  // PUT only, per policy: hash -> size + sha256; full -> size + value;
  // none -> neither.
  std::optional<uint64_t> value_size;
  std::string value_sha256;          // lowercase hex, "" when absent
  std::optional<std::string> value;  // raw bytes (base64 in the line)
};

struct AuditRecord {
  // Chain position, set by the writer: 1, 2, ... across rotated files.
  uint64_t seq = 0;
  std::string prev;  // hash of the record before, 64 hex; kGenesisHash first

  std::string kind;      // "event" or "request"
  int64_t time_ms = 0;   // leader time (event) or member time (request), Unix ms
  int64_t revision = 0;  // revision produced or read at; 0 when none
  uint64_t member_id = 0;
  uint64_t request_id = 0;
  std::string user;            // "" when unauthenticated
  std::string client_address;  // "ip:port", "" when unknown

  // kind == "event"
  std::vector<AuditChange> changes;

  // kind == "request"
  std::string operation;  // gateway path, "/v3/kv/put"
  std::string key;        // raw bytes (base64 in the line)
  std::string range_end;  // raw bytes (base64 in the line)
  std::string outcome;    // "OK", "DENIED", "FAILED"
  uint64_t code = 0;
  std::string message;
};

// The record as one JSON object WITHOUT its hash field: fixed member order,
// no whitespace, keys/values base64, uint64 ids as strings (JSON numbers lose
// precision past 2^53), strings as valid UTF-8 (invalid bytes become U+FFFD).
// These are exactly the bytes the record's hash covers:
//   {"seq":N,"prev":"<64 hex>","kind":"event"|"request","time":"<RFC 3339>",
//    "revision":N,"member_id":"<16 hex>","request_id":"<decimal>",
//    "user":"..","client":"..", then for an event
//    "changes":[{"type":"PUT","key":"<b64>","value_size":N,
//                "value_sha256":"<hex>"|"value":"<b64>"},...]
//    or for a request
//    "operation":"..","key":"<b64>","range_end":"<b64>","outcome":"..",
//    "code":N,"message":".."}
std::string CanonicalJson(const AuditRecord& record);

// Unix ms -> "2026-11-21T05:25:40.123Z" (UTC, always 3 fraction digits).
std::string FormatRfc3339Millis(int64_t unix_ms);

// Parses a time given by an operator: RFC 3339 (any offset, optional
// fraction) or Unix seconds (digits only). Returns Unix ms; InvalidArgument
// naming the accepted forms otherwise.
Result<int64_t> ParseTimeArgument(const std::string& text);

// Lowercase hex of `bytes`.
std::string HexEncode(const std::string& bytes);

// Standard base64 (with padding), no line breaks.
std::string Base64Encode(const std::string& bytes);
// The inverse; InvalidArgument when `text` is not base64.
Result<std::string> Base64Decode(const std::string& text);

}  // namespace shadekv::audit
