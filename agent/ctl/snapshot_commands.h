// `shadectl snapshot save|status|restore` (issue 10): etcdctl's backup and
// restore workflow. save streams one member's store over
// /v3/maintenance/snapshot into a file; status verifies a file and describes
// it; restore builds a member data dir of a NEW cluster from it
// (agent/restore's BuildMemberDataDir, shared with `shadow promote`).
#pragma once

#include <vector>

#include "agent/ctl/commands.h"
#include "agent/ctl/flags.h"

namespace shadekv::ctl {

// etcdctl's code for every failure of `snapshot save` (ExitInterrupted).
inline constexpr int kExitSnapshotSave = 5;

std::vector<FlagSpec> SnapshotRestoreFlagSpecs();

// FILE.part is written, checked (length, SHA-256), fsynced, then renamed to
// FILE; any failure removes FILE.part and leaves FILE untouched. Prints
// "Snapshot saved at FILE" like etcdctl.
int RunSnapshotSave(const ParsedFlags& flags, CommandEnv& env);
// HASH, REVISION, TOTAL KEYS, TOTAL SIZE (etcdctl's columns) after a full
// verification; -w simple|table|json.
int RunSnapshotStatus(const ParsedFlags& flags, CommandEnv& env);
// --data-dir (default NAME.shadekv), --name (default "default"),
// --initial-cluster (default NAME=ADVERTISE_URL), --initial-cluster-token
// (default shadekv-cluster, the agent's), --initial-advertise-peer-urls
// (default tcp://127.0.0.1:2380, the agent's), --bump-revision N,
// --mark-compacted.
int RunSnapshotRestore(const ParsedFlags& flags, CommandEnv& env);

}  // namespace shadekv::ctl
