// Member: one running shadekv member, everything below the HTTP API.
//
// Opens the data directory (<data-dir>/raft: the Raft log, <data-dir>/kv: the
// MVCC store), bootstraps a new cluster the way etcd does (every new member
// writes the same membership entries at term 1, so all logs agree from the
// start), runs the Raft driver, and offers the request-level operations the
// API needs: writes go through Raft and wait for this member to apply them;
// linearizable reads wait on a ReadIndex barrier; serializable reads are
// answered locally.
//
// Threads: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "agent/auth/auth_state.h"
#include "agent/lease/lease_table.h"
#include "agent/metrics/metrics.h"
#include "agent/server/alarm_types.h"
#include "agent/server/kv_state_machine.h"
#include "agent/server/member_directory.h"
#include "agent/server/raft_driver.h"
#include "agent/watch/watch_hub.h"
#include "shadekv/common/status.h"
#include "shadekv/store/kv_types.h"
#include "shadekv/store/raft_log_store.h"

namespace shadekv::agent {

struct MemberOptions {
  std::string name = "default";
  std::string data_dir;
  std::string listen_peer_url;  // the ZeroMQ endpoint we bind
  std::vector<std::string> advertise_peer_urls;
  std::vector<std::string> advertise_client_urls;
  // Every member of a new cluster (names and peer URLs), or, when joining an
  // existing cluster, the members as the operator knows them.
  std::vector<MemberRecord> initial_members;
  bool new_cluster = true;
  std::string cluster_token = "shadekv-cluster";
  uint64_t member_id = 0;   // from ComputeMemberId(advertise_peer_urls, token)
  uint64_t cluster_id = 0;  // from ComputeClusterId(token)
  std::chrono::milliseconds heartbeat_interval{100};
  std::chrono::milliseconds election_timeout{1000};
  uint64_t snapshot_count = 100000;
  uint64_t max_request_bytes = 1536 * 1024;
  // etcd's --quota-backend-bytes: a put, txn or lease grant that would take
  // the store (KvStateMachine::DiskBytes) to this size raises NOSPACE. 0 means
  // etcd's default, 2 GiB (alarm_rules.h).
  uint64_t quota_backend_bytes = 0;
  // How long a write or a linearizable read may wait for Raft before it
  // fails with etcd's "request timed out".
  std::chrono::milliseconds request_timeout{7000};
  // Leases: how often the leader looks for expired leases and due
  // checkpoints, and etcd's lease checkpoint interval (0 disables; etcd 3.4
  // leaves checkpointing off by default, shadekv turns it on).
  std::chrono::milliseconds lease_tick{500};
  std::chrono::milliseconds lease_checkpoint_interval{std::chrono::minutes(5)};
  // Watch: progress notifications for progress_notify watchers (etcd's
  // --experimental-watch-progress-notify-interval, default 10 minutes).
  std::chrono::milliseconds watch_progress_notify_interval{10 * 60 * 1000};
  // Auth tokens issued here expire after this long (etcd's --auth-token-ttl).
  std::chrono::seconds auth_token_ttl{300};
  // Called on the apply thread for every new revision, after the watch hub
  // heard of it (the plugin host's feed). Must never wait: the Raft thread
  // runs it. Null: nothing beyond the watch hub.
  KvStateMachine::EventListener on_event;
  // Appends Prometheus text to GET /metrics after the registry's own (the
  // plugin host's counters). Any thread. Null: nothing.
  std::function<void(std::string* out)> append_metrics;
  // CURVE on the peer links (agent/transport/peer_curve.h); unset: plaintext.
  std::optional<PeerCurveOptions> peer_curve;
};

// Store sizes around a defragmentation (KvStateMachine::DiskBytes).
struct DefragResult {
  uint64_t bytes_before = 0;
  uint64_t bytes_after = 0;
};

struct LeaseGrantResult {
  int64_t id = 0;
  int64_t ttl = 0;
};

// Who asked, for the log entry (audit, events).
struct RequestOrigin {
  std::string user;
  std::string client_address;
  bool forwarded = false;  // forwarded by another member (lease calls): answer here, never forward
  // The caller's token as it arrived (Authorization header), only to pass on
  // when a lease call is forwarded to the leader. Never logged or proposed.
  std::string token;
  // When set, receives the request id of the Raft entry proposed for this
  // request (the id its change event carries), for the API's request record.
  uint64_t* proposed_request_id = nullptr;
};

struct MemberStatus {
  uint64_t member_id = 0;
  uint64_t cluster_id = 0;
  uint64_t leader = 0;
  uint64_t term = 0;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  int64_t revision = 0;
  uint64_t db_size = 0;         // bytes of the store's files on disk
  uint64_t db_size_in_use = 0;  // LevelDB's estimate of its live table data
  bool is_learner = false;
  RaftDriverStats raft;
};

class Member {
 public:
  // Opens or creates the data directory and starts the member. Errors name
  // the directory or the address and say what to do: an unusable data dir
  // (kFailedPrecondition / kDataLoss / kUnavailable), a peer URL in use
  // (kUnavailable), a data dir of another cluster or member
  // (kFailedPrecondition).
  static Result<std::unique_ptr<Member>> Start(const MemberOptions& options);
  // Stops the Raft driver and the member's threads: nothing is applied (or
  // handed to MemberOptions::on_event) afterwards, while the reads of the
  // state machine keep working until destruction. Idempotent; the
  // destructor calls it.
  void Stop();
  ~Member();

