// The rule types that judge each EVENT on its own, with no state:
// sensitive_prefix, user_not_allowed, outside_hours, value_size and
// value_pattern. Pure.
#pragma once

#include <string>

#include "plugins/hunt/rules.h"
#include "shadekv/bus/messages.h"

namespace shadekv::hunt {

// The one-sentence summary of the alert `rule` raises for `event`, or ""
// when it raises none. Only changes under the rule's `prefix` count. Always
// "" for the windowed types (mass_delete, denied_burst).
std::string PerEventSummary(const Rule& rule, const bus::ChangeEvent& event);

}  // namespace shadekv::hunt
