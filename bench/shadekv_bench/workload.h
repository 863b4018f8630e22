// What each workload sends and how its answers are judged, as pure
// functions: key names, JSON request bodies of the etcd v3 gateway, and the
// classification of a reply into "ok" or an error kind. The load runner
// (request_load.h) owns sockets, threads and clocks; this file owns none.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include "bench/shadekv_bench/bench_flags.h"
#include "shadekv/common/status.h"

namespace shadekv::bench {

// Keys are prefix + a zero-padded index filling the key to key_size bytes,
// so every key of a run has the same size and sorts in index order.
// kInvalidArgument when prefix plus the digits of key_space_size - 1 do not
// fit in key_size (the message says which key size would).
Status ValidateKeyLayout(const std::string& prefix, int key_size, int64_t key_space_size);
std::string KeyOf(const std::string& prefix, int key_size, int64_t index);

// The first key after every key that starts with `prefix` (etcd's prefix
// end); `prefix` must hold a byte other than 0xff.
std::string PrefixEnd(std::string prefix);

// Picks the key index of request `n`: n mod key_space_size with
// --sequential-keys, else uniform at random. One per client thread.
class KeyChooser {
 public:
  KeyChooser(int64_t key_space_size, bool sequential, uint64_t seed)
      : key_space_size_(key_space_size), sequential_(sequential), rng_(seed) {}
  int64_t Next(int64_t n);

 private:
  int64_t key_space_size_;
  bool sequential_;
  std::mt19937_64 rng_;
};

// Request bodies (key and value as raw bytes; base64 is applied here).
std::string PutBody(std::string_view key, std::string_view value);
std::string PutWithLeaseBody(std::string_view key, std::string_view value, int64_t lease_id);
std::string RangeBody(std::string_view key, bool serializable);
// Compare-and-put: succeeds when the key's mod_revision is below INT64_MAX,
// which holds for every key (a missing one counts as 0), so every request
// runs the compare and the put.
std::string TxnPutBody(std::string_view key, std::string_view value);
std::string DeleteBody(std::string_view key);
std::string CountPrefixBody(const std::string& prefix);
std::string LeaseGrantBody(int64_t ttl_s);
std::string LeaseIdBody(int64_t lease_id);

// How one reply was judged. `kind` is "" for a good reply, else a short
// stable error kind for the "errors by kind" report, e.g. "http_503",
// "grpc_code_8", "bad_response", "key_missing", "txn_not_succeeded".
struct ReplyVerdict {
  std::string kind;
  std::string detail;  // the first bytes of the reply, for the first-error line
  bool ok() const { return kind.empty(); }
};

// A reply of any unary call: HTTP status and body. A non-200 answer maps to
// "grpc_code_N" when the body carries the gateway's {"code":N}, else "http_S".
ReplyVerdict JudgeReply(Workload workload, int http_status, std::string_view body,
                        bool is_range_in_mixed);

// Field readers for the setup steps and the check (kInvalidArgument when absent).
Result<int64_t> ReadCount(std::string_view range_reply);  // "count" (absent = 0)
Result<int64_t> ReadLeaseId(std::string_view grant_reply);
// "deleted" of a deleterange reply (absent = 0).
Result<int64_t> ReadDeleted(std::string_view delete_reply);

}  // namespace shadekv::bench
