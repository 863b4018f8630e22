// etcdctl's txn input language, parsed into gateway JSON. Pure: no sockets.
//
// Input (from stdin, or typed after the -i prompts), three blocks, each ended
// by an empty line:
//
//   txn      := compares "\n" success "\n" failure "\n"
//   compares := { compare "\n" }
//   compare  := target "(" quoted-key ")" " " op " " quoted-value
//   target   := "value" | "val" | "version" | "ver" | "create" | "c" |
//               "mod" | "m" | "lease"
//   op       := "=" | "!=" | ">" | "<"
//   success, failure := { request "\n" }
//   request  := ("put" | "get" | "del") args-and-flags   (as on the command line)
//
// Quoted strings are Go %q strings ("..." with Go escapes, or `...`).
// version/create/mod values are decimal; lease values are hex lease IDs, the
// way `put --lease` takes them (etcdctl 3.4 crashes on lease compares).
//
// Errors, with etcdctl's wording:
// - InvalidArgument: the input is not txn syntax ("malformed comparison: ...",
//   "invalid txn compare request: ...", "invalid txn request: ...", and "EOF"
//   when input ends before the third empty line). etcdctl exits 3.
// - FailedPrecondition: a request line parsed but its arguments are wrong, as
//   put/get/del would say ("put command needs 1 argument ..."). etcdctl exits 128.
// - Unimplemented: a request asks for an unknown sort order, sort target or
//   consistency. etcdctl exits 4.
#pragma once

#include <istream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/JSON/Object.h>

#include "shadekv/common/status.h"

namespace shadekv::ctl {

// Go's strconv.Unquote for "double-quoted" and `back-quoted` strings.
Result<std::string> GoUnquote(std::string_view quoted);

// etcdctl's argify: splits a request line into words, honouring "double"
// (Go escapes) and 'single' quotes.
Result<std::vector<std::string>> ArgifyTxnLine(std::string_view line);

// One compare line -> a gateway Compare object
// ({"target":"MOD","result":"GREATER","key":"aw==","mod_revision":"3"}).
Result<Poco::JSON::Object::Ptr> ParseTxnCompare(std::string_view line);

// One request line -> a gateway RequestOp object ({"request_put":{...}}).
Result<Poco::JSON::Object::Ptr> ParseTxnRequest(std::string_view line);

// Reads a whole txn from `in`. When `prompts` is not null (interactive mode),
// writes etcdctl's three prompt lines to it before each block. Returns the
// /v3/kv/txn body.
Result<Poco::JSON::Object::Ptr> ReadTxn(std::istream& in, std::ostream* prompts);

}  // namespace shadekv::ctl
