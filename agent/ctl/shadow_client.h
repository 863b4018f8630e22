// The gateway client for commands addressed to a shadow: --endpoints when
// given, else the shadow's default http://127.0.0.1:2479. ETCDCTL_ENDPOINTS
// is deliberately not used: it names the primary, and a shadow command sent
// there would read the wrong store.
#pragma once

#include "agent/ctl/commands.h"

namespace shadekv::ctl {

GatewayClient ShadowClient(const ParsedFlags& flags, const CommandEnv& env);

}  // namespace shadekv::ctl
