// A revision's annotation as a member stores it: the agent's event envelope
// (agent/server/event_envelope.h). A shadow's mirror keeps the bus EVENT body
// there instead (mirror/README.md, "Annotations"); a member promoted from it
// would then fail to rebuild history events for plugins ("envelope ...
// damaged"), so the body is converted to the envelope it came from. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shadekv::restore {

// The envelope unchanged, an EVENT body's origin as an envelope, or nullopt
// for anything else (the revision then simply has no who/when).
std::optional<std::string> AnnotationAsEnvelope(int64_t revision, std::string_view bytes);

}  // namespace shadekv::restore
