// The Raft host loop: timer, network, requests, and Ready batches in order.
#include "agent/server/raft_driver.h"

#include <Poco/Logger.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <utility>

#include "agent/server/member_directory.h"

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.raft"); }

// The leader keys pending reads by ctx alone, so a ctx must be unique across
// members: it carries the requesting member's id next to its round number.
std::string EncodeReadCtx(raft::NodeId self, uint64_t ctx) {
  std::string bytes(16, '\0');
  std::memcpy(bytes.data(), &self, 8);
  std::memcpy(bytes.data() + 8, &ctx, 8);
  return bytes;
}

bool DecodeReadCtx(const std::string& bytes, raft::NodeId self, uint64_t* ctx) {
  raft::NodeId from = raft::kNoNode;
  if (bytes.size() != 16) return false;
  std::memcpy(&from, bytes.data(), 8);
  std::memcpy(ctx, bytes.data() + 8, 8);
  return from == self;
}

Status NoLeader() { return Status::Unavailable("etcdserver: no leader"); }
Status Stopping() { return Status::Unavailable("etcdserver: server stopped"); }

}  // namespace

// The log as the core sees it, except that a snapshot is always cut fresh
// from the state machine at its applied index: the image and its metadata
// then describe the same moment, whatever was compacted before.
class RaftDriver::SnapshotStorage : public raft::Storage {
 public:
  SnapshotStorage(store::RaftLogStore* log, StateMachine* sm, const raft::ConfState* conf)
      : log_(log), sm_(sm), conf_(conf) {}

  Result<raft::InitialState> LoadInitialState() const override { return log_->LoadInitialState(); }
  Result<std::vector<raft::Entry>> Entries(uint64_t lo, uint64_t hi,
                                           uint64_t max_bytes) const override {
    return log_->Entries(lo, hi, max_bytes);
  }
  Result<uint64_t> Term(uint64_t index) const override { return log_->Term(index); }
  uint64_t FirstIndex() const override { return log_->FirstIndex(); }
  uint64_t LastIndex() const override { return log_->LastIndex(); }

  Result<raft::Snapshot> GetSnapshot() const override {
    raft::Snapshot snapshot;
    snapshot.meta.index = sm_->AppliedIndex();
    SHADEKV_ASSIGN_OR_RETURN(snapshot.meta.term, log_->Term(snapshot.meta.index));
    snapshot.meta.conf_state = *conf_;
    SHADEKV_ASSIGN_OR_RETURN(snapshot.data, sm_->SnapshotImage());
    return snapshot;
  }

 private:
  store::RaftLogStore* const log_;
  StateMachine* const sm_;
  const raft::ConfState* const conf_;
};

