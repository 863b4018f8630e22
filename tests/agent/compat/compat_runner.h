// The compatibility runner: parses request sequences, sends each step to a
// server over HTTP and normalizes the reply so that etcd's and shadekv's
// answers can be compared as text.
//
// Sequence format (testdata/*.txt), one step per line:
//   METHOD[:MODE] PATH [BODY]
// BODY is the rest of the line, sent verbatim after expanding %b64(text) into
// the padded base64 of `text` (text may not contain ')'). Lines starting with
// '#' and blank lines are ignored. MODE:
//   (none)    compare the normalized replies exactly, key order included;
//   shape     compare only the shape: key names and order, JSON types (used
//             where values differ by design, e.g. maintenance/hash);
//   shadekv   send to shadekv only (etcd 3.4 is known to crash or misbehave
//             on it); the next line must be "=> STATUS MEDIATYPE BODY", the
//             expected normalized shadekv reply.
// METHOD may end in @USER: the request carries `Authorization: <token>` with
// the token USER last obtained from that server's /v3/auth/authenticate (a
// step of the same sequence), or @=TEXT: the literal TEXT as the token (a
// forged one). Tokens differ by design and print as "$token".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::compat {

enum class StepMode { kExact, kShape, kShadekvOnly };

struct Step {
  int line = 0;  // 1-based line in the sequence file
  std::string method;
  std::string path;
  std::string body;  // macros expanded
  StepMode mode = StepMode::kExact;
  std::string as_user;        // @USER: send USER's token ("" : no header)
  std::string literal_token;  // @=TEXT: send TEXT as the token
  std::string expected;       // kShadekvOnly: the normalized reply, as Normalize() prints it
};

// Errors: kInvalidArgument naming the line for a malformed step.
Result<std::vector<Step>> ParseSequence(std::string_view text);

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

// One request to http://127.0.0.1:`port``path`. A non-GET request always
// carries a Content-Length (0 for an empty body). Errors: kUnavailable when
// the connection fails or `timeout_ms` passes.
// `token`, when not empty, goes in the Authorization header.
Result<HttpReply> SendRequest(int port, const std::string& method, const std::string& path,
                              const std::string& body, int timeout_ms,
                              const std::string& token = "");

// The header.revision of a range on the empty key: the server's revision now.
Result<int64_t> CurrentRevision(int port);

// "STATUS MEDIATYPE[; charset=X]\nBODY" where a JSON body is re-printed
// compactly in its own key order after these substitutions:
//  - cluster_id, member_id, raft_term, leader, dbSize, dbSizeInUse, raftIndex,
//    raftTerm, raftAppliedIndex: "$name:kind" (kind: string, number, ...);
//  - revision, create_revision, mod_revision, compact_revision given as a
//    decimal string: made relative to `base_revision` (base_revision itself
//    prints as "1", so servers that both start at 1 print real revisions);
//  - with `shape_only`, every scalar becomes "$kind".
// A body of newline-separated JSON values (a stream) is normalized value by
// value, one per line; any other body that is not JSON is kept verbatim.
std::string Normalize(const HttpReply& reply, int64_t base_revision, bool shape_only);

}  // namespace shadekv::compat
