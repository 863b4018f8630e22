// Envelope or EVENT body -> envelope.
#include "agent/restore/annotation_convert.h"

#include "agent/server/event_envelope.h"
#include "shadekv/bus/codec.h"

namespace shadekv::restore {

std::optional<std::string> AnnotationAsEnvelope(int64_t revision, std::string_view bytes) {
  if (agent::DecodeEventEnvelope(bytes).ok()) return std::string(bytes);
  Result<bus::ChangeEvent> event = bus::DecodeEvent(bytes);
  // An EVENT of another revision is not this revision's story: drop it.
  if (!event.ok() || event->revision != revision) return std::nullopt;
  bus::EventOrigin origin;
  origin.leader_time_ms = event->leader_time_ms;
  origin.member_id = event->member_id;
  origin.request_id = event->request_id;
  origin.user = event->user;
  origin.client_address = event->client_address;
  return agent::EncodeEventEnvelope(origin);
}

}  // namespace shadekv::restore