RaftDriver::RaftDriver(const RaftDriverOptions& options, store::RaftLogStore* log,
                       StateMachine* state_machine)
    : options_(options),
      log_(log),
      state_machine_(state_machine),
      // Ids from an earlier run of this member may still sit in the log; a
      // random base keeps a restarted member from matching them.
      next_request_id_(
          (static_cast<uint64_t>(std::rand()) << 32) ^
          static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {}

Result<std::unique_ptr<RaftDriver>> RaftDriver::Start(const RaftDriverOptions& options,
                                                      store::RaftLogStore* log,
                                                      StateMachine* state_machine,
                                                      zmq::context_t& zmq_context) {
  if (options.id == raft::kNoNode) return Status::InvalidArgument("raft driver: member id is 0");
  if (options.tick_interval.count() <= 0) {
    return Status::InvalidArgument("raft driver: the heartbeat interval must be positive");
  }
  std::unique_ptr<RaftDriver> driver(new RaftDriver(options, log, state_machine));

  SHADEKV_ASSIGN_OR_RETURN(raft::InitialState initial, log->LoadInitialState());
  driver->conf_state_ = initial.conf_state;
  // Like request ids, read rounds of a restarted member must not match rounds
  // of its earlier run still pending at the leader.
  driver->next_read_ctx_ = driver->next_request_id_.load();
  driver->last_compaction_index_ = log->FirstIndex() - 1;
  driver->storage_ = std::make_unique<SnapshotStorage>(log, state_machine, &driver->conf_state_);

  raft::Config config;
  config.id = options.id;
  config.election_tick = options.election_ticks;
  config.heartbeat_tick = 1;
  config.storage = driver->storage_.get();
  config.applied = state_machine->AppliedIndex();
  config.max_proposal_bytes = options.max_proposal_bytes;
  config.seed = options.seed;
  SHADEKV_ASSIGN_OR_RETURN(driver->node_, raft::RawNode::Create(config));
  // The voters as the log knows them; before a new cluster's bootstrap conf
  // changes are applied, the members it was started with.
  std::vector<raft::NodeId> voters = initial.conf_state.voters;
  if (voters.empty()) {
    voters.push_back(options.id);
    for (const auto& [id, url] : options.peers) voters.push_back(id);
  }
  driver->start_campaign_ = *std::min_element(voters.begin(), voters.end()) == options.id;
  driver->start_campaign_until_ =
      std::chrono::steady_clock::now() + options.tick_interval * options.election_ticks;

  PeerTransportOptions transport_options;
  transport_options.cluster_id = options.cluster_id;
  transport_options.self = options.id;
  transport_options.curve = options.peer_curve;
  SHADEKV_ASSIGN_OR_RETURN(driver->transport_, PeerTransport::Create(zmq_context, transport_options,
                                                                     options.listen_peer_url));
  driver->bound_peer_endpoint_ = driver->transport_->bound_endpoint();
  for (const auto& [id, url] : options.peers) {
    SHADEKV_RETURN_IF_ERROR(driver->transport_->AddPeer(id, url));
  }

  if (options.metrics != nullptr) {
    driver->fsync_latency_ = options.metrics->Latency("shadekv_disk_wal_fsync_duration_seconds",
                                                      "Latency of synced Raft log writes");
    driver->apply_latency_ = options.metrics->Latency("shadekv_server_apply_duration_seconds",
                                                      "Latency of applying one committed entry");
  }
  driver->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (driver->wake_fd_ < 0) {
    return Status::Unavailable(std::string("raft driver: eventfd: ") + std::strerror(errno));
  }
  driver->UpdateStats();
  driver->thread_ = std::thread([d = driver.get()] { d->Run(); });
  return driver;
}

RaftDriver::~RaftDriver() {
  stop_ = true;
  Wake();
  if (thread_.joinable()) thread_.join();
  if (wake_fd_ >= 0) close(wake_fd_);
}

uint64_t RaftDriver::NextRequestId() { return next_request_id_.fetch_add(1); }

void RaftDriver::Wake() {
  if (wake_fd_ < 0) return;
  // Proposals arriving while the loop is busy (persisting, applying) all
  // wait for the same drain: one eventfd write wakes it for all of them.
  if (wake_pending_.exchange(true, std::memory_order_acq_rel)) return;
  uint64_t one = 1;
  // A full counter still wakes the loop; nothing to do on failure.
  [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
}

std::future<Result<store::ApplyResult>> RaftDriver::Propose(uint64_t request_id,
                                                            std::string payload) {
  std::promise<Result<store::ApplyResult>> promise;
  std::future<Result<store::ApplyResult>> future = promise.get_future();
  if (payload.size() > options_.max_proposal_bytes) {
    promise.set_value(Status::InvalidArgument("etcdserver: request is too large"));
    return future;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      promise.set_value(Stopping());
      return future;
    }
    proposal_waiters_.emplace(request_id, std::move(promise));
    queued_proposals_.push_back({request_id, std::move(payload)});
  }
  Wake();
  return future;
}

void RaftDriver::Abandon(uint64_t request_id) {
  std::lock_guard<std::mutex> lock(mu_);
  proposal_waiters_.erase(request_id);
}

std::future<Status> RaftDriver::ReadBarrier() {
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      promise.set_value(Stopping());
      return future;
    }
    queued_reads_.push_back(std::move(promise));
  }
  Wake();
  return future;
}

