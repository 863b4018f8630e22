// What `shadectl lease ...` prints, byte for byte as etcdctl 3.4
// (printer_simple.go / printer_json.go), from the gateway's lease responses;
// and lease IDs in etcdctl's hex. Pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <Poco/JSON/Object.h>

#include "agent/ctl/output_format.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// "%016x" of the ID, as etcdctl prints every lease ID.
std::string LeaseIdHex(int64_t id);

// etcdctl's leaseFromArgs: strconv.ParseInt(arg, 16, 64). InvalidArgument
// "bad lease ID arg (strconv.ParseInt: ...), expecting ID in Hex".
Result<int64_t> ParseLeaseIdArg(std::string_view arg);

// "lease <id> granted with TTL(<ttl>s)"; json: header fields flattened, then
// "ID", "TTL", "Error":"" (clientv3.LeaseGrantResponse).
Result<std::string> FormatLeaseGrant(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts);
// "lease <id> revoked"; json: {"header":{...}}.
Result<std::string> FormatLeaseRevoke(int64_t id, const Poco::JSON::Object::Ptr& resp,
                                      const PrintOptions& opts);
// "lease <id> granted with TTL(Ns), remaining(Ns)[, attached keys([k1 k2])]"
// or "lease <id> already expired" (TTL -1, granted 0); json: header fields,
// "id", "ttl", "granted-ttl", "keys" (base64 list or null).
Result<std::string> FormatLeaseTimeToLive(const Poco::JSON::Object::Ptr& resp, bool keys,
                                          const PrintOptions& opts);
// "found N leases" and one hex ID per line; json: header fields, "leases":[{"id":N}].
Result<std::string> FormatLeaseList(const Poco::JSON::Object::Ptr& resp, const PrintOptions& opts);
// "lease <id> keepalived with TTL(N)"; json: header fields, "ID", "TTL".
Result<std::string> FormatLeaseKeepAlive(const Poco::JSON::Object::Ptr& resp,
                                         const PrintOptions& opts);

}  // namespace shadekv::ctl
