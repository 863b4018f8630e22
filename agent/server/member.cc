// Start-up, bootstrap and request handling of one member.
#include "agent/server/member.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "agent/server/alarm_rules.h"

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.member"); }

Status TimedOut() { return Status::Unavailable("etcdserver: request timed out"); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

template <typename T>
Result<T> Pick(Result<store::ApplyResult> applied) {
  if (!applied.ok()) return applied.status();
  if (T* response = std::get_if<T>(&applied->response)) return std::move(*response);
  return Status::Internal("applied entry produced an unexpected response type");
}

}  // namespace

Result<std::unique_ptr<Member>> Member::Start(const MemberOptions& options) {
  std::unique_ptr<Member> member(new Member());
  member->options_ = options;
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::FailedPrecondition("cannot create --data-dir '" + options.data_dir +
                                      "': " + ec.message() + " (choose a writable directory)");
  }
  SHADEKV_RETURN_IF_ERROR(member->LoadOrCreateIdentity());
  SHADEKV_ASSIGN_OR_RETURN(member->log_, store::RaftLogStore::Open(options.data_dir + "/raft"));
  lease::LeaseTableOptions lease_options;
  lease_options.checkpoint_interval_ms = options.lease_checkpoint_interval.count();
  SHADEKV_ASSIGN_OR_RETURN(member->state_machine_,
                           KvStateMachine::Open(options.data_dir + "/kv", lease_options));
  member->StartWatchHub();

  Result<raft::InitialState> initial = member->log_->LoadInitialState();
  SHADEKV_RETURN_IF_ERROR(initial.status());
  bool fresh = member->log_->LastIndex() == 0 && initial->hard_state.empty() &&
               initial->conf_state.voters.empty() && initial->conf_state.learners.empty();
  if (fresh && options.new_cluster) SHADEKV_RETURN_IF_ERROR(member->Bootstrap());

  RaftDriverOptions driver_options;
  driver_options.id = member->id_;
  driver_options.cluster_id = member->cluster_id_;
  driver_options.listen_peer_url = options.listen_peer_url;
  for (const MemberRecord& m : options.initial_members) {
    if (m.id != member->id_ && !m.peer_urls.empty()) driver_options.peers[m.id] = m.peer_urls[0];
  }
  // Members added since bootstrap are known from the store's directory.
  Result<std::vector<MemberRecord>> known = member->state_machine_->Members();
  if (known.ok()) {
    for (const MemberRecord& m : *known) {
      if (m.id != member->id_ && !m.peer_urls.empty()) driver_options.peers[m.id] = m.peer_urls[0];
    }
  }
  driver_options.tick_interval = options.heartbeat_interval;
  driver_options.election_ticks =
      static_cast<int>(options.election_timeout / options.heartbeat_interval);
  driver_options.snapshot_count = options.snapshot_count;
  driver_options.snapshot_catchup_entries = std::min<uint64_t>(5000, options.snapshot_count);
  // Leave room for the envelope around the largest request etcd accepts.
  driver_options.max_proposal_bytes = options.max_request_bytes + 64 * 1024;
  driver_options.metrics = &member->metrics_;
  driver_options.peer_curve = options.peer_curve;
  driver_options.seed = member->id_ ^ static_cast<uint64_t>(NowMs());
  SHADEKV_ASSIGN_OR_RETURN(member->driver_,
                           RaftDriver::Start(driver_options, member->log_.get(),
                                             member->state_machine_.get(), member->zmq_context_));
  Log().information("member " + options.name + " (" + std::to_string(member->id_) +
                    ") started; peers on " + member->driver_->bound_peer_endpoint());
  member->publisher_ = std::thread([raw = member.get()] { raw->PublishAttributes(); });
  member->lease_timer_ = std::thread([raw = member.get()] { raw->RunLeaseTimer(); });
  return member;
}

std::string Member::ExtraMetrics() const {
  std::string out;
  if (options_.append_metrics) options_.append_metrics(&out);
  return out;
}

void Member::StartWatchHub() {
  watch_history_ = std::make_unique<watch::HistoryOf<KvStateMachine>>(state_machine_.get());
  watch::WatchHubOptions options;
  options.progress_notify_interval = options_.watch_progress_notify_interval;
  watch_hub_ = std::make_unique<watch::WatchHub>(watch_history_.get(), options);
  watch::WatchHub* hub = watch_hub_.get();
  // The state machine has one listener: fan out, the hub first (watchers
  // are the latency-sensitive readers), then the plugins' feed.
  state_machine_->SetEventListener(
      [hub, on_event = options_.on_event](const store::ChangeEvent& event, const RaftEntry& entry) {
        hub->Notify(event);
        if (on_event) on_event(event, entry);
      });
  state_machine_->SetRestoreListener([hub](int64_t revision) { hub->OnRevisionJump(revision); });
}