std::future<Status> RaftDriver::ProposeConfChange(const raft::ConfChange& change) {
  std::promise<Status> promise;
  std::future<Status> future = promise.get_future();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) {
      promise.set_value(Stopping());
      return future;
    }
    queued_conf_changes_.push_back({change, std::move(promise)});
  }
  Wake();
  return future;
}

void RaftDriver::TransferLeadership(raft::NodeId transferee) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_transfers_.push_back(transferee);
  }
  Wake();
}

RaftDriverStats RaftDriver::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  RaftDriverStats stats = stats_;
  stats.proposals_pending = proposal_waiters_.size();
  return stats;
}

bool RaftDriver::WaitForLeader(std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  return leader_known_.wait_for(lock, timeout, [&] { return stats_.leader != raft::kNoNode; });
}

void RaftDriver::CampaignAtStart() {
  if (!start_campaign_) return;
  const auto now = std::chrono::steady_clock::now();
  const raft::SoftState soft = node_->GetStatus().soft_state;
  if (soft.leader != raft::kNoNode || soft.role == raft::Role::kCandidate ||
      soft.role == raft::Role::kLeader || now >= start_campaign_until_) {
    // From here on, elections follow the randomized timeouts.
    start_campaign_ = false;
    return;
  }
  if (now < next_start_campaign_) return;
  node_->Campaign();
  // Refused (still a follower) until the log's conf changes are applied,
  // which the next Ready does: try again in a millisecond. After a
  // pre-campaign, often enough that peers starting a few milliseconds after
  // us are found at once, rarely enough to cost nothing.
  const bool refused = node_->GetStatus().soft_state.role == raft::Role::kFollower;
  next_start_campaign_ = now + std::chrono::milliseconds(refused ? 1 : 5);
}

std::chrono::milliseconds RaftDriver::StartCampaignWait(std::chrono::milliseconds wait) const {
  if (!start_campaign_) return wait;
  auto until_next = std::chrono::duration_cast<std::chrono::milliseconds>(
      next_start_campaign_ - std::chrono::steady_clock::now());
  return std::max(std::chrono::milliseconds(0), std::min(wait, until_next));
}

void RaftDriver::Run() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point next_tick = Clock::now() + options_.tick_interval;
  zmq::pollitem_t items[2] = {transport_->InboundPollItem(), {nullptr, wake_fd_, ZMQ_POLLIN, 0}};
  while (!stop_) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - Clock::now());
    if (wait.count() < 0) wait = std::chrono::milliseconds(0);
    wait = StartCampaignWait(wait);
    // Wait for whichever comes first: a peer frame, a request from another
    // thread (eventfd), or the next tick.
    std::vector<PeerFrame> frames;
    try {
      zmq::poll(items, 2, wait);
    } catch (const zmq::error_t& e) {
      Log().error(std::string("raft loop poll failed: ") + e.what());
    }
    if (items[0].revents & ZMQ_POLLIN) frames = transport_->Receive(std::chrono::milliseconds(0));
    if (items[1].revents & ZMQ_POLLIN) {
      uint64_t drained;
      [[maybe_unused]] ssize_t n = read(wake_fd_, &drained, sizeof(drained));
    }
    if (Clock::now() >= next_tick) {
      node_->Tick();
      next_tick += options_.tick_interval;
      if (next_tick < Clock::now()) next_tick = Clock::now() + options_.tick_interval;
    }
    for (const PeerFrame& frame : frames) {
      for (const raft::Message& m : frame.messages) {
        Status stepped = node_->Step(m);
        if (!stepped.ok()) {
          Log().warning("ignored a message from member " + std::to_string(m.from) + ": " +
                        stepped.ToString());
        }
      }
    }
    DrainRequests();
    ExpireConfChangeWaiters();
    CampaignAtStart();
    while (node_->HasReady()) {
      raft::Ready ready = node_->GetReady();
      Status handled = HandleReady(ready);
      if (!handled.ok()) {
        Fatal(handled);
        return;
      }
      node_->Advance(ready);
    }
    UpdateStats();
  }
  FailEverything(Stopping());
}

