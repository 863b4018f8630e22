// `txn`: read etcdctl's txn syntax from stdin (with prompts under -i), send
// one /v3/kv/txn, print SUCCESS/FAILURE and each response.
#include "agent/ctl/commands.h"
#include "agent/ctl/txn_parser.h"

namespace shadekv::ctl {

int RunTxn(const ParsedFlags& flags, CommandEnv& env) {
  if (!flags.positionals.empty()) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("txn command does not accept argument"));
  }
  std::ostream* prompts = flags.GetBool("interactive") ? &env.out : nullptr;
  Result<Poco::JSON::Object::Ptr> body = ReadTxn(env.in, prompts);
  if (!body.ok()) {
    switch (body.status().code()) {
      case StatusCode::kFailedPrecondition:
        return Fail(env, kExitBadArgs, body.status());
      case StatusCode::kUnimplemented:
        return Fail(env, kExitBadFeature, body.status());
      default:
        return Fail(env, kExitInvalidInput, body.status());
    }
  }
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/kv/txn", *body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatTxn(*resp, env.print));
}

}  // namespace shadekv::ctl
