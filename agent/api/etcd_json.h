// The etcd v3 JSON gateway codec: request bodies in, response bodies out,
// wire-compatible with etcd 3.4's grpc-gateway. Pure functions, no I/O; any
// thread may call them concurrently.
//
// Requests (Parse*) follow etcd's decoding rules exactly (observed on etcd
// 3.4.23, see tests/agent/etcd_json_test.cc for each observation):
//  - An empty or whitespace-only body, `{}` and `null` are the default request.
//    Anything after the first JSON value is ignored (json.Decoder).
//  - Field names: the proto name (`range_end`) or lowerCamelCase (`rangeEnd`);
//    when both appear the camelCase one wins; a repeated name keeps the last;
//    unknown fields are ignored; `null` leaves a field at its default.
//  - bytes fields: padded standard base64 (Go's rules and messages:
//    "illegal base64 data at input byte 0"), or an array of numbers 0..255.
//  - int64/uint64 fields: JSON numbers or strings holding one ("12", " 12").
//  - enums: the exact name ("DESCEND") or a number in int32 range.
//  - Errors are kInvalidArgument carrying etcd's message verbatim, e.g.
//    "unexpected EOF", "invalid character '}' looking for beginning of object
//    key string", "json: cannot unmarshal number into Go value of type
//    []uint8", "unknown value \"FOO\" for enum etcdserverpb.RangeRequest_SortOrder".
//    Where several fields are bad, the first in proto field order is reported,
//    as etcd does. The streaming endpoints (watch, lease keepalive) report
//    malformed JSON with code 2 instead: their handlers re-code the Status.
//  - Semantic checks (empty key, txn op limits) are NOT done here: the store
//    and server own them, so a parsed request may still be rejected there.
//
// Responses (Encode*) are byte-for-byte what etcd's gateway prints: proto
// field order, 64-bit integers as strings, zero values and empty lists left
// out, bytes in padded base64.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::api {

// A txn may nest request_txn at most this deep (etcd has no limit; the Raft
// entry codec bounds it the same way). Deeper: kInvalidArgument
// "request_txn nested deeper than 64 levels".
inline constexpr int kMaxTxnNesting = 64;

// etcd's default --max-txn-ops, used only for the ordering rule of
// ParseTxnRequest below (the store enforces the limit itself).
inline constexpr int64_t kMaxTxnOps = 128;

// ---- Requests without a store type ----

struct StatusRequest {};
struct HashRequest {};
struct HashKvRequest {
  int64_t revision = 0;  // 0: current revision
};
// /v3/maintenance/alarm (etcd AlarmRequest). Numbers are etcd's proto enum
// values: never renumber.
struct AlarmRequest {
  enum class Action : int { kGet = 0, kActivate = 1, kDeactivate = 2 };
  enum class Type : int { kNone = 0, kNoSpace = 1, kCorrupt = 2 };
  Action action = Action::kGet;
  uint64_t member_id = 0;  // JSON "memberID"; 0 means every member
  Type alarm = Type::kNone;
};

struct MemberListRequest {};
struct MemberAddRequest {
  std::vector<std::string> peer_urls;  // JSON "peerURLs"
  bool is_learner = false;             // JSON "isLearner"
};
struct MemberRemoveRequest {
  uint64_t id = 0;  // JSON "ID"
};
struct MemberUpdateRequest {
  uint64_t id = 0;
  std::vector<std::string> peer_urls;
};
struct MemberPromoteRequest {
  uint64_t id = 0;
};

// Leases (etcd LeaseGrantRequest, LeaseRevokeRequest, LeaseKeepAliveRequest,
// LeaseTimeToLiveRequest, LeaseLeasesRequest). JSON names "TTL", "ID", "keys".
struct LeaseGrantRequest {
  int64_t ttl = 0;
  int64_t id = 0;  // 0: the server picks one
};
struct LeaseIdRequest {  // revoke and keepalive
  int64_t id = 0;
};
struct LeaseTimeToLiveRequest {
  int64_t id = 0;
  bool keys = false;
};
struct LeaseLeasesRequest {};