void RaftDriver::ProposeQueued(std::vector<QueuedProposal> proposals) {
  // Everything queued since the last turn goes to Raft as one proposal
  // message per chunk of at most max_proposal_bytes: one log append and one
  // append message per follower for the lot (and one forward to the leader
  // from a follower), instead of one of each per request. Under load that
  // is most of the Raft messages a put cost (docs/benchmarks.md).
  size_t begin = 0;
  while (begin < proposals.size()) {
    size_t end = begin;
    size_t bytes = 0;
    std::vector<std::string> chunk;
    while (end < proposals.size() && (chunk.empty() || bytes + proposals[end].payload.size() <=
                                                           options_.max_proposal_bytes)) {
      bytes += proposals[end].payload.size();
      chunk.push_back(std::move(proposals[end].payload));
      ++end;
    }
    Status proposed = node_->ProposeBatch(std::move(chunk));
    if (!proposed.ok()) {
      if (proposed.code() == StatusCode::kUnavailable) proposed = NoLeader();
      std::lock_guard<std::mutex> lock(mu_);
      for (size_t i = begin; i < end; ++i) {
        auto waiter = proposal_waiters_.find(proposals[i].request_id);
        if (waiter == proposal_waiters_.end()) continue;
        waiter->second.set_value(proposed);
        proposal_waiters_.erase(waiter);
        ++stats_.proposals_failed;
      }
    }
    begin = end;
  }
}

void RaftDriver::DrainRequests() {
  std::vector<QueuedProposal> proposals;
  std::vector<std::promise<Status>> reads;
  std::vector<QueuedConfChange> conf_changes;
  std::vector<raft::NodeId> transfers;
  // Cleared before the queues are taken: a request queued after this wakes
  // the loop again (at worst once too often, never too few times).
  wake_pending_.store(false, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mu_);
    proposals.swap(queued_proposals_);
    reads.swap(queued_reads_);
    conf_changes.swap(queued_conf_changes_);
    transfers.swap(queued_transfers_);
  }
  ProposeQueued(std::move(proposals));
  if (!reads.empty()) {
    if (node_->GetStatus().soft_state.leader == raft::kNoNode) {
      for (auto& r : reads) r.set_value(NoLeader());
    } else {
      // One ReadIndex round serves every read queued since the last one.
      uint64_t ctx = next_read_ctx_++;
      reads_awaiting_index_[ctx] = std::move(reads);
      node_->ReadIndex(EncodeReadCtx(options_.id, ctx));
    }
  }
  for (QueuedConfChange& c : conf_changes) {
    // One change per member at a time: its waiter is keyed by member id.
    if (conf_change_waiters_.count(c.change.node_id) != 0) {
      c.done.set_value(Status::FailedPrecondition(
          "etcdserver: a membership change for member " + std::to_string(c.change.node_id) +
          " is already in progress; retry when it completes"));
      continue;
    }
    Status proposed = node_->ProposeConfChange(c.change);
    if (!proposed.ok()) {
      if (proposed.code() == StatusCode::kUnavailable) proposed = NoLeader();
      c.done.set_value(proposed);
      continue;
    }
    // Longer than any caller waits (Member's request timeout), so the caller
    // always gives up first and the slot frees itself after.
    conf_change_waiters_[c.change.node_id] = {
        std::move(c.done), std::chrono::steady_clock::now() + std::chrono::seconds(30)};
  }
  for (raft::NodeId t : transfers) node_->TransferLeader(t);
}

