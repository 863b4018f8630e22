// Verifies an audit log: streams its files in the order given and checks
// every line's hash and its seq/prev links to the line before.
//
// The result is either OK with the record count and the last seq and hash
// (an operator keeps that pair as an anchor: a later verify that ends
// earlier, or with another hash at that seq, shows a cut or rewritten log)
// or the FIRST problem, with file, line and seq:
//   - truncated: the last line has no newline;
//   - not an audit record: not JSON, no hash member, no seq/prev;
//   - modified: the hash does not match the line's bytes;
//   - inserted: a line that the chain skips (the next line continues from
//     the one before it), or a seq that repeats;
//   - deleted: a seq gap, the missing seq nowhere in the next lines;
//   - reordered: a seq gap whose missing seq comes a few lines later;
//   - chain broken: right seq, but prev is not the hash of the line before;
//   - files out of order or with a gap: a file that does not continue the
//     one before it, or a first file that does not start at seq 1.
// Removing whole records from the END of the newest file leaves a valid,
// shorter chain: only a kept anchor (VerifyOptions::expect) reveals that.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::audit {

struct VerifyProblem {
  std::string file;
  uint64_t line = 0;  // 1-based, within `file`
  uint64_t seq = 0;   // the seq on that line; 0 when it could not be read
  std::string message;

  // "FILE:LINE: seq S: MESSAGE" (without "seq S: " when unknown).
  std::string ToString() const;
};

struct VerifyReport {
  uint64_t records = 0;  // valid records before the problem, or all of them
  uint64_t last_seq = 0;
  std::string last_hash;  // kGenesisHash when there are no records
  std::optional<VerifyProblem> problem;

  bool ok() const { return !problem.has_value(); }
};

// A point of the chain an operator kept from an earlier verify ("OK: ...,
// last seq S, last hash H").
struct VerifyAnchor {
  uint64_t seq = 0;
  std::string hash;
};

// "SEQ:HASH" (HASH 64 lowercase hex, SEQ >= 1); InvalidArgument otherwise.
Result<VerifyAnchor> ParseVerifyAnchor(const std::string& text);

struct VerifyOptions {
  // The files start right after this record (older files were removed by
  // retention): the first record must be seq+1 with prev == hash.
  std::optional<VerifyAnchor> start_after;
  // This record must be in the log with this hash: reveals records cut off
  // the end, or a log rewritten and re-sealed since the anchor was taken.
  std::optional<VerifyAnchor> expect;
  // Called now and then with the bytes read so far and the total size.
  std::function<void(uint64_t done, uint64_t total)> progress;
};

// Verifies `files` as one log, oldest first. Fails (Status) only when a
// file cannot be read or no file is given; a damaged log is a report with
// a problem, not an error.
Result<VerifyReport> VerifyAuditFiles(const std::vector<std::string>& files,
                                      const VerifyOptions& options = {});

}  // namespace shadekv::audit
