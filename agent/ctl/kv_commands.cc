// put, get, del and compaction: build the request, call the gateway, print.
#include "agent/ctl/commands.h"
#include "agent/ctl/kv_requests.h"

namespace shadekv::ctl {

int Fail(CommandEnv& env, int exit_code, const Status& status) {
  env.out.flush();
  env.err << "Error: " << status.message() << "\n" << std::flush;
  return exit_code;
}

int ArgsExitCode(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return kExitBadArgs;
    case StatusCode::kUnimplemented:
      return kExitBadFeature;
    default:
      return kExitError;
  }
}

int PrintOrFail(CommandEnv& env, const Result<std::string>& text) {
  if (!text.ok()) return Fail(env, kExitBadFeature, text.status());
  env.out << *text << std::flush;
  return kExitSuccess;
}

int RunPut(const ParsedFlags& flags, CommandEnv& env) {
  Result<Poco::JSON::Object::Ptr> body = BuildPutRequest(flags, &env.in);
  if (!body.ok()) return Fail(env, ArgsExitCode(body.status()), body.status());
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/kv/put", *body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatPut(*resp, env.print));
}

int RunGet(const ParsedFlags& flags, CommandEnv& env) {
  Result<Poco::JSON::Object::Ptr> body = BuildRangeRequest(flags);
  if (!body.ok()) return Fail(env, ArgsExitCode(body.status()), body.status());
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/kv/range", *body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  PrintOptions print = env.print;
  if (flags.GetBool("print-value-only")) {
    if (print.format != OutputFormat::kSimple) {
      return Fail(env, kExitBadArgs,
                  Status::InvalidArgument("print-value-only is only for `--write-out=simple`"));
    }
    print.value_only = true;
  }
  print.count_only = flags.GetBool("count-only");
  return PrintOrFail(env, FormatRange(*resp, print));
}

int RunDel(const ParsedFlags& flags, CommandEnv& env) {
  Result<Poco::JSON::Object::Ptr> body = BuildDeleteRequest(flags);
  if (!body.ok()) return Fail(env, ArgsExitCode(body.status()), body.status());
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/kv/deleterange", *body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatDelete(*resp, env.print));
}

int RunCompaction(const ParsedFlags& flags, CommandEnv& env) {
  if (flags.positionals.size() != 1) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("compaction command needs 1 argument"));
  }
  Result<int64_t> rev = ParseGoInt64(flags.positionals[0], 10);
  if (!rev.ok()) return Fail(env, kExitError, rev.status());
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("revision", std::to_string(*rev));
  if (flags.GetBool("physical")) body->set("physical", true);
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/kv/compaction", body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  // etcdctl prints this line whatever -w says.
  env.out << "compacted revision " << *rev << "\n" << std::flush;
  return kExitSuccess;
}

}  // namespace shadekv::ctl
