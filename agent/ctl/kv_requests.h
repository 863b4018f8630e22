// Gateway request bodies for put, get and del, built from command-line
// arguments exactly as etcdctl's getPutOp/getGetOp/getDelOp build clientv3
// ops. Shared by the `put`/`get`/`del` commands and by the txn parser, whose
// operation lines use the same syntax. Pure: no sockets.
//
// Errors: InvalidArgument for wrong arguments (etcdctl exits 128 for these),
// Unimplemented for an unknown sort order/target or consistency (exit 4).
// Messages are etcdctl's.
#pragma once

#include <istream>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "agent/ctl/flags.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

std::vector<FlagSpec> PutFlagSpecs();
std::vector<FlagSpec> GetFlagSpecs();
std::vector<FlagSpec> DelFlagSpecs();

// /v3/kv/put body. With one positional argument the value is all of `input`
// (when not null; etcdctl reads os.Stdin), which must not be empty.
Result<Poco::JSON::Object::Ptr> BuildPutRequest(const ParsedFlags& flags, std::istream* input);

// /v3/kv/range body.
Result<Poco::JSON::Object::Ptr> BuildRangeRequest(const ParsedFlags& flags);

// /v3/kv/deleterange body.
Result<Poco::JSON::Object::Ptr> BuildDeleteRequest(const ParsedFlags& flags);

// clientv3.GetPrefixRangeEnd: the smallest key greater than every key with
// this prefix; "\0" (meaning "to the end") when none exists.
std::string PrefixRangeEnd(const std::string& prefix);

}  // namespace shadekv::ctl
