// KvStateMachine: the etcd key-value state machine every member applies.
//
// Decodes committed entries (entry_codec.h), applies them to the MvccStore
// together with their Raft index, keeps the member directory in the store's
// meta namespace, keeps the lease table (lessor.h) in step with the applied
// entries (lease records in meta, key attachments rebuilt from the keyspace at
// open and snapshot install, then followed revision by revision), swaps the
// whole store when a snapshot arrives, and runs physical compaction on a
// background thread.
//
// Threads: the StateMachine methods run on the Raft driver's thread. The read
// methods may be called from any thread; they hold a shared lock so that a
// snapshot installation (exclusive) never pulls the store from under them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "agent/auth/auth_state.h"
#include "agent/lease/lease_table.h"
#include "agent/server/alarm_types.h"
#include "agent/server/entry_codec.h"
#include "agent/server/lessor.h"
#include "agent/server/member_directory.h"
#include "agent/server/state_machine.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::agent {

class KvStateMachine : public StateMachine {
 public:
  // Called on the driver thread after each applied entry that made a
  // revision, with the entry that made it (who, from where, when).
  using EventListener = std::function<void(const store::ChangeEvent&, const RaftEntry&)>;

  // Opens (or creates) the store in kv_dir and loads its leases. Errors:
  // those of MvccStore::Open, kDataLoss for a damaged lease record.
  static Result<std::unique_ptr<KvStateMachine>> Open(
      const std::string& kv_dir, const lease::LeaseTableOptions& lease_options = {});
  ~KvStateMachine() override;

  // Must be set before the driver starts.
  void SetEventListener(EventListener listener) { listener_ = std::move(listener); }

  // Called on the driver thread after a snapshot replaced the store, with
  // the new store's revision: the event listener heard nothing of the
  // revisions the snapshot brought (the watch hub catches up on them).
  using RestoreListener = std::function<void(int64_t revision)>;
  void SetRestoreListener(RestoreListener listener) { restore_listener_ = std::move(listener); }

  // ---- StateMachine (driver thread) ----
  uint64_t AppliedIndex() const override;
  Result<AppliedEntry> Apply(uint64_t index, std::string_view payload) override;
  // Runs of plain puts share one store write (MvccStore::ApplyPuts); any
  // other entry is applied alone, in order (kv_state_machine_run.cc).
  Result<std::vector<AppliedEntry>> ApplyRun(
      uint64_t first_index, const std::vector<std::string_view>& payloads) override;
  Status MarkApplied(uint64_t index) override;
  Status ApplyConfChange(uint64_t index, const raft::ConfChange& change,
                         const raft::ConfState& conf_state) override;
  Result<std::string> SnapshotImage() override;
  Status RestoreSnapshot(const raft::Snapshot& snapshot) override;

  // ---- Reads (any thread) ----
  Result<store::RangeResponse> Range(const store::RangeRequest& request) const;
  Result<store::HashResult> HashKv(int64_t revision) const;
  Result<std::vector<store::ChangeEvent>> Changes(int64_t from_exclusive, int64_t to_inclusive,
                                                  size_t max_events) const;
  // Streams the store's snapshot (MvccStore::ExportSnapshot); `*revision`
  // is the revision it holds, set before the first chunk reaches `sink`. A
  // snapshot install waits until the export is done.
  Status ExportStoreSnapshot(const store::SnapshotSink& sink, int64_t* revision) const;
  int64_t CurrentRevision() const;
  int64_t CompactRevision() const;
  Result<std::vector<MemberRecord>> Members() const;
  // Bytes the store's files take on disk.
  uint64_t DiskBytes() const;
  // DiskBytes() as measured at most kDiskBytesMaxAge ago (any thread). The
  // quota check runs on every write request, and listing and stat-ing the
  // directory for each one cost several syscalls per put; etcd's quota
  // check also reads a size its backend refreshes on each (100 ms) commit.
  // Defragment and a snapshot install measure afresh.
  uint64_t RecentDiskBytes() const;
  static constexpr std::chrono::milliseconds kDiskBytesMaxAge{100};

