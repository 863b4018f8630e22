// Term handling, elections and the follower side of the protocol. See raft.h.
#include "agent/raft/raft.h"

#include <algorithm>
#include <string>
#include <utility>

#include "agent/raft/invariant.h"
#include "agent/raft/quorum.h"

namespace shadekv::raft {

Raft::Raft(const Config& config)
    : id_(config.id),
      election_timeout_(config.election_tick),
      heartbeat_timeout_(config.heartbeat_tick),
      max_size_per_msg_(config.max_size_per_msg),
      max_inflight_(config.max_inflight_msgs),
      max_proposal_bytes_(config.max_proposal_bytes),
      max_snapshot_chunk_bytes_(config.max_snapshot_chunk_bytes),
      pre_vote_(config.pre_vote),
      check_quorum_(config.check_quorum),
      log_(config.storage),
      rng_(config.seed) {}

Result<std::unique_ptr<Raft>> Raft::Create(const Config& config) {
  if (config.id == kNoNode) return Status::InvalidArgument("raft: config id must not be 0");
  if (config.storage == nullptr) return Status::InvalidArgument("raft: config storage is null");
  if (config.heartbeat_tick <= 0) {
    return Status::InvalidArgument("raft: heartbeat_tick must be positive");
  }
  if (config.election_tick <= config.heartbeat_tick) {
    return Status::InvalidArgument("raft: election_tick (" + std::to_string(config.election_tick) +
                                   ") must be greater than heartbeat_tick (" +
                                   std::to_string(config.heartbeat_tick) + ")");
  }
  if (config.max_inflight_msgs <= 0) {
    return Status::InvalidArgument("raft: max_inflight_msgs must be positive");
  }
  if (config.max_snapshot_chunk_bytes == 0) {
    return Status::InvalidArgument("raft: max_snapshot_chunk_bytes must be positive");
  }
  SHADEKV_ASSIGN_OR_RETURN(InitialState initial, config.storage->LoadInitialState());
  std::unique_ptr<Raft> raft(new Raft(config));
  raft->SetConfig(initial.conf_state);
  const HardState& hs = initial.hard_state;
  if (!hs.empty()) {
    if (hs.commit < raft->log_.committed() || hs.commit > raft->log_.LastIndex()) {
      return Status::DataLoss("raft: persisted commit " + std::to_string(hs.commit) +
                              " is outside the log [" + std::to_string(raft->log_.committed()) +
                              ", " + std::to_string(raft->log_.LastIndex()) + "]");
    }
    raft->log_.CommitTo(hs.commit);
    raft->term_ = hs.term;
    raft->vote_ = hs.vote;
  }
  if (config.applied > raft->log_.LastIndex()) {
    return Status::InvalidArgument("raft: applied " + std::to_string(config.applied) +
                                   " is beyond the last log index " +
                                   std::to_string(raft->log_.LastIndex()));
  }
  // A host may apply committed entries before the batch that carries their
  // commit index is persisted (Ready); after a crash in between, the state
  // machine is ahead of the persisted commit. It applies only committed
  // entries, so its applied index is itself proof of commitment.
  if (config.applied > raft->log_.committed()) raft->log_.CommitTo(config.applied);
  if (config.applied > raft->log_.applied()) raft->log_.AppliedTo(config.applied);
  raft->BecomeFollower(raft->term_, kNoNode);
  return raft;
}

ConfState Raft::conf_state() const {
  return ConfState{std::vector<NodeId>(voters_.begin(), voters_.end()),
                   std::vector<NodeId>(learners_.begin(), learners_.end())};
}

NodeStatus Raft::GetStatus() const {
  NodeStatus status;
  status.id = id_;
  status.hard_state = hard_state();
  status.soft_state = soft_state();
  status.applied = log_.applied();
  status.last_index = log_.LastIndex();
  status.conf_state = conf_state();
  status.lead_transferee = lead_transferee_;
  if (role_ == Role::kLeader) {
    for (const auto& [id, pr] : progress_) status.progress[id] = pr.ToPublic();
  }
  return status;
}

void Raft::Send(Message m) {
  m.from = m.from == kNoNode ? id_ : m.from;
  // Proposals and read requests are forwarded without a term: the leader
  // treats them as local requests (etcd semantics). Vote traffic sets its
  // term explicitly; everything else carries the current term.
  if (m.term == 0 && m.type != MessageType::kProp && m.type != MessageType::kReadIndex) {
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

// ---- Role changes (§5.2, Figure 2 "Rules for Servers") ----

void Raft::ResetRandomizedElectionTimeout() {
  // §5.2: randomized in [election_timeout, 2*election_timeout) to split votes
  // rarely; the jitter comes from the seeded generator only.
  randomized_election_timeout_ =
      election_timeout_ + static_cast<int>(rng_() % static_cast<uint64_t>(election_timeout_));
}

void Raft::Reset(uint64_t term) {
  if (term < term_) {
    InvariantViolated("term going backwards from " + std::to_string(term_) + " to " +
                      std::to_string(term));
  }
  if (term != term_) {
    term_ = term;
    vote_ = kNoNode;
    receiving_snapshot_ = false;
    incoming_snapshot_ = Snapshot{};
  }
  lead_ = kNoNode;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedElectionTimeout();
  AbortLeaderTransfer();
  votes_.clear();
  const uint64_t last = log_.LastIndex();
  for (auto& [node, pr] : progress_) {
    const bool learner = pr.learner;
    pr = PeerProgress(last + 1, max_inflight_, learner);
    if (node == id_) pr.match = last;
  }
  pending_conf_index_ = 0;
  read_only_.Reset();
  pending_read_index_messages_.clear();
}

void Raft::BecomeFollower(uint64_t term, NodeId lead) {
  Reset(term);
  lead_ = lead;
  role_ = Role::kFollower;
}

void Raft::BecomePreCandidate() {
  // Thesis §9.6: a pre-candidate neither bumps its term nor votes, so a node
  // that cannot win does not disrupt the cluster.
  if (role_ == Role::kLeader) InvariantViolated("leader cannot become pre-candidate");
  votes_.clear();
  lead_ = kNoNode;
  role_ = Role::kPreCandidate;
}

void Raft::BecomeCandidate() {
  if (role_ == Role::kLeader) InvariantViolated("leader cannot become candidate");
  Reset(term_ + 1);  // §5.2: increment currentTerm, vote for self
  vote_ = id_;
  role_ = Role::kCandidate;
}

void Raft::BecomeLeader() {
  if (role_ == Role::kFollower) InvariantViolated("follower cannot become leader directly");
  Reset(term_);
  lead_ = id_;
  role_ = Role::kLeader;
  if (auto it = progress_.find(id_); it != progress_.end()) it->second.BecomeReplicate();
  // The log may hold unapplied conf changes: be conservative (thesis §4.1).
  pending_conf_index_ = log_.LastIndex();
  // §5.4.2 / thesis §6.4: an empty entry of the new term lets the leader
  // commit (and learn the commit index) without waiting for a proposal.
  AppendEntries({Entry{}});
}

// ---- Elections (§5.2, thesis §9.6) ----

void Raft::Hup(CampaignKind kind) {
  if (role_ == Role::kLeader) return;
  if (!Promotable()) return;  // learners and non-members never campaign
  // Membership takes effect when applied: a node must apply every committed
  // conf change before it may lead with the configuration it knows.
  if (log_.HasUnappliedConfChange()) return;
  if (kind == CampaignKind::kTransfer) {
    Campaign(CampaignKind::kTransfer);
  } else {
    Campaign(pre_vote_ ? CampaignKind::kPreElection : CampaignKind::kElection);
  }
}

void Raft::Campaign(CampaignKind kind) {
  MessageType vote_type;
  uint64_t vote_term;
  if (kind == CampaignKind::kPreElection) {
    BecomePreCandidate();
    vote_type = MessageType::kPreVote;
    vote_term = term_ + 1;  // the term we would campaign in
  } else {
    BecomeCandidate();
    vote_type = MessageType::kVote;
    vote_term = term_;
  }
  if (Poll(id_, true) == VoteResult::kWon) {
    // Single-voter configuration: we won on our own vote.
    if (kind == CampaignKind::kPreElection) {
      Campaign(CampaignKind::kElection);
    } else {
      BecomeLeader();
    }
    return;
  }
  for (NodeId voter : voters_) {
    if (voter == id_) continue;
    Message m;
    m.type = vote_type;
    m.to = voter;
    m.term = vote_term;
    m.index = log_.LastIndex();
    m.log_term = log_.LastTerm();
    if (kind == CampaignKind::kTransfer) m.context = kTransferContext;
    Send(std::move(m));
  }
}

VoteResult Raft::Poll(NodeId from, bool granted) {
  votes_.emplace(from, granted);  // the first answer from a node counts
  return TallyVotes(voters_, votes_);
}

void Raft::HandleVoteRequest(const Message& m) {
  const MessageType resp_type =
      m.type == MessageType::kVote ? MessageType::kVoteResp : MessageType::kPreVoteResp;
  // §5.2: at most one vote per term (first come, first served); a pre-vote
  // for a future term does not bind us.
  const bool can_vote = vote_ == m.from || (vote_ == kNoNode && lead_ == kNoNode) ||
                        (m.type == MessageType::kPreVote && m.term > term_);
  Message resp;
  resp.type = resp_type;
  resp.to = m.from;
  // §5.4.1 election restriction: only for a log at least as up-to-date.
  if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
    resp.term = m.term;  // a pre-vote grant names the future term
    if (m.type == MessageType::kVote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
  }
  Send(std::move(resp));
}

// ---- Step: term handling first (Figure 2 "All Servers"), then by role ----

Status Raft::Step(const Message& m) {
  if (m.term > term_ && m.term != 0) {
    if (m.type == MessageType::kVote || m.type == MessageType::kPreVote) {
      // Leader lease (thesis §4.2.3, §9.6): while we heard from a live leader
      // within the election timeout, ignore requests to replace it, unless
      // the leader itself asked for it (leader transfer).
      const bool forced = m.context == kTransferContext;
      const bool in_lease =
          check_quorum_ && lead_ != kNoNode && election_elapsed_ < election_timeout_;
      if (!forced && in_lease) return Status::Ok();
    }
    if (m.type == MessageType::kPreVote) {
      // Never change term on a pre-vote request (thesis §9.6).
    } else if (m.type == MessageType::kPreVoteResp && !m.reject) {
      // A granted pre-vote names the term we will campaign in; the term is
      // bumped only if we win the pre-election.
    } else if (m.type == MessageType::kApp || m.type == MessageType::kHeartbeat ||
               m.type == MessageType::kSnap) {
      BecomeFollower(m.term, m.from);
    } else {
      BecomeFollower(m.term, kNoNode);
    }
  } else if (m.term < term_ && m.term != 0) {
    if ((check_quorum_ || pre_vote_) &&
        (m.type == MessageType::kHeartbeat || m.type == MessageType::kApp)) {
      // A stale leader (e.g. after a partition) would otherwise never learn
      // the new term, since with CheckQuorum/PreVote nobody campaigns at it.
      Message resp;
      resp.type = MessageType::kAppResp;
      resp.to = m.from;
      Send(std::move(resp));
    } else if (m.type == MessageType::kPreVote) {
      // Tell a stale pre-candidate our term so it stops campaigning.
      Message resp;
      resp.type = MessageType::kPreVoteResp;
      resp.to = m.from;
      resp.term = term_;
      resp.reject = true;
      Send(std::move(resp));
    }
    return Status::Ok();  // §5.1: stale-term requests are ignored
  }

  switch (m.type) {
    case MessageType::kHup:
      Hup(CampaignKind::kPreElection);
      return Status::Ok();
    case MessageType::kVote:
    case MessageType::kPreVote:
      HandleVoteRequest(m);
      return Status::Ok();
    default:
      break;
  }
  switch (role_) {
    case Role::kLeader:
      return StepLeader(m);
    case Role::kPreCandidate:
    case Role::kCandidate:
      return StepCandidate(m);
    case Role::kFollower:
      return StepFollower(m);
  }
  return Status::Ok();
}

Status Raft::StepCandidate(const Message& m) {
  const MessageType my_resp =
      role_ == Role::kPreCandidate ? MessageType::kPreVoteResp : MessageType::kVoteResp;
  switch (m.type) {
    case MessageType::kProp:
      return Status::Unavailable("raft: no leader");
    case MessageType::kApp:
      BecomeFollower(m.term, m.from);  // §5.2: a leader of our term exists
      HandleAppendEntries(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      BecomeFollower(m.term, m.from);
      HandleHeartbeat(m);
      return Status::Ok();
    case MessageType::kSnap:
      BecomeFollower(m.term, m.from);
      HandleSnapshotChunk(m);
      return Status::Ok();
    case MessageType::kVoteResp:
    case MessageType::kPreVoteResp:
      if (m.type != my_resp) return Status::Ok();
      switch (Poll(m.from, !m.reject)) {
        case VoteResult::kWon:
          if (role_ == Role::kPreCandidate) {
            Campaign(CampaignKind::kElection);
          } else {
            BecomeLeader();
            BcastAppend();
          }
          break;
        case VoteResult::kLost:
          BecomeFollower(term_, kNoNode);
          break;
        case VoteResult::kPending:
          break;
      }
      return Status::Ok();
    default:
      return Status::Ok();  // kTimeoutNow, kReadIndex, ...: no leader to act for
  }
}

Status Raft::StepFollower(const Message& m) {
  switch (m.type) {
    case MessageType::kProp:
      if (lead_ == kNoNode) {
        if (learners_.count(id_) != 0) {
          return Status::FailedPrecondition("raft: learner has no leader to forward to");
        }
        return Status::Unavailable("raft: no leader");
      }
      {
        Message forward = m;
        forward.to = lead_;
        Send(std::move(forward));
      }
      return Status::Ok();
    case MessageType::kApp:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleAppendEntries(m);
      return Status::Ok();
    case MessageType::kHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      return Status::Ok();
    case MessageType::kSnap:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleSnapshotChunk(m);
      return Status::Ok();
    case MessageType::kTransferLeader:
    case MessageType::kReadIndex:
      if (lead_ != kNoNode) {
        Message forward = m;
        forward.to = lead_;
        forward.term = 0;
        Send(std::move(forward));
      }
      return Status::Ok();
    case MessageType::kTimeoutNow:
      // Thesis §3.10: the leader asks us to campaign now, skipping pre-vote
      // and the lease (our vote requests carry the transfer context).
      Hup(CampaignKind::kTransfer);
      return Status::Ok();
    case MessageType::kReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context});
      return Status::Ok();
    default:
      return Status::Ok();
  }
}

// ---- Follower side of replication ----

void Raft::HandleAppendEntries(const Message& m) {
  Message resp;
  resp.type = MessageType::kAppResp;
  resp.to = m.from;
  if (m.index < log_.committed()) {
    // Everything up to commit already matches (Log Matching, §5.3).
    resp.index = log_.committed();
    Send(std::move(resp));
    return;
  }
  if (std::optional<uint64_t> last_new =
          log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries)) {
    resp.index = *last_new;
    Send(std::move(resp));
    return;
  }
  // §5.3 consistency check failed. Hint the leader past a whole term of
  // mismatching entries at once (the optimization at the end of §5.3): the
  // largest index at or below the probe whose term is <= the leader's term.
  const uint64_t hint_index = std::min(m.index, log_.LastIndex());
  auto [index, term] = log_.FindConflictByTerm(hint_index, m.log_term);
  resp.index = m.index;
  resp.reject = true;
  resp.reject_hint = index;
  resp.log_term = term;
  Send(std::move(resp));
}

void Raft::HandleHeartbeat(const Message& m) {
  // The leader never sends a commit beyond our match; clamp anyway so a
  // corrupted message cannot trip the commit invariant.
  log_.CommitTo(std::min(m.commit, log_.LastIndex()));
  Message resp;
  resp.type = MessageType::kHeartbeatResp;
  resp.to = m.from;
  resp.context = m.context;
  Send(std::move(resp));
}

void Raft::HandleSnapshotChunk(const Message& m) {
  // §7 InstallSnapshot: chunks arrive in order; "create new snapshot file if
  // first chunk (offset is 0)", otherwise the chunk must continue exactly
  // where the buffer ends, for the same snapshot.
  if (m.chunk_offset == 0) {
    receiving_snapshot_ = true;
    incoming_snapshot_ = Snapshot{m.snapshot.meta, m.snapshot.data};
  } else if (!receiving_snapshot_ || incoming_snapshot_.meta != m.snapshot.meta ||
             incoming_snapshot_.data.size() != m.chunk_offset) {
    receiving_snapshot_ = false;
    incoming_snapshot_ = Snapshot{};
    Message resp;
    resp.type = MessageType::kAppResp;
    resp.to = m.from;
    resp.index = m.snapshot.meta.index;
    resp.reject = true;
    resp.reject_hint = log_.LastIndex();
    resp.context = kSnapshotRejectContext;
    Send(std::move(resp));
    return;
  } else {
    incoming_snapshot_.data += m.snapshot.data;
  }
  if (!m.chunk_last) return;
  Snapshot snapshot = std::move(incoming_snapshot_);
  incoming_snapshot_ = Snapshot{};
  receiving_snapshot_ = false;
  Message resp;
  resp.type = MessageType::kAppResp;
  resp.to = m.from;
  resp.index = Restore(snapshot) ? log_.LastIndex() : log_.committed();
  Send(std::move(resp));
}

bool Raft::Restore(const Snapshot& snapshot) {
  if (snapshot.meta.index <= log_.committed()) return false;  // stale
  if (log_.MatchTerm(snapshot.meta.index, snapshot.meta.term)) {
    // §7: "if existing log entry has same index and term as snapshot's last
    // included entry, retain log entries following it".
    log_.CommitTo(snapshot.meta.index);
    return false;
  }
  // §7: "discard the entire log"; the membership comes from the snapshot.
  log_.Restore(snapshot);
  SetConfig(snapshot.meta.conf_state);
  return true;
}

// ---- Local requests ----

void Raft::Tick() {
  if (role_ == Role::kLeader) {
    TickHeartbeat();
  } else {
    TickElection();
  }
}

void Raft::TickElection() {
  ++election_elapsed_;
  if (Promotable() && election_elapsed_ >= randomized_election_timeout_) {
    election_elapsed_ = 0;
    Message hup;
    hup.type = MessageType::kHup;
    hup.from = id_;
    (void)Step(hup);
  }
}

Status Raft::Propose(std::string data, EntryType type) {
  Message m;
  m.type = MessageType::kProp;
  m.from = id_;
  m.entries.push_back(Entry{0, 0, type, std::move(data)});
  return Step(m);
}

Status Raft::ProposeMany(std::vector<std::string> data) {
  Message m;
  m.type = MessageType::kProp;
  m.from = id_;
  m.entries.reserve(data.size());
  for (std::string& one : data)
    m.entries.push_back(Entry{0, 0, EntryType::kNormal, std::move(one)});
  return Step(m);
}

void Raft::ReadIndex(std::string ctx) {
  Message m;
  m.type = MessageType::kReadIndex;
  m.from = id_;
  m.context = std::move(ctx);
  (void)Step(m);
}

void Raft::TransferLeader(NodeId transferee) {
  if (role_ == Role::kLeader) {
    HandleTransferLeader(transferee);
  } else if (role_ == Role::kFollower && lead_ != kNoNode && transferee != kNoNode) {
    Message m;
    m.type = MessageType::kTransferLeader;
    m.from = transferee;  // etcd convention: `from` names the transferee
    m.to = lead_;
    Send(std::move(m));
  }
}

void Raft::ReportSnapshot(NodeId peer, bool success) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(peer);
  if (it == progress_.end() || it->second.state != Progress::State::kSnapshot) return;
  PeerProgress& pr = it->second;
  if (!success) pr.pending_snapshot = 0;  // resend from scratch when probed
  pr.BecomeProbe();
  // Wait for the follower's kAppResp (or a heartbeat answer) before probing.
  pr.probe_sent = true;
}

void Raft::ReportUnreachable(NodeId peer) {
  if (role_ != Role::kLeader) return;
  auto it = progress_.find(peer);
  if (it != progress_.end() && it->second.state == Progress::State::kReplicate) {
    it->second.BecomeProbe();  // stop streaming into the void
  }
}

}  // namespace shadekv::raft
