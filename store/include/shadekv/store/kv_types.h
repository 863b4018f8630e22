// Request and response types of the MVCC key-value store, mirroring etcd v3's
// rpc.proto and kv.proto so the etcd JSON gateway maps them field by field.
//
// Revisions, versions and lease ids are int64_t like etcd's. Keys and values
// are arbitrary bytes held in std::string. A zero (or empty) field means "not
// set", exactly as in proto3: e.g. RangeRequest::revision 0 reads the current
// revision, an empty range_end names a single key.
//
// The numeric values of every enum below are etcd's proto numbers. They are
// persisted inside Raft entries and snapshots by later issues: never renumber.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace shadekv::store {

// One version of one key (etcd mvccpb.KeyValue).
struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;  // revision of the put that created the key
  int64_t mod_revision = 0;     // revision of the last change to the key
  int64_t version = 0;          // number of puts since creation (1 after creation)
  int64_t lease = 0;            // attached lease id, 0 for none

  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

enum class SortOrder : int { kNone = 0, kAscend = 1, kDescend = 2 };
enum class SortTarget : int { kKey = 0, kVersion = 1, kCreate = 2, kMod = 3, kValue = 4 };

// Range rules (etcd 3.4):
//  - key must not be empty ("etcdserver: key is not provided");
//  - range_end empty: exactly `key`; range_end "\0": every key >= key;
//    otherwise the half-open interval [key, range_end), empty when
//    range_end <= key.
struct RangeRequest {
  std::string key;
  std::string range_end;
  int64_t limit = 0;     // 0: no limit
  int64_t revision = 0;  // <= 0: current revision
  SortOrder sort_order = SortOrder::kNone;
  SortTarget sort_target = SortTarget::kKey;
  bool serializable = false;  // carried for the gateway; the store ignores it
  bool keys_only = false;
  bool count_only = false;
  int64_t min_mod_revision = 0;  // 0: no filter
  int64_t max_mod_revision = 0;
  int64_t min_create_revision = 0;
  int64_t max_create_revision = 0;
};

struct RangeResponse {
  int64_t revision = 0;  // header: store's current revision (also for reads at old revisions)
  std::vector<KeyValue> kvs;
  bool more = false;  // more keys matched than `limit` returned
  int64_t count = 0;  // keys in the range at the read revision, ignoring limit and filters
};

struct PutRequest {
  std::string key;
  std::string value;
  int64_t lease = 0;
  bool prev_kv = false;       // return the previous version
  bool ignore_value = false;  // keep the current value (key must exist, value must be empty)
  bool ignore_lease = false;  // keep the current lease (key must exist, lease must be 0)
};

struct PutResponse {
  int64_t revision = 0;
  std::optional<KeyValue> prev_kv;
};

struct DeleteRangeRequest {
  std::string key;
  std::string range_end;  // same rules as RangeRequest::range_end
  bool prev_kv = false;
};

struct DeleteRangeResponse {
  int64_t revision = 0;
  int64_t deleted = 0;
  std::vector<KeyValue> prev_kvs;  // filled when prev_kv was asked, in key order
};

// Deletes exactly the listed keys at one revision (keys that do not exist are
// skipped). Not an etcd request: revoking a lease deletes every key attached
// to it in one revision however many there are, so the txn op limit (128)
// cannot apply. Answered with a DeleteRangeResponse (prev_kvs not filled).
struct DeleteKeysRequest {
  std::vector<std::string> keys;
};

// One txn guard (etcd Compare). Only the field named by `target` is used.
struct Compare {
  enum class Result : int { kEqual = 0, kGreater = 1, kLess = 2, kNotEqual = 3 };
  enum class Target : int { kVersion = 0, kCreate = 1, kMod = 2, kValue = 3, kLease = 4 };

  Result result = Result::kEqual;
  Target target = Target::kVersion;
  std::string key;
  std::string range_end;  // same rules as RangeRequest; the compare must hold for every key
  int64_t version = 0;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  std::string value;
  int64_t lease = 0;
};

struct TxnRequest;
struct TxnResponse;

// A txn operation. TxnRequest is held through a pointer because it nests.
struct RequestOp {
  std::variant<RangeRequest, PutRequest, DeleteRangeRequest, std::shared_ptr<const TxnRequest>>
      request;
};

struct ResponseOp {
  std::variant<RangeResponse, PutResponse, DeleteRangeResponse, std::shared_ptr<TxnResponse>>
      response;
};

struct TxnRequest {
  std::vector<Compare> compare;
  std::vector<RequestOp> success;
  std::vector<RequestOp> failure;
};

struct TxnResponse {
  int64_t revision = 0;
  bool succeeded = false;
  std::vector<ResponseOp> responses;
};

// Compacts history before `revision`: reads below it fail from then on, reads
// at `revision` itself still work.
struct CompactionRequest {
  int64_t revision = 0;
  bool physical = false;  // carried for the gateway; deletion always runs via CompactStep
};

struct CompactionResponse {
  int64_t revision = 0;
};

// One key change inside a revision.
struct KeyChange {
  // Never renumber (etcd mvccpb.Event.EventType).
  enum class Type : int { kPut = 0, kDelete = 1 };
  Type type = Type::kPut;
  // For kPut the new version; for kDelete only key and mod_revision are set
  // (what etcd reports for a DELETE event).
  KeyValue kv;
  std::optional<KeyValue> prev_kv;  // the version before the change, if it existed
};

// All changes made at one revision, in sub-revision order.
struct ChangeEvent {
  int64_t revision = 0;
  std::vector<KeyChange> changes;
  // The caller's opaque bytes stored with this revision
  // (WriteRequest::annotation); empty when none were given.
  std::string annotation;
};

}  // namespace shadekv::store
