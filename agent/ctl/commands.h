// shadectl's commands. Each takes its parsed flags (positionals are the
// command's own arguments) and an environment, does its requests through the
// gateway client, prints what etcdctl prints, and returns the process exit
// code etcdctl would return.
#pragma once

#include <istream>
#include <ostream>
#include <vector>

#include "agent/ctl/flags.h"
#include "agent/ctl/gateway_client.h"
#include "agent/ctl/output_format.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// etcdctl's exit codes (ctlv3/command/error.go).
inline constexpr int kExitSuccess = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitBadConnection = 2;
inline constexpr int kExitInvalidInput = 3;
inline constexpr int kExitBadFeature = 4;
inline constexpr int kExitBadArgs = 128;

struct CommandEnv {
  const GatewayClient& client;
  PrintOptions print;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
};

// Prints "Error: <message>" on env.err and returns `exit_code`.
int Fail(CommandEnv& env, int exit_code, const Status& status);

// The exit code for a local argument check: InvalidArgument -> 128 (bad
// args), Unimplemented -> 4 (bad feature), anything else -> 1.
int ArgsExitCode(const Status& status);

// Writes formatted output, or fails the way etcdctl does when the format has
// no printer for this response (exit 4).
int PrintOrFail(CommandEnv& env, const Result<std::string>& text);

int RunPut(const ParsedFlags& flags, CommandEnv& env);
int RunGet(const ParsedFlags& flags, CommandEnv& env);
int RunDel(const ParsedFlags& flags, CommandEnv& env);
int RunCompaction(const ParsedFlags& flags, CommandEnv& env);
int RunTxn(const ParsedFlags& flags, CommandEnv& env);

int RunMemberList(const ParsedFlags& flags, CommandEnv& env);
int RunMemberAdd(const ParsedFlags& flags, CommandEnv& env);
int RunMemberRemove(const ParsedFlags& flags, CommandEnv& env);
int RunMemberUpdate(const ParsedFlags& flags, CommandEnv& env);
int RunMemberPromote(const ParsedFlags& flags, CommandEnv& env);

int RunEndpointStatus(const ParsedFlags& flags, CommandEnv& env);
int RunEndpointHealth(const ParsedFlags& flags, CommandEnv& env);
int RunEndpointHashKv(const ParsedFlags& flags, CommandEnv& env);

// Long-running commands: they stop cleanly on SIGINT/SIGTERM (a SignalStopper
// blocks both signals while they run).
int RunWatch(const ParsedFlags& flags, CommandEnv& env);
int RunLock(const ParsedFlags& flags, CommandEnv& env);
int RunElect(const ParsedFlags& flags, CommandEnv& env);

int RunLeaseGrant(const ParsedFlags& flags, CommandEnv& env);
int RunLeaseRevoke(const ParsedFlags& flags, CommandEnv& env);
int RunLeaseTimeToLive(const ParsedFlags& flags, CommandEnv& env);
int RunLeaseList(const ParsedFlags& flags, CommandEnv& env);
int RunLeaseKeepAlive(const ParsedFlags& flags, CommandEnv& env);

}  // namespace shadekv::ctl
