// The leader side of the protocol: replication and flow control (§5.3),
// commitment (§5.4.2), snapshots for lagging followers (§7), CheckQuorum
// (thesis §6.2), leader transfer (thesis §3.10), ReadIndex (thesis §6.4) and
// membership changes taking effect (thesis §4.1). See raft.h.
#include <algorithm>
#include <string>
#include <utility>

#include "agent/raft/invariant.h"
#include "agent/raft/quorum.h"
#include "agent/raft/raft.h"

namespace shadekv::raft {

Status Raft::StepLeader(const Message& m) {
  switch (m.type) {
    case MessageType::kBeat:
      BcastHeartbeat();
      return Status::Ok();
    case MessageType::kProp:
      return LeaderPropose(m);
    case MessageType::kReadIndex:
      HandleReadIndexRequest(m);
      return Status::Ok();
    case MessageType::kTransferLeader:
      HandleTransferLeader(m.from);
      return Status::Ok();
    default:
      break;
  }
  auto it = progress_.find(m.from);
  if (it == progress_.end()) return Status::Ok();  // not (or no longer) a member
  PeerProgress& pr = it->second;
  switch (m.type) {
    case MessageType::kAppResp:
      HandleAppendResponse(m, pr);
      break;
    case MessageType::kHeartbeatResp:
      HandleHeartbeatResponse(m, pr);
      break;
    default:
      break;  // stale vote answers etc.
  }
  return Status::Ok();
}

Status Raft::LeaderPropose(const Message& m) {
  if (m.entries.empty()) return Status::InvalidArgument("raft: empty proposal");
  if (progress_.count(id_) == 0) {
    return Status::FailedPrecondition("raft: leader is no longer a member of the configuration");
  }
  if (lead_transferee_ != kNoNode) {
    return Status::FailedPrecondition("raft: leader transfer to " +
                                      std::to_string(lead_transferee_) + " in progress");
  }
  std::vector<Entry> entries = m.entries;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].type != EntryType::kConfChange) continue;
    // Thesis §4.1: one membership change at a time; the next may start only
    // once the previous one has been applied.
    if (pending_conf_index_ > log_.applied()) {
      if (m.from == id_) {
        return Status::FailedPrecondition("raft: a configuration change is still pending (index " +
                                          std::to_string(pending_conf_index_) + ", applied " +
                                          std::to_string(log_.applied()) + ")");
      }
      // A forwarded change cannot be refused to its proposer: replace it by
      // an empty entry (etcd does the same), so it is simply never applied.
      entries[i] = Entry{};
    } else {
      pending_conf_index_ = log_.LastIndex() + i + 1;
    }
  }
  AppendEntries(std::move(entries));
  BcastAppend();
  return Status::Ok();
}

void Raft::AppendEntries(std::vector<Entry> entries) {
  const uint64_t last = log_.LastIndex();
  for (size_t i = 0; i < entries.size(); ++i) {
    entries[i].term = term_;
    entries[i].index = last + 1 + i;
  }
  const uint64_t new_last = log_.Append(entries);
  // The leader counts its own (soon persisted) entries toward the quorum;
  // the host persists them before sending anything that depends on them.
  if (auto it = progress_.find(id_); it != progress_.end()) it->second.MaybeUpdate(new_last);
  MaybeCommit();
}

bool Raft::MaybeSendAppend(NodeId to, bool send_if_empty) {
  auto it = progress_.find(to);
  if (it == progress_.end()) return false;
  PeerProgress& pr = it->second;
  if (pr.IsPaused()) return false;
  Result<uint64_t> prev_term = log_.Term(pr.next - 1);
  Result<std::vector<Entry>> entries = log_.EntriesFrom(pr.next, max_size_per_msg_);
  if (prev_term.ok() && entries.ok() && entries->empty() && !send_if_empty) return false;
  if (!prev_term.ok() || !entries.ok()) {
    // §7: the entries the follower needs were compacted; send a snapshot.
    return SendSnapshot(to, pr);
  }
  Message m;
  m.type = MessageType::kApp;
  m.to = to;
  m.index = pr.next - 1;
  m.log_term = *prev_term;
  m.entries = std::move(entries).value();
  m.commit = log_.committed();
  if (!m.entries.empty()) {
    const uint64_t last = m.entries.back().index;
    switch (pr.state) {
      case Progress::State::kReplicate:
        // Pipelining: assume delivery and keep streaming, bounded by inflights.
        pr.OptimisticUpdate(last);
        pr.inflights.Add(last);
        break;
      case Progress::State::kProbe:
        pr.probe_sent = true;  // one probe at a time until the match is found
        break;
      case Progress::State::kSnapshot:
        InvariantViolated("sending kApp to a follower in snapshot state");
    }
  }
  Send(std::move(m));
  return true;
}

