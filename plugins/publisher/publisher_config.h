// The publisher plugin's settings (`--plugin-config publisher.KEY=VALUE`),
// parsed and checked without touching a socket.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "shadekv/common/status.h"

namespace shadekv::publisher {

struct PublisherConfig {
  std::string listen = "tcp://127.0.0.1:2390";   // PUB (publisher.listen)
  std::string catchup = "tcp://127.0.0.1:2391";  // ROUTER (publisher.catchup)
  uint64_t heartbeat_ms = 1000;                  // publisher.heartbeat_ms
  int send_hwm = 10000;                          // publisher.send_hwm: PUB messages per subscriber
  // publisher.max_chunks: CATCHUP_EVENTS per request before an early
  // CATCHUP_END, so one subscriber cannot hold the I/O thread for long.
  uint64_t max_chunks_per_request = 16;
  // CURVE on PUB and ROUTER (bus/PROTOCOL.md section 5), both or neither:
  // publisher.curve_key = PREFIX of the publisher's keypair (PREFIX.key),
  // publisher.curve_authorized = FILE|DIR of subscriber public keys allowed
  // to connect. The files are read by Publisher::Start. Empty: plaintext.
  std::string curve_key;
  std::string curve_authorized;
};

// Later entries win (plugin.h's convention). Unknown keys, empty endpoints
// and values that are not positive integers in range are kInvalidArgument
// naming the key; so is one of curve_key / curve_authorized without the other.
Result<PublisherConfig> ParsePublisherConfig(
    const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace shadekv::publisher