void Member::PublishAttributes() {
  // Like etcd's publish: the others learn this member's name and client URLs
  // through the log. Retried until it lands or the member stops. Without a
  // leader a proposal fails at once, so the first attempts wait for one to
  // be elected (members elect within milliseconds of starting together) and
  // go again the moment it is known; short waits keep shutdown prompt.
  MemberAttributes attributes{id_, options_.name, options_.advertise_client_urls};
  std::chrono::milliseconds pause(10);
  // A proposal forwarded to a leader whose link is still coming up is lost
  // without an answer: the first attempts give up soon and go again
  // (publishing twice is harmless).
  std::chrono::milliseconds attempt(100);
  while (!stopping_) {
    if (!driver_->WaitForLeader(std::chrono::milliseconds(50))) continue;
    Result<store::ApplyResult> published = ProposeAndWait(attributes, RequestOrigin{}, attempt);
    attempt = std::min(attempt * 2, std::chrono::milliseconds(1000));
    if (published.ok()) {
      Log().information("published name '" + options_.name + "' and client URLs to the cluster");
      {
        std::lock_guard<std::mutex> lock(stop_mu_);
        published_ = true;
      }
      stop_cv_.notify_all();
      return;
    }
    std::unique_lock<std::mutex> lock(stop_mu_);
    stop_cv_.wait_for(lock, pause, [&] { return stopping_.load(); });
    pause = std::min(pause * 2, std::chrono::milliseconds(1000));
  }
}

bool Member::WaitPublished(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(stop_mu_);
  return stop_cv_.wait_for(lock, timeout, [&] { return published_; });
}

void Member::Stop() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (publisher_.joinable()) publisher_.join();
  if (lease_timer_.joinable()) lease_timer_.join();
  driver_.reset();  // stops the Raft thread before the stores close
}

Member::~Member() {
  Stop();
  state_machine_.reset();
  log_.reset();
}

