// `shadectl shadow status|replay|fork|promote`: the shadow's operator
// commands (issue 7). status and replay talk to a running shadekv-shadow
// (default endpoint http://127.0.0.1:2479); fork and promote read a stopped
// shadow's data dir and write member data dirs (agent/restore), no network.
#pragma once

#include <vector>

#include "agent/ctl/commands.h"
#include "agent/ctl/flags.h"

namespace shadekv::ctl {

// The shadow's default client URL (shadekv-shadow --listen-client-urls).
inline constexpr char kShadowDefaultEndpoint[] = "http://127.0.0.1:2479";

std::vector<FlagSpec> ShadowReplayFlagSpecs();
std::vector<FlagSpec> ShadowBuildFlagSpecs();  // fork and promote

// POST /v3/shadow/status; simple: "field: value" lines, table, or json.
int RunShadowStatus(const ParsedFlags& flags, CommandEnv& env);
// The events of revisions [--from, --to] (--to default: the shadow's current
// revision), optionally of KEY or, with --prefix, of keys under KEY, printed
// as `etcdctl watch --rev` prints them (simple or json).
int RunShadowReplay(const ParsedFlags& flags, CommandEnv& env);
// A standalone single-member data dir holding the shadow's state at --rev.
int RunShadowFork(const ParsedFlags& flags, CommandEnv& env);
// A member data dir of a new primary cluster from the shadow's whole data.
int RunShadowPromote(const ParsedFlags& flags, CommandEnv& env);

}  // namespace shadekv::ctl
