// Committed history, snapshots and revisions for plugins, from the member's
// state machine.
#include "agent/server/agent_host_services.h"

#include <algorithm>

#include "agent/server/event_envelope.h"
#include "shadekv/bus/codec.h"

namespace shadekv::agent {

std::string EncodeLiveEvent(const store::ChangeEvent& event, const bus::EventOrigin& origin) {
  return bus::EncodeEvent(bus::MakeChangeEvent(event, origin));
}

Result<std::string> EncodeHistoryEvent(const store::ChangeEvent& event) {
  bus::EventOrigin origin;
  if (!event.annotation.empty()) {
    Result<bus::EventOrigin> decoded = DecodeEventEnvelope(event.annotation);
    if (!decoded.ok()) {
      return Status::DataLoss("the envelope stored with revision " +
                              std::to_string(event.revision) +
                              " is damaged: " + decoded.status().message());
    }
    origin = std::move(decoded).value();
  }
  return EncodeLiveEvent(event, origin);
}

Result<const KvStateMachine*> AgentHostServices::Attached() const {
  const KvStateMachine* state_machine = state_machine_.load();
  if (state_machine == nullptr) {
    return Status::Unavailable("the member is still starting: its store is not open yet; retry");
  }
  return state_machine;
}

Result<int64_t> AgentHostServices::ReadHistory(int64_t from_revision, uint32_t max_events,
                                               const EventSink& sink) {
  SHADEKV_ASSIGN_OR_RETURN(const KvStateMachine* state_machine, Attached());
  from_revision = std::max<int64_t>(from_revision, 1);
  const int64_t current = state_machine->CurrentRevision();
  if (max_events == 0 || from_revision > current) {
    // Still refuse a compacted start, so a caller learns it at once.
    if (from_revision < state_machine->CompactRevision()) {
      return Status::OutOfRange("mvcc: required revision has been compacted");
    }
    return from_revision;
  }
  SHADEKV_ASSIGN_OR_RETURN(std::vector<store::ChangeEvent> events,
                           state_machine->Changes(from_revision - 1, current, max_events));
  int64_t next = from_revision;
  for (const store::ChangeEvent& event : events) {
    SHADEKV_ASSIGN_OR_RETURN(std::string bytes, EncodeHistoryEvent(event));
    if (!sink(event.revision, bytes)) {
      return Status::Cancelled("the plugin stopped reading history at revision " +
                               std::to_string(event.revision));
    }
    next = event.revision + 1;
  }
  return next;
}

Result<int64_t> AgentHostServices::ExportSnapshot(const ChunkSink& sink) {
  SHADEKV_ASSIGN_OR_RETURN(const KvStateMachine* state_machine, Attached());
  int64_t revision = 0;
  SHADEKV_RETURN_IF_ERROR(state_machine->ExportStoreSnapshot(
      [&](std::string_view chunk) -> Status {
        if (!sink(revision, chunk)) {
          return Status::Cancelled("the plugin stopped reading the snapshot");
        }
        return Status::Ok();
      },
      &revision));
  return revision;
}

Result<AgentHostServices::Revisions> AgentHostServices::CurrentRevisions() {
  SHADEKV_ASSIGN_OR_RETURN(const KvStateMachine* state_machine, Attached());
  Revisions revisions;
  revisions.current = state_machine->CurrentRevision();
  revisions.compact = state_machine->CompactRevision();
  return revisions;
}

Result<plugin_host::HostServices::Identity> AgentHostServices::MemberIdentity() {
  Identity identity;
  identity.member_id = member_id_.load();
  identity.cluster_id = cluster_id_.load();
  if (identity.member_id == 0) {
    return Status::Unavailable("the member has not started yet: its identity is not known");
  }
  return identity;
}

}  // namespace shadekv::agent
