// The messages of the change-event bus, protocol version 1 (bus/PROTOCOL.md).
//
// Plain value types, one per message kind. The wire layout of each is given
// in PROTOCOL.md section 3 and implemented by shadekv/bus/codec.h. Key changes
// reuse the store's model (store::KeyChange), so a shadow applies exactly
// what the primary's store produced.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shadekv/store/kv_types.h"

namespace shadekv::bus {

// The protocol version every body starts with. Any change to a body's layout
// bumps it; decoders reject every other version.
inline constexpr uint64_t kProtocolVersion = 1;

// The second element of every body. On the wire: never renumber.
enum class MessageKind : uint64_t {
  kEvent = 1,
  kHeartbeat = 2,
  kCatchupRequest = 3,
  kCatchupEvents = 4,
  kSnapshotBegin = 5,
  kSnapshotChunk = 6,
  kSnapshotEnd = 7,
  kCatchupEnd = 8,
  kError = 9,
  kRequest = 10,  // plugin on_request records; never on PUB
  kAlert = 11,    // hunt alerts, on PUB under kAlertTopic
};

// The last kind this build knows (decoders reject higher numbers).
inline constexpr MessageKind kLastMessageKind = MessageKind::kAlert;

// "EVENT", "HEARTBEAT", ... ("kind 42" for a number that is not a kind).
std::string MessageKindName(uint64_t kind);

// PUB topic frames (one byte, so SUB prefix filters select a message type).
inline constexpr char kEventTopic[] = "E";
inline constexpr char kHeartbeatTopic[] = "H";
inline constexpr char kAlertTopic[] = "A";

// One committed store revision and who caused it (PROTOCOL.md: EVENT).
struct ChangeEvent {
  int64_t revision = 0;                   // >= 1
  int64_t leader_time_ms = 0;             // leader's Unix time at proposal, milliseconds
  uint64_t member_id = 0;                 // member that received the client request
  uint64_t request_id = 0;                // unique per receiving member
  std::string user;                       // authenticated user, "" when none
  std::string client_address;             // "ip:port", "" when unknown
  std::vector<store::KeyChange> changes;  // sub-revision order

  // Field by field (store::KeyChange has no operator== of its own).
  friend bool operator==(const ChangeEvent& a, const ChangeEvent& b);
};

// Who and when, as the agent knows it from the Raft entry it applied. Plain
// fields, so the bus needs nothing from the agent: the agent fills this from
// its RaftEntry envelope (origin -> member_id).
struct EventOrigin {
  int64_t leader_time_ms = 0;
  uint64_t member_id = 0;
  uint64_t request_id = 0;
  std::string user;
  std::string client_address;
};

// Builds the bus event for one applied revision from the store's apply output
// and the entry's envelope.
ChangeEvent MakeChangeEvent(const store::ChangeEvent& applied, const EventOrigin& origin);

// Sent on PUB every interval_ms by each publisher (PROTOCOL.md: HEARTBEAT).
struct Heartbeat {
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  int64_t latest_revision = 0;  // last revision this publisher published
  int64_t compact_revision = 0;
  std::string catchup_endpoint;  // where this publisher's ROUTER listens
  uint64_t interval_ms = 0;

  friend bool operator==(const Heartbeat&, const Heartbeat&) = default;
};

// DEALER -> ROUTER: "send me everything from from_revision on".
struct CatchupRequest {
  uint64_t tag = 0;  // echoed in every reply
  int64_t from_revision = 1;
  uint64_t max_events = 1000;     // per CATCHUP_EVENTS chunk
  uint64_t max_bytes = 1u << 20;  // per chunk, unless a single event is larger

  friend bool operator==(const CatchupRequest&, const CatchupRequest&) = default;
};

// A chunk of contiguous events; each element is an encoded EVENT body, kept
// as bytes so it is handed to plugins exactly as the publisher produced it.
struct CatchupEvents {
  uint64_t tag = 0;
  uint64_t seq = 0;
  std::vector<std::string> events;

  friend bool operator==(const CatchupEvents&, const CatchupEvents&) = default;
};

struct SnapshotBegin {
  uint64_t tag = 0;
  uint64_t seq = 0;
  int64_t revision = 0;  // the store revision the snapshot holds
  uint64_t total_bytes = 0;

  friend bool operator==(const SnapshotBegin&, const SnapshotBegin&) = default;
};

struct SnapshotChunk {
  uint64_t tag = 0;
  uint64_t seq = 0;
  std::string data;

  friend bool operator==(const SnapshotChunk&, const SnapshotChunk&) = default;
};

struct SnapshotEnd {
  uint64_t tag = 0;
  uint64_t seq = 0;
  uint32_t crc32 = 0;  // of the concatenated chunk data

  friend bool operator==(const SnapshotEnd&, const SnapshotEnd&) = default;
};

struct CatchupEnd {
  uint64_t tag = 0;
  uint64_t seq = 0;
  int64_t last_revision = 0;  // last revision this stream delivered

  friend bool operator==(const CatchupEnd&, const CatchupEnd&) = default;
};

struct ErrorReply {
  uint64_t tag = 0;   // 0 when the request could not be decoded
  uint64_t code = 0;  // shadekv::StatusCode number
  std::string message;

  friend bool operator==(const ErrorReply&, const ErrorReply&) = default;
};

// What became of one client request, as the agent saw it (PROTOCOL.md:
// REQUEST). Handed to plugins' on_request, denied requests included, so an
// audit trail and a hunter see attempts as well as committed changes.
enum class RequestOutcome : uint64_t {
  kOk = 0,      // served
  kDenied = 1,  // refused by authentication or authorization
  kFailed = 2,  // refused for another reason (bad input, compacted, no leader...)
};

struct RequestRecord {
  int64_t time_ms = 0;         // receiving member's Unix time when answered, ms
  uint64_t member_id = 0;      // member that received the request
  uint64_t request_id = 0;     // as in the EVENT it produced, 0 when none
  std::string user;            // authenticated user, "" when none
  std::string client_address;  // "ip:port"
  std::string operation;       // gateway path, e.g. "/v3/kv/put"
  std::string key;             // the key or range start it names, "" when none
  std::string range_end;       // "" for a single key
  RequestOutcome outcome = RequestOutcome::kOk;
  uint64_t code = 0;     // shadekv::StatusCode number (0 when served)
  std::string message;   // error message, "" when served
  int64_t revision = 0;  // revision it produced or read at, 0 when none

  friend bool operator==(const RequestRecord&, const RequestRecord&) = default;
};

// "OK", "DENIED", "FAILED" ("outcome 7" for an unknown number).
std::string RequestOutcomeName(RequestOutcome outcome);

// A security finding of the hunt plugin (PROTOCOL.md: ALERT), with the
// EVENT and REQUEST bodies that triggered it, byte for byte.
struct Alert {
  int64_t time_ms = 0;  // when the rule fired, Unix ms
  std::string rule;     // the rule's name from the rules file
  std::string rule_type;
  std::string severity;               // "low", "medium", "high", "critical"
  std::string summary;                // one human sentence
  std::vector<std::string> events;    // EVENT bodies
  std::vector<std::string> requests;  // REQUEST bodies

  friend bool operator==(const Alert&, const Alert&) = default;
};

}  // namespace shadekv::bus