  uint64_t id() const { return id_; }
  uint64_t cluster_id() const { return cluster_id_; }
  std::string bound_peer_endpoint() const { return driver_->bound_peer_endpoint(); }

  // Writes, through Raft. The Result holds the store's response or etcd's
  // error (validation, "etcdserver: no leader", "etcdserver: request timed
  // out", "etcdserver: request is too large").
  Result<store::PutResponse> Put(const store::PutRequest& request, const RequestOrigin& origin);
  Result<store::DeleteRangeResponse> DeleteRange(const store::DeleteRangeRequest& request,
                                                 const RequestOrigin& origin);
  Result<store::TxnResponse> Txn(const store::TxnRequest& request, const RequestOrigin& origin);
  Result<store::CompactionResponse> Compact(const store::CompactionRequest& request,
                                            const RequestOrigin& origin);

  // Leases (member_lease.cc). Grant: id 0 picks a fresh positive id; ttl
  // below MinLeaseTtl() is raised to it; above 9e9: kOutOfRange "etcdserver:
  // too large lease TTL"; an existing id: kFailedPrecondition "etcdserver:
  // lease already exists".
  Result<LeaseGrantResult> LeaseGrant(int64_t id, int64_t ttl, const RequestOrigin& origin);
  // Deletes the lease's keys at one revision; returns the revision after it.
  // Unknown: kNotFound "etcdserver: requested lease not found".
  Result<int64_t> LeaseRevoke(int64_t id, const RequestOrigin& origin);
  // Leader only (others: NotLeaderError(), the API forwards to the leader).
  // Renew returns the granted TTL; kNotFound for an unknown or expired lease.
  Result<int64_t> LeaseRenew(int64_t id);
  // nullopt for an unknown lease.
  Result<std::optional<lease::TimeToLive>> LeaseTimeToLive(int64_t id, bool with_keys);
  // Every lease id this member knows (replicated state, answered locally).
  std::vector<int64_t> LeaseIds();
  // etcd's minimum TTL: ceil(1.5 x election timeout) in seconds.
  int64_t MinLeaseTtl() const;
  bool IsLeader() const;
  // The first client URL of the current leader; nullopt when there is no
  // leader or its URLs are not known yet.
  std::optional<std::string> LeaderClientUrl();
  static Status NotLeaderError() { return Status::Unavailable("etcdserver: not leader"); }

  // Auth (member_auth.cc). The applied auth state, for permission checks
  // (answered locally, like etcd).
  std::shared_ptr<const auth::AuthState> AuthSnapshot() const;
  // Proposes `change` and waits for its verdict (AuthState::Apply's errors).
  // For kUserAdd and kUserChangePassword, `password` is hashed here
  // (argon2id) and only the hash enters the log; with `no_password` the user
  // gets no hash and can never authenticate. kEnable gets a fresh token
  // secret here.
  Status AuthUpdate(auth::AuthChange change, const std::string& password, bool no_password,
                    const RequestOrigin& origin);
  // Checks the password against the replicated state (after a linearizable
  // barrier, so a user just added anywhere is seen) and returns a signed
  // token valid for MemberOptions::auth_token_ttl. Errors: kFailedPrecondition
  // "etcdserver: authentication is not enabled", kInvalidArgument
  // "etcdserver: authentication failed, invalid user ID or password", and for
  // a no_password user kUnknown "auth: authentication failed, password was
  // given for no password user" (etcd 3.4's answer).
  Result<std::string> Authenticate(const std::string& name, const std::string& password);
  // The user a token speaks for. Any token while auth is disabled, or a
  // forged, expired or superseded one (password changed, user deleted, auth
  // re-enabled): kUnauthenticated "etcdserver: invalid auth token".
  Result<std::string> UserOfToken(const std::string& token) const;
  // A root token valid for `ttl`, for this member's own calls to another
  // member's client API (the corruption checks' hashkv, which auth reserves
  // to root); members share the signing secret through the replicated auth
  // state, so no password is involved. Empty while auth is disabled.
  std::string InternalRootToken(std::chrono::seconds ttl) const;