Status Member::LoadOrCreateIdentity() {
  // The data directory remembers whose it is; flags describing another
  // member or cluster are refused rather than mixing two histories.
  const std::string path = options_.data_dir + "/member.json";
  std::ifstream in(path);
  if (in) {
    std::stringstream text;
    text << in.rdbuf();
    try {
      Poco::JSON::Parser parser;
      auto object = parser.parse(text.str()).extract<Poco::JSON::Object::Ptr>();
      id_ = std::stoull(object->getValue<std::string>("member_id"));
      cluster_id_ = std::stoull(object->getValue<std::string>("cluster_id"));
    } catch (const std::exception& e) {
      return Status::DataLoss(path + " is damaged (" + e.what() +
                              "): restore this member from a snapshot or re-add it");
    }
    if (id_ != options_.member_id || cluster_id_ != options_.cluster_id) {
      return Status::FailedPrecondition(
          "--data-dir '" + options_.data_dir + "' belongs to member " + std::to_string(id_) +
          " of cluster " + std::to_string(cluster_id_) + ", but the flags describe member " +
          std::to_string(options_.member_id) + " of cluster " +
          std::to_string(options_.cluster_id) +
          ": use the same --initial-advertise-peer-urls and --initial-cluster-token as before, "
          "or another --data-dir");
    }
    return Status::Ok();
  }
  id_ = options_.member_id;
  cluster_id_ = options_.cluster_id;
  Poco::JSON::Object object;
  object.set("name", options_.name);
  object.set("member_id", std::to_string(id_));
  object.set("cluster_id", std::to_string(cluster_id_));
  std::ofstream out(path + ".tmp");
  object.stringify(out);
  out.close();
  if (!out) return Status::Unavailable("cannot write " + path + ".tmp: check disk space");
  std::error_code ec;
  std::filesystem::rename(path + ".tmp", path, ec);
  if (ec) return Status::Unavailable("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

Status Member::Bootstrap() {
  // Same entries on every new member (sorted by id): one AddVoter per initial
  // member at term 1, committed, so all logs agree before any election.
  std::vector<MemberRecord> members = options_.initial_members;
  std::sort(members.begin(), members.end(),
            [](const MemberRecord& a, const MemberRecord& b) { return a.id < b.id; });
  store::PersistBatch batch;
  raft::ConfState conf;
  for (const MemberRecord& m : members) {
    MemberRecord record = m;
    record.client_urls.clear();  // only the member itself knows them; see Members()
    raft::ConfChange change{raft::ConfChangeType::kAddVoter, m.id, EncodeMemberRecord(record)};
    raft::Entry entry;
    entry.term = 1;
    entry.index = batch.entries.size() + 1;
    entry.type = raft::EntryType::kConfChange;
    entry.data = raft::EncodeConfChange(change);
    batch.entries.push_back(std::move(entry));
    conf.voters.push_back(m.id);
  }
  batch.hard_state = raft::HardState{1, raft::kNoNode, batch.entries.size()};
  batch.conf_state = conf;
  batch.sync = true;
  Log().information("bootstrapping a new cluster of " + std::to_string(members.size()) +
                    " member(s)");
  return log_->Persist(batch).WithContext("bootstrapping the cluster in " + options_.data_dir);
}

Result<store::ApplyResult> Member::ProposeAndWait(EntryOp op, const RequestOrigin& origin) {
  return ProposeAndWait(std::move(op), origin, options_.request_timeout);
}

Result<store::ApplyResult> Member::ProposeAndWait(EntryOp op, const RequestOrigin& origin,
                                                  std::chrono::milliseconds timeout) {
  RaftEntry entry;
  entry.request_id = driver_->NextRequestId();
  if (origin.proposed_request_id != nullptr) *origin.proposed_request_id = entry.request_id;
  entry.origin = id_;
  entry.user = origin.user;
  entry.client_address = origin.client_address;
  entry.leader_time_ms = NowMs();
  entry.op = std::move(op);
  std::string payload = EncodeRaftEntry(entry);
  // etcd measures the whole encoded request against --max-request-bytes.
  if (payload.size() > options_.max_request_bytes) {
    return Status::InvalidArgument("etcdserver: request is too large");
  }
  auto future = driver_->Propose(entry.request_id, std::move(payload));
  if (future.wait_for(timeout) != std::future_status::ready) {
    driver_->Abandon(entry.request_id);
    return TimedOut();
  }
  return future.get();
}

Result<store::PutResponse> Member::Put(const store::PutRequest& request,
                                       const RequestOrigin& origin) {
  SHADEKV_RETURN_IF_ERROR(CheckQuota(QuotaCost(request)));
  return Pick<store::PutResponse>(ProposeAndWait(request, origin));
}

Result<store::DeleteRangeResponse> Member::DeleteRange(const store::DeleteRangeRequest& request,
                                                       const RequestOrigin& origin) {
  return Pick<store::DeleteRangeResponse>(ProposeAndWait(request, origin));
}

Result<store::TxnResponse> Member::Txn(const store::TxnRequest& request,
                                       const RequestOrigin& origin) {
  // A txn without puts adds nothing: unlike etcd, it is not refused when the
  // store is over quota (reads and deletes are how an operator recovers).
  if (const uint64_t cost = QuotaCost(request); cost > 0) {
    SHADEKV_RETURN_IF_ERROR(CheckQuota(cost));
  }
  return Pick<store::TxnResponse>(ProposeAndWait(request, origin));
}

Result<store::CompactionResponse> Member::Compact(const store::CompactionRequest& request,
                                                  const RequestOrigin& origin) {
  return Pick<store::CompactionResponse>(ProposeAndWait(request, origin));
}

Status Member::LinearizableBarrier() {
  std::future<shadekv::Status> barrier = driver_->ReadBarrier();
  if (barrier.wait_for(options_.request_timeout) != std::future_status::ready) return TimedOut();
  return barrier.get();
}

Result<store::RangeResponse> Member::Range(const store::RangeRequest& request) {
  if (!request.serializable) SHADEKV_RETURN_IF_ERROR(LinearizableBarrier());
  return state_machine_->Range(request);
}

Result<store::HashResult> Member::HashKv(int64_t revision) {
  return state_machine_->HashKv(revision);
}

Result<std::vector<MemberRecord>> Member::Members() {
  SHADEKV_ASSIGN_OR_RETURN(std::vector<MemberRecord> members, state_machine_->Members());
  for (MemberRecord& m : members) {
    if (m.id == id_) {
      m.name = options_.name;
      m.client_urls = options_.advertise_client_urls;
    }
  }
  return members;
}

Result<MemberRecord> Member::AddMember(const std::vector<std::string>& peer_urls, bool learner) {
  if (peer_urls.empty()) {
    return Status::InvalidArgument("etcdserver: member peer URLs are not provided");
  }
  SHADEKV_ASSIGN_OR_RETURN(std::vector<MemberRecord> members, Members());
  for (const MemberRecord& m : members) {
    for (const std::string& url : m.peer_urls) {
      if (std::find(peer_urls.begin(), peer_urls.end(), url) != peer_urls.end()) {
        return Status::FailedPrecondition("etcdserver: Peer URLs already exists");
      }
    }
  }
  MemberRecord record;
  record.peer_urls = peer_urls;
  record.is_learner = learner;
  // The joining member derives the same id from its own flags.
  record.id = ComputeMemberId(peer_urls, options_.cluster_token);
  raft::ConfChange change{
      learner ? raft::ConfChangeType::kAddLearner : raft::ConfChangeType::kAddVoter, record.id,
      EncodeMemberRecord(record)};
  std::future<shadekv::Status> done = driver_->ProposeConfChange(change);
  if (done.wait_for(options_.request_timeout) != std::future_status::ready) return TimedOut();
  SHADEKV_RETURN_IF_ERROR(done.get());
  return record;
}

Status Member::RemoveMember(uint64_t id) {
  SHADEKV_ASSIGN_OR_RETURN(std::vector<MemberRecord> members, Members());
  if (std::none_of(members.begin(), members.end(),
                   [&](const MemberRecord& m) { return m.id == id; })) {
    return Status::NotFound("etcdserver: member not found");
  }
  std::future<shadekv::Status> done =
      driver_->ProposeConfChange({raft::ConfChangeType::kRemoveNode, id, ""});
  if (done.wait_for(options_.request_timeout) != std::future_status::ready) return TimedOut();
  return done.get();
}

Status Member::UpdateMember(uint64_t id, const std::vector<std::string>& peer_urls) {
  SHADEKV_ASSIGN_OR_RETURN(std::vector<MemberRecord> members, Members());
  auto it = std::find_if(members.begin(), members.end(),
                         [&](const MemberRecord& m) { return m.id == id; });
  if (it == members.end()) return Status::NotFound("etcdserver: member not found");
  MemberRecord record = *it;
  record.peer_urls = peer_urls;
  // Re-adding an existing member in its current role changes no membership;
  // the new context updates its directory record and peer connection.
  raft::ConfChange change{
      record.is_learner ? raft::ConfChangeType::kAddLearner : raft::ConfChangeType::kAddVoter, id,
      EncodeMemberRecord(record)};
  std::future<shadekv::Status> done = driver_->ProposeConfChange(change);
  if (done.wait_for(options_.request_timeout) != std::future_status::ready) return TimedOut();
  return done.get();
}

Status Member::PromoteMember(uint64_t id) {
  SHADEKV_ASSIGN_OR_RETURN(std::vector<MemberRecord> members, Members());
  auto it = std::find_if(members.begin(), members.end(),
                         [&](const MemberRecord& m) { return m.id == id; });
  if (it == members.end()) return Status::NotFound("etcdserver: member not found");
  if (!it->is_learner) {
    return Status::FailedPrecondition("etcdserver: can only promote a learner member");
  }
  std::future<shadekv::Status> done =
      driver_->ProposeConfChange({raft::ConfChangeType::kAddVoter, id, ""});
  if (done.wait_for(options_.request_timeout) != std::future_status::ready) return TimedOut();
  return done.get();
}

MemberStatus Member::GetStatus() const {
  MemberStatus s;
  s.member_id = id_;
  s.cluster_id = cluster_id_;
  s.raft = driver_->Stats();
  s.leader = s.raft.leader;
  s.term = s.raft.term;
  s.commit_index = s.raft.commit_index;
  s.applied_index = s.raft.applied_index;
  s.revision = state_machine_->CurrentRevision();
  s.db_size = state_machine_->DiskBytes();
  // Both are estimates taken a moment apart; "in use" never exceeds the size.
  s.db_size_in_use = std::min(state_machine_->LiveBytesEstimate(), s.db_size);
  Result<std::vector<MemberRecord>> members = state_machine_->Members();
  if (members.ok()) {
    for (const MemberRecord& m : *members) {
      if (m.id == id_) s.is_learner = m.is_learner;
    }
  }
  return s;
}

uint64_t Member::RaftTerm() const { return driver_->Term(); }

}  // namespace shadekv::agent
