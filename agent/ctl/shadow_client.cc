// See shadow_client.h.
#include "agent/ctl/shadow_client.h"

#include "agent/ctl/shadow_commands.h"

namespace shadekv::ctl {

GatewayClient ShadowClient(const ParsedFlags& flags, const CommandEnv& env) {
  GatewayOptions options = env.client.options();
  if (!flags.Has("endpoints")) options.endpoints = {kShadowDefaultEndpoint};
  return GatewayClient(std::move(options));
}

}  // namespace shadekv::ctl