// ---- Parsers (POST bodies) ----

Result<store::RangeRequest> ParseRangeRequest(std::string_view body);              // /v3/kv/range
Result<store::PutRequest> ParsePutRequest(std::string_view body);                  // /v3/kv/put
Result<store::DeleteRangeRequest> ParseDeleteRangeRequest(std::string_view body);  // deleterange
// /v3/kv/txn. A RequestOp naming no request (`{}`, `{"bogus":1}`,
// `{"request_put":null}`) cannot be held by store::RequestOp, so the parser
// answers for etcd's checkTxnRequest: it fails with the first check that
// fails in etcd's order (per txn level: more than kMaxTxnOps compares or ops
// in a branch "etcdserver: too many operations in txn request"; a compare
// with an empty key "etcdserver: key is not provided"; then each op in
// success and failure order: empty key "etcdserver: key is not provided",
// put with ignore_value and a value "etcdserver: value is provided", with
// ignore_lease and a lease "etcdserver: lease is provided", the empty op
// itself "etcdserver: key not found"), exactly as etcd 3.4 does. Decoding
// errors anywhere in the body come first. Without an empty op those checks
// are left to the store. When a RequestOp names several requests (etcd then
// picks one at random), the first in proto order (range, put, delete_range,
// txn) is taken. A `null` compare is a default Compare and a `null` op an
// empty op (etcd 3.4's gateway drops the connection on both).
Result<store::TxnRequest> ParseTxnRequest(std::string_view body);
Result<store::CompactionRequest> ParseCompactionRequest(std::string_view body);  // compaction
Result<StatusRequest> ParseStatusRequest(std::string_view body);          // /v3/maintenance/status
Result<HashRequest> ParseHashRequest(std::string_view body);              // /v3/maintenance/hash
Result<HashKvRequest> ParseHashKvRequest(std::string_view body);          // /v3/maintenance/hashkv
Result<AlarmRequest> ParseAlarmRequest(std::string_view body);            // /v3/maintenance/alarm
Result<MemberListRequest> ParseMemberListRequest(std::string_view body);  // /v3/cluster/member/list
Result<MemberAddRequest> ParseMemberAddRequest(std::string_view body);    // .../member/add
Result<MemberRemoveRequest> ParseMemberRemoveRequest(std::string_view body);    // .../remove
Result<MemberUpdateRequest> ParseMemberUpdateRequest(std::string_view body);    // .../update
Result<MemberPromoteRequest> ParseMemberPromoteRequest(std::string_view body);  // .../promote
Result<LeaseGrantRequest> ParseLeaseGrantRequest(std::string_view body);        // /v3/lease/grant
Result<LeaseIdRequest> ParseLeaseRevokeRequest(std::string_view body);          // /v3/lease/revoke
// One value of the /v3/lease/keepalive stream.
Result<LeaseIdRequest> ParseLeaseKeepAliveRequest(std::string_view body);
Result<LeaseTimeToLiveRequest> ParseLeaseTimeToLiveRequest(std::string_view body);  // timetolive
Result<LeaseLeasesRequest> ParseLeaseLeasesRequest(std::string_view body);          // leases

// ---- Responses ----

// Written as given; each field is omitted when zero. Member calls carry no
// revision (etcd prints none there); a nested txn's header is empty.
struct ResponseHeader {
  uint64_t cluster_id = 0;
  uint64_t member_id = 0;
  int64_t revision = 0;
  uint64_t raft_term = 0;
};

// Appends `h` as etcd's JSON header object to `out` (the same shape in every
// response, streaming or not).
void AppendHeader(std::string& out, const ResponseHeader& h);

struct Member {
  uint64_t id = 0;   // JSON "ID"
  std::string name;  // empty until the member has started
  std::vector<std::string> peer_urls;
  std::vector<std::string> client_urls;
  bool is_learner = false;
};