bool Raft::SendSnapshot(NodeId to, PeerProgress& pr) {
  // Only to a follower we know is alive: a snapshot is expensive.
  if (!pr.recent_active) return false;
  Result<Snapshot> snapshot = log_.GetSnapshot();
  if (!snapshot.ok()) {
    if (IsUnavailable(snapshot.status())) return false;  // retried on a later heartbeat answer
    InvariantViolated("storage cannot produce a snapshot: " + snapshot.status().ToString());
  }
  if (snapshot->empty()) InvariantViolated("need a snapshot to send but storage has none");
  pr.BecomeSnapshot(snapshot->meta.index);
  // §7 InstallSnapshot in chunks (`offset`, `done`); the meta travels with
  // every chunk so the follower can check that chunks belong together.
  const std::string& data = snapshot->data;
  uint64_t offset = 0;
  do {
    const uint64_t n = std::min<uint64_t>(max_snapshot_chunk_bytes_, data.size() - offset);
    Message m;
    m.type = MessageType::kSnap;
    m.to = to;
    m.snapshot.meta = snapshot->meta;
    m.snapshot.data = data.substr(offset, n);
    m.chunk_offset = offset;
    m.chunk_last = offset + n == data.size();
    Send(std::move(m));
    offset += n;
  } while (offset < data.size());
  return true;
}

void Raft::BcastAppend() {
  for (const auto& [node, pr] : progress_) {
    if (node != id_) SendAppend(node);
  }
}

void Raft::BcastHeartbeat() { BcastHeartbeatWithContext(read_only_.LastPendingCtx()); }

void Raft::BcastHeartbeatWithContext(const std::string& ctx) {
  for (const auto& [node, pr] : progress_) {
    if (node != id_) SendHeartbeat(node, ctx);
  }
}

void Raft::SendHeartbeat(NodeId to, const std::string& ctx) {
  // The follower may not have the leader's whole log yet: only tell it a
  // commit index it is known to match.
  Message m;
  m.type = MessageType::kHeartbeat;
  m.to = to;
  m.commit = std::min(progress_.at(to).match, log_.committed());
  m.context = ctx;
  Send(std::move(m));
}

std::map<NodeId, uint64_t> Raft::MatchIndexes() const {
  std::map<NodeId, uint64_t> match;
  for (const auto& [node, pr] : progress_) match[node] = pr.match;
  return match;
}

bool Raft::MaybeCommit() {
  if (voters_.empty()) return false;
  // §5.3/§5.4.2 (Figure 8): the majority-replicated index commits only if its
  // entry is from the current term.
  return log_.MaybeCommit(CommittedIndex(voters_, MatchIndexes()), term_);
}

