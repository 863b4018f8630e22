// HostServices backed by a real MvccStore in a directory, for bus tests: the
// test applies writes through it, and it encodes each applied revision as
// the bus EVENT a real agent would publish (origin fields derived from the
// revision, so every member would produce the same bytes).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "shadekv/bus/codec.h"
#include "shadekv/plugin_host/host_services.h"
#include "shadekv/store/mvcc_store.h"

namespace shadekv::bus::testing {

class StoreHostServices : public plugin_host::HostServices {
 public:
  static Result<std::unique_ptr<StoreHostServices>> Open(const std::string& dir) {
    SHADEKV_ASSIGN_OR_RETURN(std::unique_ptr<store::MvccStore> s, store::MvccStore::Open(dir));
    return std::unique_ptr<StoreHostServices>(new StoreHostServices(std::move(s)));
  }

  // Applies a put and returns its EVENT body (for PluginHost::PublishEvent).
  Result<std::string> Put(const std::string& key, const std::string& value) {
    std::lock_guard<std::mutex> lock(mu_);
    store::WriteRequest request;
    request.op = store::PutRequest{key, value};
    SHADEKV_ASSIGN_OR_RETURN(store::ApplyResult r, store_->Apply(request, ++raft_index_));
    return EncodeRevision(r.event.revision);
  }

  Status Compact(int64_t revision) {
    std::lock_guard<std::mutex> lock(mu_);
    store::WriteRequest request;
    request.op = store::CompactionRequest{revision, false};
    SHADEKV_ASSIGN_OR_RETURN(store::ApplyResult r, store_->Apply(request, ++raft_index_));
    (void)r;
    return Status::Ok();
  }

  // The body of `revision` as published (empty when unknown).
  std::string Published(int64_t revision) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = published_.find(revision);
    return it == published_.end() ? std::string() : it->second;
  }

  Result<int64_t> ReadHistory(int64_t from_revision, uint32_t max_events,
                              const EventSink& sink) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (from_revision <= store_->CompactRevision()) {
      return Status::OutOfRange("mvcc: required revision has been compacted");
    }
    SHADEKV_ASSIGN_OR_RETURN(
        std::vector<store::ChangeEvent> changes,
        store_->Changes(from_revision - 1, store_->CurrentRevision(), max_events));
    int64_t next = from_revision;
    for (const store::ChangeEvent& c : changes) {
      if (!sink(c.revision, Encode(c))) return Status::Cancelled("sink stopped");
      next = c.revision + 1;
    }
    return next;
  }

  Result<int64_t> ExportSnapshot(const ChunkSink& sink) override {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t revision = store_->CurrentRevision();
    SHADEKV_RETURN_IF_ERROR(store_->ExportSnapshot([&](std::string_view chunk) {
      return sink(revision, chunk) ? Status::Ok() : Status::Cancelled("sink stopped");
    }));
    return revision;
  }

  Result<Revisions> CurrentRevisions() override {
    std::lock_guard<std::mutex> lock(mu_);
    return Revisions{store_->CurrentRevision(), store_->CompactRevision()};
  }

  Result<Identity> MemberIdentity() override { return Identity{7, 99}; }

  store::MvccStore& store() { return *store_; }

 private:
  explicit StoreHostServices(std::unique_ptr<store::MvccStore> s) : store_(std::move(s)) {}

  static std::string Encode(const store::ChangeEvent& change) {
    EventOrigin origin;
    origin.leader_time_ms = 1'700'000'000'000 + change.revision;
    origin.member_id = 7;
    origin.request_id = static_cast<uint64_t>(change.revision) * 3;
    origin.user = "root";
    origin.client_address = "127.0.0.1:5555";
    return EncodeEvent(MakeChangeEvent(change, origin));
  }

  // Live events are read back from history, so live and catch-up bytes are
  // identical (prev_kv included). Caller holds mu_.
  Result<std::string> EncodeRevision(int64_t revision) {
    SHADEKV_ASSIGN_OR_RETURN(std::vector<store::ChangeEvent> changes,
                             store_->Changes(revision - 1, revision, 1));
    if (changes.size() != 1) return Status::Internal("no change at the applied revision");
    std::string body = Encode(changes[0]);
    published_[revision] = body;
    return body;
  }

  std::mutex mu_;
  std::unique_ptr<store::MvccStore> store_;
  uint64_t raft_index_ = 0;
  std::map<int64_t, std::string> published_;
};

}  // namespace shadekv::bus::testing
