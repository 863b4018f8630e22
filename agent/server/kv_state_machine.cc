// Applying committed entries to the MVCC store.
#include "agent/server/kv_state_machine.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <type_traits>
#include <variant>

#include "agent/server/alarm_rules.h"
#include "agent/server/event_envelope.h"

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.apply"); }

// The store's own failures (disk, corruption) differ from a request's verdict
// (bad argument, compacted revision): the first must stop the member.
bool IsStorageFailure(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.code() == StatusCode::kDataLoss ||
         s.code() == StatusCode::kInternal || s.code() == StatusCode::kFailedPrecondition;
}

}  // namespace

// Key operations map one to one; a member's published attributes become a
// meta write that updates its directory record (no key changes, no revision).
store::WriteRequest KvStateMachine::ToWriteRequest(const EntryOp& op) const {
  store::WriteRequest request;
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, LeaseGrant> || std::is_same_v<T, LeaseRevoke> ||
                      std::is_same_v<T, LeaseCheckpoint> || std::is_same_v<T, auth::AuthChange> ||
                      std::is_same_v<T, AlarmChange>) {
          // Applied by ApplyLeaseEntry / ApplyAuthEntry / ApplyAlarmEntry,
          // never through here.
        } else if constexpr (std::is_same_v<T, MemberAttributes>) {
          std::string key = MemberMetaKey(o.member_id);
          Result<std::optional<std::string>> existing = store_->GetMeta(key);
          if (!existing.ok() || !existing->has_value()) return;  // removed meanwhile
          Result<MemberRecord> record = DecodeMemberRecord(**existing);
          if (!record.ok()) return;
          record->name = o.name;
          record->client_urls = o.client_urls;
          request.meta.push_back({key, EncodeMemberRecord(*record)});
        } else {
          request.op = o;
        }
      },
      op);
  return request;
}

KvStateMachine::KvStateMachine(std::string dir, const lease::LeaseTableOptions& lease_options)
    : dir_(std::move(dir)), lessor_(lease_options) {}

Result<std::unique_ptr<KvStateMachine>> KvStateMachine::Open(
    const std::string& kv_dir, const lease::LeaseTableOptions& lease_options) {
  std::unique_ptr<KvStateMachine> sm(new KvStateMachine(kv_dir, lease_options));
  SHADEKV_ASSIGN_OR_RETURN(sm->store_, store::MvccStore::Open(kv_dir));
  SHADEKV_RETURN_IF_ERROR(sm->ReloadLeases());
  SHADEKV_RETURN_IF_ERROR(sm->ReloadAuth());
  SHADEKV_RETURN_IF_ERROR(sm->ReloadAlarms());
  sm->compactor_ = std::thread([raw = sm.get()] { raw->CompactInBackground(); });
  // A compaction interrupted by a crash resumes now.
  sm->WakeCompactor();
  return sm;
}

KvStateMachine::~KvStateMachine() {
  {
    std::lock_guard<std::mutex> lock(compact_mu_);
    stopping_ = true;
  }
  compact_cv_.notify_all();
  if (compactor_.joinable()) compactor_.join();
}

uint64_t KvStateMachine::AppliedIndex() const {
  std::shared_lock lock(store_mu_);
  return store_->AppliedIndex();
}

