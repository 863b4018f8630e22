// Applying lease entries (grant, revoke, checkpoint) and rebuilding the lease
// table from the store. Lease records live in the store's meta namespace, so
// they change in the same batch as the applied index and travel in
// snapshots. Key attachments are not persisted separately: the keyspace
// already records each key's lease, so they are rebuilt from it at open and
// after a snapshot install, then followed revision by revision (one source of
// truth, nothing that can disagree with the keys after a crash).
#include <Poco/Logger.h>

#include <variant>

#include "agent/lease/lease_record.h"
#include "agent/server/event_envelope.h"
#include "agent/server/kv_state_machine.h"

namespace shadekv::agent {
namespace {

Poco::Logger& Log() { return Poco::Logger::get("shadekv.lease"); }

// Each lease decision is reached by every member from the same table state,
// so it is a verdict: the index is consumed, nothing else changes.
Result<AppliedEntry> Verdict(store::MvccStore& store, uint64_t index, AppliedEntry applied,
                             Status verdict) {
  SHADEKV_RETURN_IF_ERROR(store.MarkApplied(index));
  applied.result = std::move(verdict);
  return applied;
}

}  // namespace

Result<AppliedEntry> KvStateMachine::ApplyLeaseEntry(uint64_t index, const RaftEntry& entry) {
  AppliedEntry applied;
  applied.origin = entry.origin;
  applied.request_id = entry.request_id;
  auto context = [&] { return "applying lease entry " + std::to_string(index); };

  if (const auto* grant = std::get_if<LeaseGrant>(&entry.op)) {
    bool exists = lessor_.With([&](lease::LeaseTable& t, int64_t) { return t.Exists(grant->id); });
    if (exists) {
      return Verdict(*store_, index, std::move(applied),
                     Status::FailedPrecondition("etcdserver: lease already exists"));
    }
    store::WriteRequest request;
    request.meta.push_back(
        {lease::LeaseMetaKey(grant->id), lease::EncodeLeaseRecord({grant->id, grant->ttl, 0})});
    Result<store::ApplyResult> result = store_->Apply(request, index);
    if (!result.ok()) return result.status().WithContext(context());
    lessor_.With([&](lease::LeaseTable& t, int64_t now) {
      Status granted = t.Grant(grant->id, grant->ttl, now);
      (void)granted;  // checked above under the same apply thread
    });
    applied.result = std::move(result);
    return applied;
  }

  if (const auto* revoke = std::get_if<LeaseRevoke>(&entry.op)) {
    // A revoke for a lease already gone (a client revoke racing the leader's
    // expiry, or a retried expiry) changes nothing: never revoked twice.
    std::optional<std::vector<std::string>> keys =
        lessor_.With([&](lease::LeaseTable& t, int64_t) -> std::optional<std::vector<std::string>> {
          if (!t.Exists(revoke->id)) return std::nullopt;
          return t.Keys(revoke->id);
        });
    if (!keys.has_value()) {
      return Verdict(*store_, index, std::move(applied),
                     Status::NotFound("etcdserver: requested lease not found"));
    }
    store::WriteRequest request;
    request.op = store::DeleteKeysRequest{std::move(*keys)};
    request.annotation = EncodeEventEnvelope(EnvelopeOf(entry));
    request.meta.push_back({lease::LeaseMetaKey(revoke->id), std::nullopt});
    Result<store::ApplyResult> result = store_->Apply(request, index);
    if (!result.ok()) return result.status().WithContext(context());
    const store::ChangeEvent& event = result->event;
    lessor_.With([&](lease::LeaseTable& t, int64_t) {
      t.ApplyEvent(event);
      t.Remove(revoke->id);
    });
    if (event.revision != 0 && listener_) listener_(event, entry);
    applied.result = std::move(result);
    return applied;
  }

  const auto& checkpoint = std::get<LeaseCheckpoint>(entry.op);
  std::vector<LeaseCheckpoint::Item> known;
  store::WriteRequest request;
  lessor_.With([&](lease::LeaseTable& t, int64_t) {
    for (const LeaseCheckpoint::Item& item : checkpoint.checkpoints) {
      std::optional<lease::LeaseRecord> record = t.Record(item.id);
      if (!record.has_value()) continue;  // revoked meanwhile
      record->remaining_ttl = item.remaining_ttl;
      request.meta.push_back({lease::LeaseMetaKey(item.id), lease::EncodeLeaseRecord(*record)});
      known.push_back(item);
    }
  });
  Result<store::ApplyResult> result = store_->Apply(request, index);
  if (!result.ok()) return result.status().WithContext(context());
  lessor_.With([&](lease::LeaseTable& t, int64_t) {
    for (const LeaseCheckpoint::Item& item : known) t.Checkpoint(item.id, item.remaining_ttl);
  });
  applied.result = std::move(result);
  return applied;
}

Status KvStateMachine::ReloadLeases() {
  SHADEKV_ASSIGN_OR_RETURN(auto entries, store_->ScanMeta(lease::kLeaseMetaPrefix));
  std::vector<lease::LeaseRecord> records;
  records.reserve(entries.size());
  for (const auto& [key, value] : entries) {
    SHADEKV_ASSIGN_OR_RETURN(lease::LeaseRecord record, lease::DecodeLeaseRecord(key, value));
    records.push_back(record);
  }
  std::vector<std::pair<std::string, int64_t>> attachments;
  if (!records.empty()) {
    // Every key ("\0" to the end), without values: only key and lease matter.
    store::RangeRequest all;
    all.key = std::string(1, '\0');
    all.range_end = std::string(1, '\0');
    all.keys_only = true;
    SHADEKV_ASSIGN_OR_RETURN(store::RangeResponse keys, store_->Range(all));
    for (store::KeyValue& kv : keys.kvs) {
      if (kv.lease != 0) attachments.emplace_back(std::move(kv.key), kv.lease);
    }
  }
  lessor_.With([&](lease::LeaseTable& t, int64_t) { t.Reset(records, attachments); });
  Log().information("loaded " + std::to_string(records.size()) + " lease(s) with " +
                    std::to_string(attachments.size()) + " attached key(s)");
  return Status::Ok();
}

}  // namespace shadekv::agent