  // ---- Alarms and maintenance (kv_state_machine_alarm.cc) ----
  // The active alarms as applied here, in member order (any thread). Every
  // member applies the same alarm entries, so the lists agree once applied.
  std::vector<AlarmMember> Alarms() const;
  // Bytes of live data by LevelDB's estimate (MvccStore::LiveBytesEstimate).
  uint64_t LiveBytesEstimate() const;
  // Finishes any pending physical compaction, then rewrites the store's files
  // (MvccStore::Defragment) while reads and applies continue (any thread).
  Status Defragment();

  // The lease table, kept current by Apply (any thread, see lessor.h).
  Lessor& lessor() { return lessor_; }

  // The applied auth state (any thread): an immutable snapshot, replaced
  // whole by each applied auth change and by a snapshot install, so a
  // request checks against one consistent state without holding a lock.
  std::shared_ptr<const auth::AuthState> auth_state() const;

 private:
  KvStateMachine(std::string dir, const lease::LeaseTableOptions& lease_options);
  // Callers hold store_mu_ (shared or exclusive).
  store::WriteRequest ToWriteRequest(const EntryOp& op) const;
  // Lease entries (kv_state_machine_lease.cc). Callers hold store_mu_.
  Result<AppliedEntry> ApplyLeaseEntry(uint64_t index, const RaftEntry& entry);
  // Rebuilds the lease table from the store's meta and keyspace.
  Status ReloadLeases();
  // Auth entries (kv_state_machine_auth.cc). Callers hold store_mu_.
  Result<AppliedEntry> ApplyAuthEntry(uint64_t index, const RaftEntry& entry);
  // Reads the auth state back from the store's meta.
  Status ReloadAuth();
  // The entry's user may still do what a key entry (put, delete, txn) asks,
  // by the auth state as of this index (the API checked when it proposed;
  // a permission revoked in between is honoured here, on every member
  // alike). Other entries: OK.
  Status AuthorizeAtApply(const RaftEntry& entry) const;
  // Alarm entries (kv_state_machine_alarm.cc). Callers hold store_mu_.
  Result<AppliedEntry> ApplyAlarmEntry(uint64_t index, const RaftEntry& entry,
                                       const AlarmChange& change);
  // Reloads alarms_ from the store's meta. Callers hold store_mu_.
  Status ReloadAlarms();
  // A decoded put that ApplyRun may group: the entry, its write request.
  struct GroupedPut {
    RaftEntry entry;
    store::WriteRequest request;
  };
  // Applies `puts` (at consecutive indexes from first_index) in one store
  // write and appends their outcomes to `applied`. kv_state_machine_run.cc.
  Status ApplyPutGroup(uint64_t first_index, std::vector<GroupedPut>& puts,
                       std::vector<AppliedEntry>* applied);
  void CompactInBackground();
  void WakeCompactor();

  // Fixed after construction.
  const std::string dir_;
  EventListener listener_;
  Lessor lessor_;
  RestoreListener restore_listener_;

  // The store; replaced only under an exclusive lock (snapshot install).
  mutable std::shared_mutex store_mu_;
  std::unique_ptr<store::MvccStore> store_;

  // RecentDiskBytes' cache: the size and when it was measured (steady clock,
  // nanoseconds; the minimum means "measure again").
  mutable std::atomic<uint64_t> disk_bytes_{0};
  mutable std::atomic<int64_t> disk_bytes_at_ns_{std::numeric_limits<int64_t>::min()};

  // The applied auth state; the pointer is swapped under auth_mu_, the
  // state it points to never changes.
  mutable std::mutex auth_mu_;
  std::shared_ptr<const auth::AuthState> auth_;  // guarded by auth_mu_
  // The active alarms, a copy of the store's alarm records kept for the
  // apply path and readers.
  mutable std::mutex alarm_mu_;
  std::vector<AlarmMember> alarms_;  // guarded by alarm_mu_

  // Background compaction.
  std::mutex compact_mu_;
  std::condition_variable compact_cv_;
  bool compact_wanted_ = false;  // guarded by compact_mu_
  bool stopping_ = false;        // guarded by compact_mu_
  std::thread compactor_;
};

}  // namespace shadekv::agent
