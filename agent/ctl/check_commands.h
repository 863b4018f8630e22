// `shadectl check hash`: compares the keyspace hash of several members
// and/or shadows at one common revision (shadekv-specific; etcdctl's
// `check perf` and `check datascale` are not here).
#pragma once

#include "agent/ctl/commands.h"
#include "agent/ctl/flags.h"

namespace shadekv::ctl {

// For every --endpoints entry: its current and compact revision
// (/v3/maintenance/hashkv), then the hash of each at the lowest current
// revision (retried a few times when a compaction got in the way), printed as
// a table: ENDPOINT, REVISION, COMPACT REVISION, HASH, STATUS (OK or
// MISMATCH; the largest group of equal hashes is OK, on a tie the first
// endpoint's group). -w json prints the same as one JSON object.
// Exit codes: 0 all equal; 1 a mismatch or an endpoint that did not answer;
// 128 fewer than two endpoints.
int RunCheckHash(const ParsedFlags& flags, CommandEnv& env);

}  // namespace shadekv::ctl
