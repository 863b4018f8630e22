// `shadectl audit verify FILE...` and `shadectl audit query [--prefix P]
// [--user U] [--since T] [--until T] [-w simple|json] FILE...`: local
// commands on audit logs written by the audit plugin; they need no endpoint.
#pragma once

#include <string>
#include <vector>

#include "agent/ctl/commands.h"
#include "agent/ctl/flags.h"

namespace shadekv::ctl {

// The flags of each audit command: verify `--start-after SEQ:HASH` and
// `--anchor SEQ:HASH` (see audit::VerifyOptions), query `--prefix`,
// `--user`, `--since`, `--until`.
std::vector<FlagSpec> AuditVerifyFlagSpecs();
std::vector<FlagSpec> AuditQueryFlagSpecs();
// Both. `--prefix` takes a value here while get/del/watch have a boolean
// `--prefix`, so an audit command line is parsed with these plus the global
// flags instead of every command's flags.
std::vector<FlagSpec> AuditFlagSpecs();

// True when the first positional word of `args` is "audit" (skipping global
// flags and their values).
bool IsAuditCommandLine(const std::vector<std::string>& args);

// Exit 0 and "OK: N records, last seq S, last hash H" on stdout; exit 1
// and "FAILED: FILE:LINE: seq S: problem" when the log is damaged (or does
// not reach/match --anchor); 128 for no files or a bad anchor, 1 for a file
// that cannot be read. With a terminal on stderr and
// at least 16 MiB to read, a progress line on stderr.
int RunAuditVerify(const ParsedFlags& flags, CommandEnv& env);

// The matching records in log order: -w simple one readable line each, -w
// json the records' lines as they are in the log (JSON Lines, hashes
// included). Does not check hashes (that is verify's job); a line that is
// not a record fails with its file and line (exit 1).
int RunAuditQuery(const ParsedFlags& flags, CommandEnv& env);

}  // namespace shadekv::ctl
