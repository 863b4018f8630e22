// MessagePack codec for the frames Raft members send each other over ZeroMQ.
//
// One frame carries a batch of Raft messages from one member, so a Ready's
// messages to one peer cost one ZeroMQ send. Decoding treats its input as
// hostile: anything truncated, oversized, mistyped or from another cluster is
// an error value naming what was wrong, never a crash or a partial result.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shadekv/common/status.h"
#include "shadekv/raft/raw_node.h"

namespace shadekv::agent {

// Bumped only for incompatible layout changes; a member refuses other versions.
inline constexpr uint64_t kPeerFrameVersion = 1;

// Bounds applied while decoding, so a forged length prefix cannot make us
// allocate without limit. They are far above what a healthy member sends.
struct PeerFrameLimits {
  size_t max_frame_bytes = 64u << 20;
  size_t max_messages = 65536;
  size_t max_entries_per_message = 1u << 20;
};

struct PeerFrame {
  uint64_t cluster_id = 0;
  raft::NodeId from = raft::kNoNode;
  std::vector<raft::Message> messages;
};

// Appends nothing on failure; encoding cannot fail for valid messages.
std::string EncodePeerFrame(const PeerFrame& frame);

// Errors are kInvalidArgument with the field and the problem, e.g.
// "peer frame: message 3: entries[7].data: expected bin, got str".
Result<PeerFrame> DecodePeerFrame(std::string_view bytes, const PeerFrameLimits& limits = {});

}  // namespace shadekv::agent
