// `shadectl curve keygen --out DIR/NAME`: writes a new CURVE keypair,
// DIR/NAME.key (secret, 0600) and DIR/NAME.pub, for the peer links
// (--peer-curve-key) and the bus (publisher.curve_key, --bus-curve-key). A
// local command: it needs no endpoint.
#pragma once

#include <vector>

#include "agent/ctl/commands.h"
#include "agent/ctl/flags.h"

namespace shadekv::ctl {

std::vector<FlagSpec> CurveKeygenFlagSpecs();  // --out PREFIX

// Exit 0 and the two paths and the public key on stdout; 128 without --out
// or with a positional argument; 1 when a file exists (never overwritten),
// the directory is missing or not writable.
int RunCurveKeygen(const ParsedFlags& flags, CommandEnv& env);

}  // namespace shadekv::ctl