void Raft::HandleAppendResponse(const Message& m, PeerProgress& pr) {
  pr.recent_active = true;
  if (m.reject) {
    if (m.context == kSnapshotRejectContext) {
      // The follower dropped our snapshot chunks: start over when probed.
      if (pr.state == Progress::State::kSnapshot && m.index == pr.pending_snapshot) {
        pr.pending_snapshot = 0;
        pr.BecomeProbe();
      }
      return;
    }
    // §5.3 with fast backtracking: skip every entry of the follower's
    // conflicting term in one step.
    uint64_t next_probe = m.reject_hint;
    if (m.log_term > 0) next_probe = log_.FindConflictByTerm(m.reject_hint, m.log_term).first;
    if (pr.MaybeDecrTo(m.index, next_probe)) {
      if (pr.state == Progress::State::kReplicate) pr.BecomeProbe();
      SendAppend(m.from);
    }
    return;
  }
  if (m.index > log_.LastIndex()) return;  // cannot acknowledge entries we never had
  const bool was_paused = pr.IsPaused();
  if (!pr.MaybeUpdate(m.index)) return;
  switch (pr.state) {
    case Progress::State::kProbe:
      pr.BecomeReplicate();
      break;
    case Progress::State::kSnapshot:
      if (pr.match >= pr.pending_snapshot) {
        pr.BecomeProbe();
        pr.BecomeReplicate();
      }
      break;
    case Progress::State::kReplicate:
      pr.inflights.FreeLE(m.index);
      break;
  }
  if (MaybeCommit()) {
    ReleasePendingReadIndexMessages();
    BcastAppend();  // tell everyone the new commit index
  } else if (was_paused) {
    SendAppend(m.from);
  }
  while (MaybeSendAppend(m.from, false)) {
  }
  // Thesis §3.10: once the transferee is caught up, tell it to campaign.
  if (m.from == lead_transferee_ && pr.match == log_.LastIndex()) SendTimeoutNow(m.from);
}

void Raft::HandleHeartbeatResponse(const Message& m, PeerProgress& pr) {
  pr.recent_active = true;
  pr.probe_sent = false;
  if (pr.state == Progress::State::kReplicate && pr.inflights.Full()) pr.inflights.FreeFirstOne();
  if (pr.match < log_.LastIndex()) SendAppend(m.from);
  if (m.context.empty()) return;
  // Thesis §6.4 step 3: a majority answered the heartbeat round that carried
  // this read's context, so we were still leader when it arrived.
  std::set<NodeId> acks = read_only_.RecvAck(m.from, m.context);
  if (!QuorumActive(voters_, acks)) return;
  for (const PendingRead& read : read_only_.Advance(m.context)) {
    RespondToRead(read.requester, read.index, read.ctx);
  }
}

bool Raft::CommittedEntryInCurrentTerm() const {
  return log_.TermOrZero(log_.committed()) == term_;
}

void Raft::HandleReadIndexRequest(const Message& m) {
  if (m.context.empty()) return;  // an empty ctx cannot be told apart from "no read"
  if (voters_.size() == 1 && voters_.count(id_) != 0) {
    // A single voter is its own quorum.
    RespondToRead(m.from, log_.committed(), m.context);
    return;
  }
  // Thesis §6.4 step 1: until an entry of this term commits, the leader does
  // not know the true commit index; hold the request until then.
  if (!CommittedEntryInCurrentTerm()) {
    pending_read_index_messages_.push_back(m);
    return;
  }
  read_only_.AddRequest(log_.committed(), m.from, m.context);
  read_only_.RecvAck(id_, m.context);
  BcastHeartbeatWithContext(m.context);
}

void Raft::ReleasePendingReadIndexMessages() {
  if (pending_read_index_messages_.empty() || !CommittedEntryInCurrentTerm()) return;
  std::vector<Message> pending = std::exchange(pending_read_index_messages_, {});
  for (const Message& m : pending) HandleReadIndexRequest(m);
}

void Raft::RespondToRead(NodeId requester, uint64_t index, const std::string& ctx) {
  if (requester == id_ || requester == kNoNode) {
    read_states_.push_back(ReadState{index, ctx});
    return;
  }
  Message m;
  m.type = MessageType::kReadIndexResp;
  m.to = requester;
  m.index = index;
  m.context = ctx;
  Send(std::move(m));
}

void Raft::HandleTransferLeader(NodeId transferee) {
  // Thesis §3.10. Transfers to learners, non-members or ourselves are ignored.
  if (voters_.count(transferee) == 0 || transferee == id_) return;
  if (lead_transferee_ != kNoNode) {
    if (lead_transferee_ == transferee) return;  // already under way
    AbortLeaderTransfer();
  }
  // The transfer must finish within an election timeout or it is aborted.
  election_elapsed_ = 0;
  lead_transferee_ = transferee;
  if (progress_.at(transferee).match == log_.LastIndex()) {
    SendTimeoutNow(transferee);
  } else {
    SendAppend(transferee);  // catch it up first
  }
}

void Raft::SendTimeoutNow(NodeId to) {
  Message m;
  m.type = MessageType::kTimeoutNow;
  m.to = to;
  Send(std::move(m));
}