  // Reads: linearizable unless request.serializable.
  Result<store::RangeResponse> Range(const store::RangeRequest& request);
  Result<store::HashResult> HashKv(int64_t revision);
  // Waits until this member has applied what the leader had committed.
  Status LinearizableBarrier();

  // Membership (etcd's member API). Add returns the new member's record.
  Result<std::vector<MemberRecord>> Members();
  Result<MemberRecord> AddMember(const std::vector<std::string>& peer_urls, bool learner);
  Status RemoveMember(uint64_t id);
  Status UpdateMember(uint64_t id, const std::vector<std::string>& peer_urls);
  Status PromoteMember(uint64_t id);

  // True once this member's name and client URLs are applied (etcd serves
  // clients only from then on). Waits up to `timeout` for it.
  bool WaitPublished(std::chrono::milliseconds timeout);

  // Alarms and maintenance (member_alarm.cc).
  // Raises `type` for `member_id` through Raft and waits until this member
  // applied it (any thread; the corruption checker calls it for CORRUPT).
  // Errors: kInvalidArgument for a type other than NOSPACE or CORRUPT, and
  // those of a write ("etcdserver: no leader", "request timed out").
  Status ActivateAlarm(uint64_t member_id, AlarmType type);
  // Clears the alarm through Raft; returns it when it was active, an empty
  // list when it was not (etcd answers the same). Errors as for a write.
  Result<std::vector<AlarmMember>> DeactivateAlarm(uint64_t member_id, AlarmType type);
  // The active alarms as this member has applied them (no Raft round trip:
  // call LinearizableBarrier() first for a linearizable answer).
  Result<std::vector<AlarmMember>> Alarms();
  // The effective quota (the option, or the 2 GiB default).
  uint64_t QuotaBackendBytes() const;
  // Defragments this member's store (KvStateMachine::Defragment) and reports
  // its size before and after. Local to this member, like etcd's.
  Result<DefragResult> Defragment();

  MemberStatus GetStatus() const;
  uint64_t RaftTerm() const;
  int64_t CurrentRevision() const { return state_machine_->CurrentRevision(); }

  // The listener is invoked on the Raft thread for every new revision.
  KvStateMachine& state_machine() { return *state_machine_; }

  // The member's metrics: Raft and disk latencies recorded here, request
  // metrics recorded by the API. Rendered by GET /metrics.
  metrics::MetricsRegistry& metrics() { return metrics_; }
  // What MemberOptions::append_metrics adds ("" when unset).
  std::string ExtraMetrics() const;

  // The watch hub fed by this member's apply loop. Streams opened on it
  // must be closed before the member is destroyed.
  watch::WatchHub& watch_hub() { return *watch_hub_; }

 private:
  Member() = default;
  Result<store::ApplyResult> ProposeAndWait(EntryOp op, const RequestOrigin& origin);
  Result<store::ApplyResult> ProposeAndWait(EntryOp op, const RequestOrigin& origin,
                                            std::chrono::milliseconds timeout);
  void PublishAttributes();  // runs on publisher_
  // etcd's quota check before proposing a request of estimated `cost`
  // (QuotaCost): when the store plus the cost reaches the quota, raises
  // NOSPACE for this member and returns "etcdserver: mvcc: database space
  // exceeded" (member_alarm.cc).
  Status CheckQuota(uint64_t cost);
  // The leader's lease clock (member_lease.cc): runs on lease_timer_.
  void RunLeaseTimer();
  // Promotes or demotes the lessor to match this member's leadership;
  // returns whether this member leads.
  bool SyncLeaseLeadership();
  // Proposes every op at once and waits for all (up to `timeout`).
  std::vector<Result<store::ApplyResult>> ProposeAll(std::vector<EntryOp> ops,
                                                     std::chrono::milliseconds timeout);
  void StartWatchHub();
  shadekv::Status Bootstrap();
  shadekv::Status LoadOrCreateIdentity();

  MemberOptions options_;
  uint64_t id_ = 0;
  uint64_t cluster_id_ = 0;
  zmq::context_t zmq_context_{1};
  metrics::MetricsRegistry metrics_;  // outlives the driver, which records into it
  std::unique_ptr<store::RaftLogStore> log_;
  std::unique_ptr<KvStateMachine> state_machine_;
  // Declared before the driver, which feeds it, so it outlives the driver.
  std::unique_ptr<watch::WatchHistory> watch_history_;
  std::unique_ptr<watch::WatchHub> watch_hub_;
  std::unique_ptr<RaftDriver> driver_;

  // Publishes this member's attributes once after start (see PublishAttributes).
  std::thread publisher_;
  std::thread lease_timer_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  std::atomic<bool> stopping_{false};
  bool published_ = false;  // guarded by stop_mu_
};

}  // namespace shadekv::agent
