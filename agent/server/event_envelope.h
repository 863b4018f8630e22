// The event envelope: who caused a revision and when, as the agent knows it
// from the Raft entry that made it. Stored with each revision as the store's
// opaque annotation (store::WriteRequest::annotation), so an event read back
// from history carries the same envelope as the one published live, and
// every member (which applies the same entries) stores the same bytes.
//
// Persisted layout (never renumber; a change bumps the version):
//   envelope := array(6) [uint version = 1, int leader_time_ms,
//                         uint member_id, uint request_id, str user,
//                         str client_address]
// Pure functions: no I/O, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "agent/server/entry_codec.h"
#include "shadekv/bus/messages.h"
#include "shadekv/common/status.h"

namespace shadekv::agent {

inline constexpr uint64_t kEventEnvelopeVersion = 1;

// The envelope of `entry` (origin -> member_id).
bus::EventOrigin EnvelopeOf(const RaftEntry& entry);

// Canonical bytes (smallest integer forms): equal envelopes, equal bytes.
std::string EncodeEventEnvelope(const bus::EventOrigin& origin);

// Errors: kInvalidArgument "event envelope: <path>: <problem>" for anything
// truncated, foreign, of another version, or with trailing bytes.
Result<bus::EventOrigin> DecodeEventEnvelope(std::string_view bytes);

}  // namespace shadekv::agent