Status RaftDriver::HandleReady(raft::Ready& ready) {
  if (ready.soft_state.has_value()) role_ = ready.soft_state->role;
  // 0. A leader's appends and heartbeats go out before its own write (Raft
  // thesis §10.2.1; etcd's raft node does the same), so the followers' fsyncs
  // overlap the leader's. This is safe because this thread steps no response
  // before Persist below has returned: commit still needs the leader's own
  // durable copy plus a quorum's acknowledgements, and an append promises
  // nothing about the leader's disk. Everything else (votes, responses, a
  // new term) waits for the write as the Ready contract says.
  std::vector<raft::Message> after_persist;
  if (role_ == raft::Role::kLeader) {
    std::vector<raft::Message> early;
    for (raft::Message& m : ready.messages) {
      bool ahead = m.type == raft::MessageType::kApp || m.type == raft::MessageType::kHeartbeat;
      (ahead ? early : after_persist).push_back(std::move(m));
    }
    SendMessages(early);
  } else {
    after_persist = std::move(ready.messages);
  }
  // 0b. Committed entries this member's log already holds durably are applied
  // before this batch's write (Ready allows it): their clients are answered
  // one fsync sooner, on the leader and on the followers alike.
  const size_t apply_first = raft::AppliableBeforePersist(ready, log_->LastIndex());
  if (apply_first > 0) {
    SHADEKV_RETURN_IF_ERROR(
        ApplyCommitted(std::span<const raft::Entry>(ready.committed_entries).first(apply_first)));
    ResolveReads();
  }
  // 1. Persist: snapshot meta, entries and hard state in one batch.
  if (!ready.snapshot.empty() || !ready.entries.empty() || ready.hard_state.has_value()) {
    store::PersistBatch batch;
    if (!ready.snapshot.empty()) batch.snapshot = ready.snapshot.meta;
    batch.entries = ready.entries;
    batch.hard_state = ready.hard_state;
    batch.sync = ready.must_sync;
    auto started = std::chrono::steady_clock::now();
    SHADEKV_RETURN_IF_ERROR(log_->Persist(batch).WithContext("persisting raft state"));
    if (batch.sync && fsync_latency_ != nullptr) {
      fsync_latency_->Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (batch.sync) ++stats_.fsyncs;
    stats_.persisted_entries += batch.entries.size();
  }
  // 2. Send what had to wait for the write.
  SendMessages(after_persist);
  // 3. Apply.
  if (!ready.snapshot.empty()) {
    SHADEKV_RETURN_IF_ERROR(state_machine_->RestoreSnapshot(ready.snapshot)
                                .WithContext("installing snapshot at index " +
                                             std::to_string(ready.snapshot.meta.index)));
    conf_state_ = ready.snapshot.meta.conf_state;
    Log().information("installed snapshot at index " + std::to_string(ready.snapshot.meta.index));
  }
  SHADEKV_RETURN_IF_ERROR(
      ApplyCommitted(std::span<const raft::Entry>(ready.committed_entries).subspan(apply_first)));
  for (const raft::ReadState& rs : ready.read_states) {
    uint64_t ctx = 0;
    if (!DecodeReadCtx(rs.request_ctx, options_.id, &ctx)) continue;
    auto round = reads_awaiting_index_.find(ctx);
    if (round == reads_awaiting_index_.end()) continue;
    reads_awaiting_apply_.emplace(rs.index, std::move(round->second));
    reads_awaiting_index_.erase(round);
  }
  ResolveReads();
  if (ready.soft_state.has_value() && ready.soft_state->leader != last_leader_) {
    // Read rounds issued to the old leader will never be answered.
    if (last_leader_ != raft::kNoNode) FailReads(Status::Unavailable("etcdserver: leader changed"));
    Log().information("leader is now member " + std::to_string(ready.soft_state->leader));
    last_leader_ = ready.soft_state->leader;
    std::lock_guard<std::mutex> lock(mu_);
    ++stats_.leader_changes;
  }
  return MaybeCompactLog();
}

void RaftDriver::SendMessages(const std::vector<raft::Message>& messages) {
  if (messages.empty()) return;
  std::vector<raft::NodeId> dropped = transport_->Send(messages);
  for (raft::NodeId peer : dropped) {
    node_->ReportUnreachable(peer);
    for (const raft::Message& m : messages) {
      if (m.to == peer && m.type == raft::MessageType::kSnap) {
        node_->ReportSnapshot(peer, false);
        break;
      }
    }
  }
  for (const raft::Message& m : messages) {
    // A snapshot chunk handed to ZeroMQ is as delivered as we can know; the
    // follower's response (or its absence) drives the core from here.
    if (m.type == raft::MessageType::kSnap && m.chunk_last &&
        std::find(dropped.begin(), dropped.end(), m.to) == dropped.end()) {
      node_->ReportSnapshot(m.to, true);
    }
  }
}

Status RaftDriver::ApplyCommitted(std::span<const raft::Entry> entries) {
  // Consecutive normal entries with payloads are applied as one run (the
  // state machine may share one store write among them); anything else
  // first applies the run before it, so the order is the log's.
  ApplyRunBuffer run;
  const uint64_t applied_before = state_machine_->AppliedIndex();
  for (const raft::Entry& entry : entries) {
    if (entry.index <= applied_before) continue;  // replayed after restart
    if (entry.type == raft::EntryType::kConfChange) {
      SHADEKV_RETURN_IF_ERROR(FlushRun(&run));
      Result<raft::ConfChange> change = raft::DecodeConfChange(entry.data);
      if (!change.ok()) {
        return change.status().WithContext("decoding committed conf change at index " +
                                           std::to_string(entry.index));
      }
      conf_state_ = node_->ApplyConfChange(*change);
      store::PersistBatch batch;
      batch.conf_state = conf_state_;
      batch.sync = true;
      SHADEKV_RETURN_IF_ERROR(log_->Persist(batch));
      SHADEKV_RETURN_IF_ERROR(state_machine_->ApplyConfChange(entry.index, *change, conf_state_));
      if (change->type == raft::ConfChangeType::kRemoveNode) {
        transport_->RemovePeer(change->node_id);
      } else if (change->node_id != options_.id && !change->context.empty()) {
        // The context is the member's directory record (or, from older
        // callers, a bare peer URL); connect to its first peer URL.
        std::string url = change->context;
        Result<MemberRecord> record = DecodeMemberRecord(change->context);
        if (record.ok()) url = record->peer_urls.empty() ? "" : record->peer_urls[0];
        Status added = url.empty() ? Status::InvalidArgument("no peer URL in its record")
                                   : transport_->AddPeer(change->node_id, url);
        if (!added.ok()) {
          Log().error("member " + std::to_string(change->node_id) + ": " + added.ToString());
        }
      }
      auto waiter = conf_change_waiters_.find(change->node_id);
      if (waiter != conf_change_waiters_.end()) {
        waiter->second.done.set_value(Status::Ok());
        conf_change_waiters_.erase(waiter);
      }
      continue;
    }
    if (entry.data.empty()) {
      SHADEKV_RETURN_IF_ERROR(FlushRun(&run));
      SHADEKV_RETURN_IF_ERROR(state_machine_->MarkApplied(entry.index));
      continue;
    }
    if (!run.payloads.empty() && run.first_index + run.payloads.size() != entry.index) {
      SHADEKV_RETURN_IF_ERROR(FlushRun(&run));
    }
    if (run.payloads.empty()) run.first_index = entry.index;
    run.payloads.emplace_back(entry.data);
  }
  return FlushRun(&run);
}

Status RaftDriver::FlushRun(ApplyRunBuffer* run) {
  if (run->payloads.empty()) return Status::Ok();
  auto started = std::chrono::steady_clock::now();
  Result<std::vector<AppliedEntry>> applied =
      state_machine_->ApplyRun(run->first_index, run->payloads);
  if (!applied.ok()) return applied.status();
  if (apply_latency_ != nullptr) {
    // The run shares one store write: each entry is charged its share.
    const double each =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() /
        static_cast<double>(run->payloads.size());
    for (size_t i = 0; i < run->payloads.size(); ++i) apply_latency_->Observe(each);
  }
  run->payloads.clear();
  std::lock_guard<std::mutex> lock(mu_);
  for (AppliedEntry& one : *applied) {
    if (one.origin != options_.id) continue;
    auto waiter = proposal_waiters_.find(one.request_id);
    if (waiter == proposal_waiters_.end()) continue;
    waiter->second.set_value(std::move(one.result));
    proposal_waiters_.erase(waiter);
    ++stats_.proposals_committed;
  }
  return Status::Ok();
}

void RaftDriver::ResolveReads() {
  uint64_t applied = state_machine_->AppliedIndex();
  while (!reads_awaiting_apply_.empty() && reads_awaiting_apply_.begin()->first <= applied) {
    for (auto& waiter : reads_awaiting_apply_.begin()->second) waiter.set_value(Status::Ok());
    reads_awaiting_apply_.erase(reads_awaiting_apply_.begin());
  }
}

void RaftDriver::FailReads(const Status& why) {
  for (auto& [ctx, waiters] : reads_awaiting_index_) {
    for (auto& w : waiters) w.set_value(why);
  }
  reads_awaiting_index_.clear();
}

Status RaftDriver::MaybeCompactLog() {
  uint64_t applied = state_machine_->AppliedIndex();
  if (applied <
      last_compaction_index_ + options_.snapshot_count + options_.snapshot_catchup_entries) {
    return Status::Ok();
  }
  uint64_t compact_to = applied - options_.snapshot_catchup_entries;
  if (compact_to < log_->FirstIndex()) return Status::Ok();
  raft::SnapshotMeta meta;
  meta.index = applied;
  SHADEKV_ASSIGN_OR_RETURN(meta.term, log_->Term(applied));
  meta.conf_state = conf_state_;
  SHADEKV_RETURN_IF_ERROR(log_->Compact(compact_to, meta).WithContext("compacting the raft log"));
  last_compaction_index_ = compact_to;
  Log().information("compacted the raft log up to index " + std::to_string(compact_to));
  return Status::Ok();
}

void RaftDriver::ExpireConfChangeWaiters() {
  auto now = std::chrono::steady_clock::now();
  for (auto it = conf_change_waiters_.begin(); it != conf_change_waiters_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    it->second.done.set_value(Status::Unavailable("etcdserver: request timed out"));
    it = conf_change_waiters_.erase(it);
  }
}

void RaftDriver::UpdateStats() {
  raft::NodeStatus status = node_->GetStatus();
  std::lock_guard<std::mutex> lock(mu_);
  if (stats_.leader != status.soft_state.leader) leader_known_.notify_all();
  stats_.term = status.hard_state.term;
  stats_.leader = status.soft_state.leader;
  term_.store(stats_.term, std::memory_order_relaxed);
  leader_.store(stats_.leader, std::memory_order_relaxed);
  stats_.commit_index = status.hard_state.commit;
  stats_.applied_index = state_machine_->AppliedIndex();
  stats_.transport = transport_->stats();
}

void RaftDriver::FailEverything(const Status& why) {
  FailReads(why);
  for (auto& [index, waiters] : reads_awaiting_apply_) {
    for (auto& w : waiters) w.set_value(why);
  }
  reads_awaiting_apply_.clear();
  for (auto& [id, waiter] : conf_change_waiters_) waiter.done.set_value(why);
  conf_change_waiters_.clear();
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  for (auto& [id, waiter] : proposal_waiters_) waiter.set_value(why);
  proposal_waiters_.clear();
  for (auto& r : queued_reads_) r.set_value(why);
  queued_reads_.clear();
  for (auto& c : queued_conf_changes_) c.done.set_value(why);
  queued_conf_changes_.clear();
  queued_proposals_.clear();
}

void RaftDriver::Fatal(const Status& why) {
  // Continuing after a failed persist or apply would let this member diverge
  // from the others; stop serving and let the operator look.
  Log().fatal("raft loop stopped: " + why.ToString() +
              " (restart the member; if this repeats, check the disk and the data directory)");
  FailEverything(
      Status::Unavailable("etcdserver: member stopped after an internal error: " + why.message()));
}

}  // namespace shadekv::agent
