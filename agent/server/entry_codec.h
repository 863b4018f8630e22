// The payload of a Raft log entry: what the leader proposes and every member
// applies, MessagePack-encoded.
//
// An entry is an envelope (who asked, from where, when, which request) around
// one operation on the store. Entries live forever in Raft logs and
// snapshots, so the layout is a persisted format: see the grammar and the
// never-renumber rules in entry_codec.cc. Decoding treats its input as
// hostile: truncated, oversized, mistyped or unknown input is an error that
// names the field path, never a crash or a partial result.
//
// Pure functions, no I/O; any thread may call them concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "agent/auth/auth_state.h"
#include "agent/server/alarm_types.h"
#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"

namespace shadekv::agent {

// Bumped only for incompatible layout changes; decoding refuses others.
inline constexpr uint64_t kEntryFormatVersion = 1;

// How deep request_txn may nest inside a Txn op (the etcd JSON codec enforces
// the same bound on input, so anything it accepts encodes).
inline constexpr int kMaxEntryTxnNesting = 64;

// Op tags, one space for top-level ops and txn sub-requests. Persisted in
// every Raft log: never renumber, never reuse. Ranges reserved for later op
// kinds: 16-31 leases (16-18 taken), 32-63 auth, 64-79 membership, 80-95
// maintenance (80 taken).
enum class EntryOpTag : uint32_t {
  kRange = 1,  // only inside a txn
  kPut = 2,
  kDeleteRange = 3,
  kTxn = 4,
  kCompaction = 5,        // only at top level
  kLeaseGrant = 16,       // only at top level
  kLeaseRevoke = 17,      // only at top level
  kLeaseCheckpoint = 18,  // only at top level
  // 32-42: auth::AuthChange, tag = kAuthChangeBase + AuthChange::Kind (top level only).
  kAuthChangeBase = 32,
  kMemberAttributes = 64,  // only at top level: a member publishes its name and client URLs
  kAlarm = 80,             // only at top level: raise or clear an alarm (alarm_types.h)
};

// etcd's "publish": once a member serves, it announces the name and client
// URLs the others cannot know from its peer URL alone.
struct MemberAttributes {
  uint64_t member_id = 0;
  std::string name;
  std::vector<std::string> client_urls;

  friend bool operator==(const MemberAttributes&, const MemberAttributes&) = default;
};

// Creates lease `id` (already chosen by the proposer, never 0) with `ttl`
// seconds (already raised to the minimum and checked against the maximum).
struct LeaseGrant {
  int64_t id = 0;
  int64_t ttl = 0;
  friend bool operator==(const LeaseGrant&, const LeaseGrant&) = default;
};

// Deletes every key attached to lease `id` at one revision and forgets the
// lease; a client's revoke or the leader's expiry. Unknown id: no change.
struct LeaseRevoke {
  int64_t id = 0;
  friend bool operator==(const LeaseRevoke&, const LeaseRevoke&) = default;
};

// The leader's record of leases' remaining TTLs, so that a new leader does
// not restart long leases from their full TTL (etcd's LeaseCheckpoint).
// remaining_ttl 0 clears a checkpoint (after a keep-alive).
struct LeaseCheckpoint {
  struct Item {
    int64_t id = 0;
    int64_t remaining_ttl = 0;
    friend bool operator==(const Item&, const Item&) = default;
  };
  std::vector<Item> checkpoints;
  friend bool operator==(const LeaseCheckpoint&, const LeaseCheckpoint&) = default;
};

// Auth changes (users, roles, permissions, enable/disable) carry password
// hashes, never passwords: the receiving member hashes before proposing.
using EntryOp = std::variant<store::PutRequest, store::DeleteRangeRequest, store::TxnRequest,
                             store::CompactionRequest, MemberAttributes, LeaseGrant, LeaseRevoke,
                             LeaseCheckpoint, auth::AuthChange, AlarmChange>;

struct RaftEntry {
  uint64_t request_id = 0;     // unique per origin member; matches the answer to the waiter
  uint64_t origin = 0;         // member id that received the client request
  std::string user;            // authenticated user, empty when auth is off
  std::string client_address;  // "ip:port" of the client, for audit
  int64_t leader_time_ms = 0;  // leader's wall clock at proposal, Unix milliseconds
  EntryOp op;
};

// Bounds checked while decoding so a forged length cannot make us allocate
// without limit. Far above anything a healthy leader writes (etcd's request
// limit is 1.5 MiB).
struct EntryLimits {
  size_t max_entry_bytes = 64u << 20;
  size_t max_list_items = 1u << 16;     // compares or ops in one txn branch
  size_t max_string_bytes = 64u << 10;  // user, client address
};

// Encodes `entry`. Cannot fail; a txn nested deeper than kMaxEntryTxnNesting
// still encodes but will not decode, so callers validate input first (the
// JSON codec does).
std::string EncodeRaftEntry(const RaftEntry& entry);

// Errors are kInvalidArgument "raft entry: <path>: <problem>", e.g.
// "raft entry: op.body.success[1].body.key: expected bin, got str",
// "raft entry: truncated (12 bytes)", "raft entry: version 2 is not supported ...".
Result<RaftEntry> DecodeRaftEntry(std::string_view bytes, const EntryLimits& limits = {});

}  // namespace shadekv::agent
