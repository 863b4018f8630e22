// RaftDriver: the host loop around the pure Raft core.
//
// One thread owns the RawNode, the peer transport and the write side of the
// Raft log. It ticks on a timer, steps messages from peers, takes requests
// queued by other threads, and performs every Ready batch in the order the
// core requires: persist (synced when asked), send, apply, advance. One
// exception, Raft thesis §10.2.1: a leader's appends and heartbeats go out
// before its own write, since they promise nothing about its disk and no
// response is stepped until the write is done. Consecutive committed normal
// entries are applied as one run (StateMachine::ApplyRun). Other threads
// talk to it only through the thread-safe methods below, which hand back
// futures.
//
// Group commit falls out of this shape: every proposal that arrives while a
// batch is being persisted joins the next batch, so one fsync covers them all.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <optional>
#include <zmq.hpp>

#include "agent/metrics/metrics.h"
#include "agent/server/state_machine.h"
#include "agent/transport/peer_transport.h"
#include "shadekv/common/status.h"
#include "shadekv/raft/raw_node.h"
#include "shadekv/store/raft_log_store.h"

namespace shadekv::agent {

struct RaftDriverOptions {
  raft::NodeId id = raft::kNoNode;
  uint64_t cluster_id = 0;
  std::string listen_peer_url;                   // our PULL endpoint
  std::map<raft::NodeId, std::string> peers;     // every other member's peer URL
  std::chrono::milliseconds tick_interval{100};  // etcd --heartbeat-interval
  int election_ticks = 10;                       // election timeout / tick interval
  uint64_t snapshot_count = 100000;              // applied entries between log compactions
  uint64_t snapshot_catchup_entries = 5000;      // entries kept behind a compaction
  uint64_t max_proposal_bytes = 2 << 20;
  uint64_t seed = 1;  // election jitter
  // Where fsync and apply latencies are recorded; may be null. Must outlive
  // the driver.
  metrics::MetricsRegistry* metrics = nullptr;
  std::optional<PeerCurveOptions> peer_curve;  // unset: plaintext peer links
};

// Numbers a status endpoint or /metrics reads without stopping the loop.
struct RaftDriverStats {
  uint64_t term = 0;
  raft::NodeId leader = raft::kNoNode;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t leader_changes = 0;
  uint64_t proposals_committed = 0;
  uint64_t proposals_failed = 0;
  uint64_t proposals_pending = 0;
  uint64_t fsyncs = 0;
  uint64_t persisted_entries = 0;
  PeerTransportStats transport;
};

class RaftDriver {
 public:
  // Builds the core from `log` (and the state machine's applied index),
  // binds the peer listener, connects to the peers and starts the loop
  // thread. `log` and `state_machine` must outlive the driver. Errors: bad
  // options (kInvalidArgument), the peer URL cannot be bound (kUnavailable).
  static Result<std::unique_ptr<RaftDriver>> Start(const RaftDriverOptions& options,
                                                   store::RaftLogStore* log,
                                                   StateMachine* state_machine,
                                                   zmq::context_t& zmq_context);

  // Stops the loop thread; pending requests fail with kUnavailable.
  ~RaftDriver();
  RaftDriver(const RaftDriver&) = delete;
  RaftDriver& operator=(const RaftDriver&) = delete;

  // A request id unique to this member and process: the caller encodes it
  // into the payload it proposes, and the state machine reports it back.
  uint64_t NextRequestId();

  // Proposes a payload (an encoded request carrying `request_id`). The future
  // completes when this member applies the entry (with the request's verdict),
  // or fails fast: kUnavailable "etcdserver: no leader", kInvalidArgument for
  // an oversized payload, kUnavailable when the driver stops. A proposal lost
  // in transit never completes: callers wait with a deadline and then give up
  // with Abandon(request_id).
  std::future<Result<store::ApplyResult>> Propose(uint64_t request_id, std::string payload);
  void Abandon(uint64_t request_id);

  // Linearizable read barrier (ReadIndex, Raft thesis §6.4): completes OK once
  // this member has applied everything the leader had committed when the
  // barrier was requested. Concurrent barriers share one round. Fails with
  // kUnavailable when there is no leader or the driver stops.
  std::future<Status> ReadBarrier();

  // Membership changes; the future completes when the change is applied here.
  std::future<Status> ProposeConfChange(const raft::ConfChange& change);

  // Asks the leader to hand over leadership to `transferee`.
  void TransferLeadership(raft::NodeId transferee);

  // Waits up to `timeout` until this member knows a leader; true when it
  // does. A stopped driver knows none, so the caller waits the whole timeout.
  bool WaitForLeader(std::chrono::milliseconds timeout) const;

  RaftDriverStats Stats() const;
  // The current term and leader (0: none known) without taking the driver's
  // lock: every reply header carries the term, and under load the lock is
  // the one the proposals queue on.
  uint64_t Term() const { return term_.load(std::memory_order_relaxed); }
  raft::NodeId Leader() const { return leader_.load(std::memory_order_relaxed); }
  raft::NodeId id() const { return options_.id; }
  const std::string& bound_peer_endpoint() const { return bound_peer_endpoint_; }