Result<AppliedEntry> KvStateMachine::Apply(uint64_t index, std::string_view payload) {
  Result<RaftEntry> entry = DecodeRaftEntry(payload);
  if (!entry.ok()) {
    // Every member decodes the same bytes the same way, so skipping keeps
    // them in step; the proposer (if any) cannot be told, it times out.
    Log().error("committed entry " + std::to_string(index) +
                " cannot be decoded and is skipped: " + entry.status().ToString());
    SHADEKV_RETURN_IF_ERROR(MarkApplied(index));
    return AppliedEntry{0, 0, entry.status()};
  }
  if (const auto* alarm = std::get_if<AlarmChange>(&entry->op)) {
    std::shared_lock lock(store_mu_);
    return ApplyAlarmEntry(index, *entry, *alarm);
  }
  // An active alarm turns some writes into a verdict every member reaches
  // alike (etcd swaps in applierV3Capped / applierV3Corrupt).
  if (Status refused = CheckAlarmedWrite(entry->op, Alarms()); !refused.ok()) {
    std::shared_lock lock(store_mu_);
    SHADEKV_RETURN_IF_ERROR(store_->MarkApplied(index));
    return AppliedEntry{entry->origin, entry->request_id, std::move(refused)};
  }
  if (std::holds_alternative<LeaseGrant>(entry->op) ||
      std::holds_alternative<LeaseRevoke>(entry->op) ||
      std::holds_alternative<LeaseCheckpoint>(entry->op)) {
    std::shared_lock lock(store_mu_);
    return ApplyLeaseEntry(index, *entry);
  }
  if (std::holds_alternative<auth::AuthChange>(entry->op)) {
    std::shared_lock lock(store_mu_);
    return ApplyAuthEntry(index, *entry);
  }
  AppliedEntry applied;
  applied.origin = entry->origin;
  applied.request_id = entry->request_id;
  if (Status allowed = AuthorizeAtApply(*entry); !allowed.ok()) {
    // A verdict every member reaches alike: the index is consumed, nothing changes.
    SHADEKV_RETURN_IF_ERROR(MarkApplied(index));
    applied.result = std::move(allowed);
    return applied;
  }
  bool compaction = std::holds_alternative<store::CompactionRequest>(entry->op);
  {
    std::shared_lock lock(store_mu_);
    store::WriteRequest request = ToWriteRequest(entry->op);
    // Stored with the revision so history carries who/when like live events.
    request.annotation = EncodeEventEnvelope(EnvelopeOf(*entry));
    // Asked while the entry applies, so every member answers alike.
    request.lease_exists = [this](int64_t id) {
      return lessor_.With([id](lease::LeaseTable& t, int64_t) { return t.Exists(id); });
    };
    applied.result = store_->Apply(request, index);
  }
  if (!applied.result.ok() && IsStorageFailure(applied.result.status())) {
    return applied.result.status().WithContext("applying entry " + std::to_string(index));
  }
  if (applied.result.ok()) {
    const store::ChangeEvent& event = applied.result->event;
    if (event.revision != 0) {
      lessor_.With([&](lease::LeaseTable& t, int64_t) { t.ApplyEvent(event); });
    }
    if (event.revision != 0 && listener_) listener_(event, *entry);
    if (compaction) WakeCompactor();
  }
  return applied;
}

Status KvStateMachine::MarkApplied(uint64_t index) {
  std::shared_lock lock(store_mu_);
  return store_->MarkApplied(index);
}

Status KvStateMachine::ApplyConfChange(uint64_t index, const raft::ConfChange& change,
                                       const raft::ConfState& conf_state) {
  store::WriteRequest request;
  std::string key = MemberMetaKey(change.node_id);
  if (change.type == raft::ConfChangeType::kRemoveNode) {
    request.meta.push_back({key, std::nullopt});
  } else {
    MemberRecord record;
    record.id = change.node_id;
    {
      // Keep what is known (a promotion carries no context).
      std::shared_lock lock(store_mu_);
      Result<std::optional<std::string>> existing = store_->GetMeta(key);
      if (existing.ok() && existing->has_value()) {
        Result<MemberRecord> old = DecodeMemberRecord(**existing);
        if (old.ok()) record = *old;
      }
    }
    if (!change.context.empty()) {
      Result<MemberRecord> given = DecodeMemberRecord(change.context);
      if (given.ok()) {
        record.peer_urls = given->peer_urls;
        if (!given->name.empty()) record.name = given->name;
        if (!given->client_urls.empty()) record.client_urls = given->client_urls;
      } else {
        record.peer_urls = {change.context};  // a bare peer URL
      }
    }
    record.id = change.node_id;
    record.is_learner = std::find(conf_state.learners.begin(), conf_state.learners.end(),
                                  change.node_id) != conf_state.learners.end();
    request.meta.push_back({key, EncodeMemberRecord(record)});
  }
  std::shared_lock lock(store_mu_);
  Result<store::ApplyResult> result = store_->Apply(request, index);
  return result.status();
}

Result<std::string> KvStateMachine::SnapshotImage() {
  std::string image;
  std::shared_lock lock(store_mu_);
  SHADEKV_RETURN_IF_ERROR(store_->ExportSnapshot([&](std::string_view chunk) {
    image.append(chunk);
    return Status::Ok();
  }));
  return image;
}

