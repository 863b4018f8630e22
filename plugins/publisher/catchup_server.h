// Serves one CATCHUP_REQUEST (bus/PROTOCOL.md section 3) from the host's
// history or snapshot, writing the reply stream through `send`. No sockets:
// the publisher's catch-up thread supplies `send` (one ROUTER reply each).
//
// Memory stays bounded: events are read in chunks of at most max_events
// (capped here), and a snapshot is spooled to an unlinked temporary file
// (SNAPSHOT_BEGIN must announce its size before the first chunk), then
// streamed from it chunk by chunk.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "shadekv/bus/messages.h"
#include "shadekv/plugin.h"

namespace shadekv::publisher {

struct CatchupLimits {
  uint64_t max_events_per_chunk = 1000;  // caps the request's max_events
  uint64_t max_bytes_per_chunk = 4u << 20;
  uint64_t max_chunks_per_request = 16;  // then CATCHUP_END early
  // When set and true, the stream stops as soon as it can: between chunks
  // and inside a history read or snapshot export (their sinks say STOPPED).
  const std::atomic<bool>* stop = nullptr;
};

// Returns false when the peer cannot be reached: the stream is abandoned.
using ReplySender = std::function<bool(const std::string& body)>;

// Answers `request` completely (ending with CATCHUP_END or ERROR).
void ServeCatchup(const shadekv_plugin_host& host, const bus::CatchupRequest& request,
                  const CatchupLimits& limits, const ReplySender& send);

}  // namespace shadekv::publisher