// etcd 3.4 StatusResponse. raft_applied_index and db_size_in_use are printed
// by 3.4 (observed); errors and is_learner only when set.
struct StatusResponse {
  std::string version;  // e.g. "3.4.23"
  int64_t db_size = 0;
  uint64_t leader = 0;
  uint64_t raft_index = 0;
  uint64_t raft_term = 0;
  uint64_t raft_applied_index = 0;
  std::vector<std::string> errors;
  int64_t db_size_in_use = 0;
  bool is_learner = false;
};

// The top-level header's revision is `header.revision`, not the response's:
// callers normally copy the response's revision into it. Inside a txn each
// sub-response's header is {"revision":<its own revision>} and a nested
// txn's header is {}.
std::string EncodeRangeResponse(const ResponseHeader& header, const store::RangeResponse& r);
std::string EncodePutResponse(const ResponseHeader& header, const store::PutResponse& r);
std::string EncodeDeleteRangeResponse(const ResponseHeader& header,
                                      const store::DeleteRangeResponse& r);
std::string EncodeTxnResponse(const ResponseHeader& header, const store::TxnResponse& r);
std::string EncodeCompactionResponse(const ResponseHeader& header);
std::string EncodeStatusResponse(const ResponseHeader& header, const StatusResponse& r);
// {"header":..,"hash":N}: the hash is a JSON number (uint32 in the proto).
std::string EncodeHashResponse(const ResponseHeader& header, uint32_t hash);
// {"header":..,"hash":N,"compact_revision":"C"} (proto HashKVResponse; etcd
// 3.4's gateway does not route /v3/maintenance/hashkv, it answers 404).
// An alarm list: `alarms` holds (member id, alarm type) pairs. etcd 3.4 never
// puts a header in this reply (`header` is ignored): `{}` with no alarm,
// else `{"alarms":[{"memberID":"N","alarm":"NOSPACE"}]}` (zero fields omitted).
std::string EncodeAlarmResponse(const ResponseHeader& header,
                                const std::vector<std::pair<uint64_t, AlarmRequest::Type>>& alarms);
std::string EncodeHashKvResponse(const ResponseHeader& header, const store::HashResult& r);
// list, remove, update and promote: {"header":..,"members":[..]}.
std::string EncodeMembersResponse(const ResponseHeader& header, const std::vector<Member>& members);
// add: {"header":..,"member":{..},"members":[..]}.
std::string EncodeMemberAddResponse(const ResponseHeader& header, const Member& added,
                                    const std::vector<Member>& members);

// Leases. Grant: {"header","ID","TTL"}. Revoke: {"header"}. Keep-alive: one
// stream message {"result":{"header","ID","TTL"}} (no TTL when ttl is 0: an
// unknown lease), without the newline. TimeToLive: {"header","ID","TTL",
// "grantedTTL","keys"} (unknown lease: ttl -1, granted 0, no keys). Leases:
// {"header","leases":[{"ID"},...]}.
std::string EncodeLeaseGrantResponse(const ResponseHeader& header, int64_t id, int64_t ttl);
std::string EncodeLeaseRevokeResponse(const ResponseHeader& header);
std::string EncodeLeaseKeepAliveMessage(const ResponseHeader& header, int64_t id, int64_t ttl);
std::string EncodeLeaseTimeToLiveResponse(const ResponseHeader& header, int64_t id, int64_t ttl,
                                          int64_t granted_ttl,
                                          const std::vector<std::string>& keys);
std::string EncodeLeaseLeasesResponse(const ResponseHeader& header,
                                      const std::vector<int64_t>& ids);

// One KeyValue: {"key","create_revision","mod_revision","version","value","lease"}
// with zero fields omitted.
std::string EncodeKeyValue(const store::KeyValue& kv);
// One watch event: {"type":"DELETE","kv":{..},"prev_kv":{..}}; "type" only for
// deletes, "prev_kv" only when present.
std::string EncodeEvent(const store::KeyChange& change);
// A JSON array of events ("[]" when empty), for watch responses and the bus.
std::string EncodeEvents(const std::vector<store::KeyChange>& changes);

}  // namespace shadekv::api