Status KvStateMachine::RestoreSnapshot(const raft::Snapshot& snapshot) {
  std::unique_lock lock(store_mu_);
  store_.reset();  // RestoreFromSnapshot needs the directory closed
  size_t offset = 0;
  Status restored = store::MvccStore::RestoreFromSnapshot(
      dir_, [&](char* buffer, size_t capacity) -> Result<size_t> {
        size_t n = std::min(capacity, snapshot.data.size() - offset);
        std::memcpy(buffer, snapshot.data.data() + offset, n);
        offset += n;
        return n;
      });
  // Reopen whatever is there now: the new store, or the old one untouched.
  Result<std::unique_ptr<store::MvccStore>> reopened = store::MvccStore::Open(dir_);
  if (!reopened.ok()) return reopened.status().WithContext("reopening the store after a snapshot");
  store_ = std::move(reopened).value();
  Status leases = ReloadLeases();
  Status auth = ReloadAuth();
  Status alarms = ReloadAlarms();
  SHADEKV_RETURN_IF_ERROR(restored);
  SHADEKV_RETURN_IF_ERROR(leases);
  SHADEKV_RETURN_IF_ERROR(auth);
  SHADEKV_RETURN_IF_ERROR(alarms);
  if (store_->AppliedIndex() != snapshot.meta.index) {
    return Status::DataLoss("snapshot image is at applied index " +
                            std::to_string(store_->AppliedIndex()) + " but its metadata says " +
                            std::to_string(snapshot.meta.index));
  }
  const int64_t revision = store_->CurrentRevision();
  lock.unlock();
  disk_bytes_at_ns_.store(std::numeric_limits<int64_t>::min(), std::memory_order_release);
  if (restore_listener_) restore_listener_(revision);
  WakeCompactor();
  return Status::Ok();
}

Result<store::RangeResponse> KvStateMachine::Range(const store::RangeRequest& request) const {
  std::shared_lock lock(store_mu_);
  return store_->Range(request);
}

Result<store::HashResult> KvStateMachine::HashKv(int64_t revision) const {
  std::shared_lock lock(store_mu_);
  return store_->HashKv(revision);
}

Result<std::vector<store::ChangeEvent>> KvStateMachine::Changes(int64_t from_exclusive,
                                                                int64_t to_inclusive,
                                                                size_t max_events) const {
  std::shared_lock lock(store_mu_);
  return store_->Changes(from_exclusive, to_inclusive, max_events);
}

Status KvStateMachine::ExportStoreSnapshot(const store::SnapshotSink& sink,
                                           int64_t* revision) const {
  std::shared_lock lock(store_mu_);
  return store_->ExportSnapshot(sink, {}, revision);
}

int64_t KvStateMachine::CurrentRevision() const {
  std::shared_lock lock(store_mu_);
  return store_->CurrentRevision();
}

int64_t KvStateMachine::CompactRevision() const {
  std::shared_lock lock(store_mu_);
  return store_->CompactRevision();
}

Result<std::vector<MemberRecord>> KvStateMachine::Members() const {
  std::shared_lock lock(store_mu_);
  SHADEKV_ASSIGN_OR_RETURN(auto entries, store_->ScanMeta(kMemberMetaPrefix));
  std::vector<MemberRecord> members;
  for (const auto& [key, value] : entries) {
    SHADEKV_ASSIGN_OR_RETURN(MemberRecord record, DecodeMemberRecord(value));
    members.push_back(std::move(record));
  }
  return members;
}

uint64_t KvStateMachine::DiskBytes() const {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(dir_, ec)) {
    if (file.is_regular_file(ec)) total += file.file_size(ec);
  }
  return total;
}

uint64_t KvStateMachine::RecentDiskBytes() const {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  int64_t at = disk_bytes_at_ns_.load(std::memory_order_acquire);
  const int64_t max_age = std::chrono::nanoseconds(kDiskBytesMaxAge).count();
  // One caller measures; the others keep the previous value meanwhile.
  if ((at == std::numeric_limits<int64_t>::min() || now - at >= max_age) &&
      disk_bytes_at_ns_.compare_exchange_strong(at, now, std::memory_order_acq_rel)) {
    disk_bytes_.store(DiskBytes(), std::memory_order_release);
  }
  return disk_bytes_.load(std::memory_order_acquire);
}

void KvStateMachine::WakeCompactor() {
  {
    std::lock_guard<std::mutex> lock(compact_mu_);
    compact_wanted_ = true;
  }
  compact_cv_.notify_all();
}

void KvStateMachine::CompactInBackground() {
  std::unique_lock<std::mutex> lock(compact_mu_);
  while (true) {
    compact_cv_.wait(lock, [&] { return compact_wanted_ || stopping_; });
    if (stopping_) return;
    compact_wanted_ = false;
    lock.unlock();
    // Small steps keep reads and applies flowing while history is deleted.
    bool done = false;
    while (!done) {
      Result<bool> step = [&]() -> Result<bool> {
        std::shared_lock store_lock(store_mu_);
        return store_->CompactStep(1000);
      }();
      if (!step.ok()) {
        Log().error("compaction step failed (will retry on the next compaction): " +
                    step.status().ToString());
        break;
      }
      done = *step;
      std::lock_guard<std::mutex> stop_check(compact_mu_);
      if (stopping_) return;
    }
    lock.lock();
  }
}

}  // namespace shadekv::agent
