// The agent's side of the plugin host (plugin_host::HostServices): committed
// history as bus EVENT bytes, store snapshots and revisions, all read from
// the member's state machine. History events are rebuilt with the envelope
// stored beside each revision (event_envelope.h), so they are byte for byte
// the events the apply thread published live.
//
// Life cycle: plugins are loaded (and may call in) before the member exists;
// until Attach every call fails with kUnavailable. The attached state
// machine must outlive every call, i.e. stay alive until the plugin host has
// shut down. Thread-safe: any thread, concurrently with the apply thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "agent/server/kv_state_machine.h"
#include "shadekv/bus/messages.h"
#include "shadekv/plugin_host/host_services.h"
#include "shadekv/store/kv_types.h"

namespace shadekv::agent {

class AgentHostServices : public plugin_host::HostServices {
 public:
  AgentHostServices() = default;

  // Serves from `state_machine` from now on. Call once.
  void Attach(const KvStateMachine* state_machine) { state_machine_.store(state_machine); }
  // The member's ids, for the publisher's heartbeats. Call once, with Attach.
  void SetIdentity(uint64_t member_id, uint64_t cluster_id) {
    cluster_id_.store(cluster_id);
    member_id_.store(member_id);
  }

  // from_revision below 1 means "from the oldest retained revision on": it
  // is read as 1 (kOutOfRange once revision 1 is compacted away). A
  // revision whose stored envelope cannot be decoded: kDataLoss.
  Result<int64_t> ReadHistory(int64_t from_revision, uint32_t max_events,
                              const EventSink& sink) override;
  Result<int64_t> ExportSnapshot(const ChunkSink& sink) override;
  Result<Revisions> CurrentRevisions() override;
  // kUnavailable until SetIdentity.
  Result<Identity> MemberIdentity() override;

 private:
  Result<const KvStateMachine*> Attached() const;

  std::atomic<const KvStateMachine*> state_machine_{nullptr};
  std::atomic<uint64_t> member_id_{0};  // 0: not known yet
  std::atomic<uint64_t> cluster_id_{0};
};

// The bus EVENT bytes of one applied revision and the envelope of the entry
// that made it. Pure; what the apply thread publishes.
std::string EncodeLiveEvent(const store::ChangeEvent& event, const bus::EventOrigin& origin);

// The same for a revision read back from history, with the envelope taken
// from its stored annotation (an empty annotation: an empty envelope).
// Errors: kDataLoss naming the revision when the annotation is damaged.
Result<std::string> EncodeHistoryEvent(const store::ChangeEvent& event);

}  // namespace shadekv::agent
