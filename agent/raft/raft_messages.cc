// Validation of messages received from the network. See raft.h.
//
// Anything may arrive from the wire; nothing that arrives may abort the
// process or corrupt state. Step() applies these rules before a message
// reaches the state machine, and a message that fails them changes nothing:
//
//  1. Local kinds (kHup, kBeat, kSnapStatus, kUnreachable) and unknown type
//     numbers are refused; so are messages without a sender, from ourselves,
//     or addressed to another node.
//  2. Every kind except kProp and kReadIndex (which, as in etcd, are forwarded
//     without a term) must carry a term, and no term may be implausibly large
//     (>= 2^62: it would overflow when we campaign).
//  3. Sender membership. Messages that only a member can legitimately send to
//     us - answers to our requests (kAppResp, kHeartbeatResp, kVoteResp,
//     kPreVoteResp) and requests for leader action (kProp, kReadIndex,
//     kTransferLeader), plus kTimeoutNow (it forces an election) - are refused
//     unless the sender is in our configuration. Messages sent by a leader or
//     a candidate (kApp, kHeartbeat, kSnap, kReadIndexResp, kVote, kPreVote)
//     are accepted from any sender, as etcd does: our applied configuration
//     may lag the cluster's (a joining node knows no configuration until its
//     first snapshot; a slow follower may not yet have applied the entry that
//     added the current leader), and Raft's safety does not depend on who
//     sent them. A removed node that keeps campaigning is contained by PreVote
//     and the leader lease.
//  4. Content: kApp entries must be contiguous right after `index`, with
//     terms non-decreasing, not below log_term and not above the message term,
//     and conf change entries that decode;
//     kSnap needs a real snapshot index/term no newer than the message term and
//     an offset that does not overflow; kProp needs entries within
//     max_proposal_bytes, and conf change entries must decode.
#include <string>

#include "agent/raft/raft.h"

namespace shadekv::raft {
namespace {

bool IsLocal(MessageType type) {
  return type == MessageType::kHup || type == MessageType::kBeat ||
         type == MessageType::kSnapStatus || type == MessageType::kUnreachable;
}

bool RequiresMemberSender(MessageType type) {
  switch (type) {
    case MessageType::kAppResp:
    case MessageType::kHeartbeatResp:
    case MessageType::kVoteResp:
    case MessageType::kPreVoteResp:
    case MessageType::kProp:
    case MessageType::kReadIndex:
    case MessageType::kTransferLeader:
    case MessageType::kTimeoutNow:
      return true;
    default:
      return false;
  }
}

// Terms grow by one per election; anything near 2^64 is garbage, and would
// overflow when this node campaigns.
constexpr uint64_t kMaxPlausibleTerm = uint64_t{1} << 62;

bool ValidEntryType(EntryType type) {
  return type == EntryType::kNormal || type == EntryType::kConfChange;
}

}  // namespace

Status Raft::ValidateIncoming(const Message& m) const {
  const auto refuse = [&](const std::string& why) {
    return Status::InvalidArgument("raft: refused message type " +
                                   std::to_string(static_cast<int>(m.type)) + " from " +
                                   std::to_string(m.from) + ": " + why);
  };
  if (static_cast<int>(m.type) > static_cast<int>(MessageType::kUnreachable)) {
    return refuse("unknown message type");
  }
  if (IsLocal(m.type)) return refuse("local message type");
  if (m.from == kNoNode) return refuse("no sender");
  if (m.from == id_) return refuse("sender is this node");
  if (m.to != id_) return refuse("addressed to " + std::to_string(m.to));
  if (m.term == 0 && m.type != MessageType::kProp && m.type != MessageType::kReadIndex) {
    return refuse("missing term");
  }
  if (m.term > kMaxPlausibleTerm) return refuse("implausible term " + std::to_string(m.term));
  if (RequiresMemberSender(m.type) && !InConfig(m.from)) {
    return refuse("sender is not a member of the configuration");
  }
  switch (m.type) {
    case MessageType::kProp:
      if (m.entries.empty()) return refuse("empty proposal");
      for (const Entry& e : m.entries) {
        if (!ValidEntryType(e.type)) return refuse("unknown entry type");
        if (e.data.size() > max_proposal_bytes_) {
          return refuse("proposal of " + std::to_string(e.data.size()) +
                        " bytes exceeds max_proposal_bytes");
        }
        if (e.type == EntryType::kConfChange && !DecodeConfChange(e.data).ok()) {
          return refuse("undecodable conf change");
        }
      }
      break;
    case MessageType::kApp: {
      uint64_t prev_term = m.log_term;
      if (m.log_term > m.term) return refuse("log_term above message term");
      for (size_t i = 0; i < m.entries.size(); ++i) {
        const Entry& e = m.entries[i];
        if (m.index + 1 + i < m.index || e.index != m.index + 1 + i) {
          return refuse("entries do not follow index " + std::to_string(m.index) + " contiguously");
        }
        if (e.term < prev_term || e.term > m.term || e.term == 0) {
          return refuse("entry " + std::to_string(e.index) + " has out-of-order term " +
                        std::to_string(e.term));
        }
        if (!ValidEntryType(e.type)) return refuse("unknown entry type");
        if (e.type == EntryType::kConfChange && !DecodeConfChange(e.data).ok()) {
          return refuse("entry " + std::to_string(e.index) + " holds an undecodable conf change");
        }
        prev_term = e.term;
      }
      break;
    }
    case MessageType::kSnap:
      if (m.snapshot.meta.index == 0 || m.snapshot.meta.term == 0 ||
          m.snapshot.meta.term > m.term) {
        return refuse("snapshot index/term invalid");
      }
      if (m.chunk_offset + m.snapshot.data.size() < m.chunk_offset) {
        return refuse("snapshot chunk offset overflows");
      }
      break;
    default:
      break;
  }
  return Status::Ok();
}

}  // namespace shadekv::raft