void Raft::TickHeartbeat() {
  ++heartbeat_elapsed_;
  ++election_elapsed_;
  for (auto& [node, pr] : progress_) {
    if (pr.state != Progress::State::kSnapshot) continue;
    if (++pr.snapshot_ticks >= kSnapshotTimeoutElections * election_timeout_) {
      pr.pending_snapshot = 0;  // outcome unknown: start over when probed
      pr.BecomeProbe();
    }
  }
  if (election_elapsed_ >= election_timeout_) {
    election_elapsed_ = 0;
    if (check_quorum_) {
      // Thesis §6.2: a leader that has not heard from a majority within an
      // election timeout steps down, so clients find the real leader.
      std::set<NodeId> active{id_};
      for (auto& [node, pr] : progress_) {
        if (node == id_) continue;
        if (pr.recent_active) active.insert(node);
        pr.recent_active = false;
      }
      if (!QuorumActive(voters_, active)) {
        BecomeFollower(term_, kNoNode);
        return;
      }
    }
    if (lead_transferee_ != kNoNode) AbortLeaderTransfer();  // thesis §3.10
  }
  if (heartbeat_elapsed_ >= heartbeat_timeout_) {
    heartbeat_elapsed_ = 0;
    BcastHeartbeat();
  }
}

// ---- Membership (thesis §4.1) ----

void Raft::SetConfig(const ConfState& conf) {
  voters_ = std::set<NodeId>(conf.voters.begin(), conf.voters.end());
  learners_ = std::set<NodeId>(conf.learners.begin(), conf.learners.end());
  for (NodeId v : voters_) learners_.erase(v);
  progress_.clear();
  const uint64_t last = log_.LastIndex();
  for (NodeId v : voters_) progress_.emplace(v, PeerProgress(last + 1, max_inflight_, false));
  for (NodeId l : learners_) progress_.emplace(l, PeerProgress(last + 1, max_inflight_, true));
  if (auto it = progress_.find(id_); it != progress_.end()) it->second.match = last;
}

void Raft::AddNode(NodeId node, bool learner) {
  (learner ? learners_ : voters_).insert(node);
  // Next = last index (not last+1) so the very first probe carries an entry
  // and goes out even when nothing new is proposed (etcd does the same).
  PeerProgress pr(std::max<uint64_t>(log_.LastIndex(), 1), max_inflight_, learner);
  // A new member has had no chance to answer yet: do not let CheckQuorum
  // count it as dead right away.
  pr.recent_active = true;
  progress_.insert_or_assign(node, std::move(pr));
}

ConfState Raft::ApplyConfChange(const ConfChange& change) {
  if (change.node_id == kNoNode) return conf_state();
  const NodeId node = change.node_id;
  switch (change.type) {
    case ConfChangeType::kAddVoter:
      if (voters_.count(node) != 0) break;
      if (learners_.erase(node) != 0) {
        voters_.insert(node);  // promote: keep its replication progress
        progress_.at(node).learner = false;
      } else {
        AddNode(node, false);
      }
      break;
    case ConfChangeType::kAddLearner:
      // Adding an existing member as a learner (demotion) is not a single
      // safe step here: ignored.
      if (InConfig(node)) break;
      AddNode(node, true);
      break;
    case ConfChangeType::kRemoveNode:
      voters_.erase(node);
      learners_.erase(node);
      progress_.erase(node);
      break;
  }
  if (role_ == Role::kLeader) {
    if (!Promotable()) {
      // Thesis §4.2.2: a removed leader steps down once the change is
      // applied. Its followers already heard the commit index (every commit
      // advance is broadcast), and they elect a new leader among themselves.
      BecomeFollower(term_, kNoNode);
    } else {
      // A smaller quorum may commit more; a new member gets probed.
      if (MaybeCommit()) {
        ReleasePendingReadIndexMessages();
        BcastAppend();
      } else {
        for (const auto& [peer, pr] : progress_) {
          if (peer != id_) MaybeSendAppend(peer, false);
        }
      }
      if (lead_transferee_ != kNoNode && voters_.count(lead_transferee_) == 0) {
        AbortLeaderTransfer();
      }
    }
  }
  return conf_state();
}

}  // namespace shadekv::raft