 private:
  struct QueuedProposal {
    uint64_t request_id = 0;
    std::string payload;
  };
  struct QueuedConfChange {
    raft::ConfChange change;
    std::promise<Status> done;
  };
  using ReadWaiters = std::vector<std::promise<Status>>;

  RaftDriver(const RaftDriverOptions& options, store::RaftLogStore* log,
             StateMachine* state_machine);

  void Run();
  void CampaignAtStart();  // see start_campaign_
  // How long the loop may sleep before CampaignAtStart wants to run again.
  std::chrono::milliseconds StartCampaignWait(std::chrono::milliseconds wait) const;
  void Wake();
  void DrainRequests();
  Status HandleReady(raft::Ready& ready);
  // Hands messages to the transport and reports unreachable peers and
  // snapshot outcomes to the core.
  void SendMessages(const std::vector<raft::Message>& messages);
  Status ApplyCommitted(std::span<const raft::Entry> entries);
  // Normal entries at consecutive indexes, waiting to be applied together.
  // The payloads point into the Ready's entries.
  struct ApplyRunBuffer {
    uint64_t first_index = 0;
    std::vector<std::string_view> payloads;
  };
  // Applies the run (StateMachine::ApplyRun), answers this member's waiters,
  // and empties it.
  Status FlushRun(ApplyRunBuffer* run);
  void ResolveReads();
  void FailReads(const Status& why);
  Status MaybeCompactLog();
  void UpdateStats();
  void ProposeQueued(std::vector<QueuedProposal> proposals);
  void FailEverything(const Status& why);
  void Fatal(const Status& why);

  // Fixed after construction.
  const RaftDriverOptions options_;
  store::RaftLogStore* const log_;
  StateMachine* const state_machine_;
  std::string bound_peer_endpoint_;
  metrics::Histogram* fsync_latency_ = nullptr;  // null without a registry
  metrics::Histogram* apply_latency_ = nullptr;
  int wake_fd_ = -1;  // eventfd: other threads poke the loop through it

  // Owned by the loop thread.
  class SnapshotStorage;
  std::unique_ptr<SnapshotStorage> storage_;
  std::unique_ptr<raft::RawNode> node_;
  std::unique_ptr<PeerTransport> transport_;
  raft::ConfState conf_state_;
  // Elections right after start. A member normally waits out a randomized
  // election timeout (1-2 s) before campaigning: that is what keeps members
  // from splitting the vote. Right after start no one knows a leader yet, so
  // one designated member - the voter with the lowest id, alone or not - may
  // go first without a split: it pre-campaigns every few milliseconds until
  // a leader is known, it becomes a candidate, or one election timeout has
  // passed. Pre-votes change no one's term or vote, so repeating them is
  // harmless, and members that already follow a leader refuse them
  // (check-quorum), so a restarted member cannot disrupt a running cluster.
  // etcd fast-forwards its election ticks at start for the same reason. A
  // new cluster then serves within milliseconds of its members starting.
  // Run thread only.
  bool start_campaign_ = false;
  std::chrono::steady_clock::time_point start_campaign_until_;
  std::chrono::steady_clock::time_point next_start_campaign_;
  uint64_t next_read_ctx_ = 1;
  std::map<uint64_t, ReadWaiters> reads_awaiting_index_;       // by ReadIndex ctx
  std::multimap<uint64_t, ReadWaiters> reads_awaiting_apply_;  // by read index
  // By node id. A proposal can vanish (dropped by a new leader, or forwarded
  // while another change was pending), so each waiter expires at its deadline.
  struct ConfChangeWaiter {
    std::promise<Status> done;
    std::chrono::steady_clock::time_point deadline;
  };
  std::map<raft::NodeId, ConfChangeWaiter> conf_change_waiters_;
  void ExpireConfChangeWaiters();
  uint64_t last_compaction_index_ = 0;
  raft::NodeId last_leader_ = raft::kNoNode;
  raft::Role role_ = raft::Role::kFollower;  // as of the last Ready with a soft state

  // Guarded by mu_: requests from other threads and their waiters.
  mutable std::mutex mu_;
  mutable std::condition_variable leader_known_;  // notified when stats_.leader changes
  std::vector<QueuedProposal> queued_proposals_;
  std::vector<std::promise<Status>> queued_reads_;
  std::vector<QueuedConfChange> queued_conf_changes_;
  std::vector<raft::NodeId> queued_transfers_;
  std::map<uint64_t, std::promise<Result<store::ApplyResult>>> proposal_waiters_;
  RaftDriverStats stats_;
  bool stopped_ = false;

  std::atomic<uint64_t> next_request_id_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> wake_pending_{false};  // an eventfd write not yet drained
  std::atomic<uint64_t> term_{0};          // copies of stats_.term and .leader
  std::atomic<raft::NodeId> leader_{0};
  std::thread thread_;
};

}  // namespace shadekv::agent
