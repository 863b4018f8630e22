// Calls from one member to another member's client URL (the etcd JSON
// gateway another member serves): a plain POST with a timeout, and the
// hashkv call the corruption checks make. The one place member-to-member
// HTTP is made, so TLS can be added here for every caller.
//
// Thread-safety: any thread; the TLS context is set once at start-up.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <Poco/Net/Context.h>

#include "shadekv/common/status.h"

namespace shadekv::api {

// The client TLS context for members' https URLs: it trusts
// --trusted-ca-file (or the system CAs) and presents this member's
// --cert-file, as etcd does when a member calls another's client URL. Null
// (the default): an https URL is refused with a message naming the flags.
void SetMemberClientTls(Poco::Net::Context::Ptr client_context);

struct MemberReply {
  int status = 0;  // HTTP status
  std::string body;
};

// POSTs `body` (JSON) to `path` on `base_url` ("http[s]://host:port"), waiting
// up to `timeout` for connecting and for the answer, with `headers` (name,
// value) added to the request. Transport
// failures (refused, timeout, reset, a bad URL) are kUnavailable naming the
// URL and the path.
Result<MemberReply> PostToMember(
    const std::string& base_url, const std::string& path, const std::string& body,
    std::chrono::milliseconds timeout,
    const std::vector<std::pair<std::string, std::string>>& headers = {});

// The error a member answered, as a Status: the gateway's {"code","message"}
// when the body has them, else kUnavailable naming the HTTP status.
Status ErrorOfReply(const MemberReply& reply, const std::string& who);

// A member's /v3/maintenance/hashkv answer.
struct RemoteHash {
  uint64_t member_id = 0;        // header.member_id
  int64_t current_revision = 0;  // header.revision: the member's current revision
  int64_t compact_revision = 0;
  uint32_t hash = 0;
};

// hashkv at `revision` (0: the member's current revision) from `base_url`.
// The member's own errors come back as they are (kOutOfRange "mvcc: required
// revision has been compacted" / "... is a future revision").
// `token`, when not empty, goes in the Authorization header (auth reserves
// hashkv to root).
Result<RemoteHash> FetchHashKv(const std::string& base_url, int64_t revision,
                               std::chrono::milliseconds timeout, const std::string& token = "");

}  // namespace shadekv::api
