// `shadow replay`: the shadow's history of revisions [--from, --to].
//
// Exact by construction: one watch on the WHOLE keyspace from --from. Every
// revision after 1 was made by at least one key change, so the stream holds
// an event at every revision up to the shadow's current one and the command
// knows when it has seen --to, without relying on timing. Key filtering
// (KEY, --prefix) is done here, on the decoded keys.
#include <Poco/JSON/Array.h>

#include <algorithm>

#include "agent/ctl/json_util.h"
#include "agent/ctl/shadow_client.h"
#include "agent/ctl/shadow_commands.h"
#include "agent/ctl/signal_stopper.h"
#include "agent/ctl/watch_format.h"
#include "agent/ctl/watch_request.h"

namespace shadekv::ctl {
namespace {

struct ReplayArgs {
  int64_t from = 0;
  int64_t to = 0;  // 0: the shadow's current revision
  std::string key;
  bool prefix = false;
  bool prev_kv = false;
};

Result<ReplayArgs> ParseReplayArgs(const ParsedFlags& flags) {
  ReplayArgs args;
  if (!flags.Has("from")) return Status::InvalidArgument("--from REV is required");
  Result<int64_t> from = ParseGoInt64(flags.Get("from"), 10);
  if (!from.ok() || *from < 1) return Status::InvalidArgument("--from must be a revision >= 1");
  args.from = *from;
  if (flags.Has("to")) {
    Result<int64_t> to = ParseGoInt64(flags.Get("to"), 10);
    if (!to.ok() || *to < args.from) {
      return Status::InvalidArgument("--to must be a revision >= --from");
    }
    args.to = *to;
  }
  if (flags.positionals.size() > 1) return Status::InvalidArgument("bad number of arguments");
  if (!flags.positionals.empty()) args.key = flags.positionals[0];
  args.prefix = flags.GetBool("prefix");
  args.prev_kv = flags.GetBool("prev-kv");
  return args;
}

bool KeyMatches(const ReplayArgs& args, const std::string& key) {
  if (args.prefix || args.key.empty()) return key.compare(0, args.key.size(), args.key) == 0;
  return key == args.key;
}

Result<int64_t> CurrentRevision(const GatewayClient& client) {
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("key", Base64Encode(std::string(1, '\0')));
  body->set("serializable", true);
  body->set("count_only", true);
  SHADEKV_ASSIGN_OR_RETURN(Poco::JSON::Object::Ptr response, client.Call("/v3/kv/range", body));
  Poco::JSON::Object::Ptr header = response->getObject("header");
  if (header.isNull()) return Status::Internal("the shadow's range answer has no header");
  return GetInt64(header, "revision");
}

// The events of `result` at revisions <= to on matching keys, as a result
// object of the same shape; `*last` is the newest revision in `result`.
Poco::JSON::Object::Ptr FilterEvents(const Poco::JSON::Object::Ptr& result, const ReplayArgs& args,
                                     int64_t to, int64_t* last) {
  Poco::JSON::Array::Ptr kept = new Poco::JSON::Array;
  for (size_t i = 0; i < WatchEventCount(result); ++i) {
    Poco::JSON::Object::Ptr kv = WatchEventKv(result, i);
    if (kv.isNull()) continue;
    const int64_t revision = GetInt64(kv, "mod_revision");
    *last = std::max(*last, revision);
    if (revision > to) continue;
    Result<std::string> key = Base64Decode(kv->optValue<std::string>("key", ""));
    if (!key.ok() || !KeyMatches(args, *key)) continue;
    kept->add(result->getArray("events")->get(static_cast<unsigned>(i)));
  }
  Poco::JSON::Object::Ptr filtered = new Poco::JSON::Object(*result);
  filtered->set("events", kept);
  return filtered;
}

}  // namespace

std::vector<FlagSpec> ShadowReplayFlagSpecs() {
  return {{"from", 0, FlagKind::kInt64},
          {"to", 0, FlagKind::kInt64},
          {"prefix", 0, FlagKind::kBool},
          {"prev-kv", 0, FlagKind::kBool}};
}

int RunShadowReplay(const ParsedFlags& flags, CommandEnv& env) {
  Result<ReplayArgs> args = ParseReplayArgs(flags);
  if (!args.ok()) return Fail(env, kExitBadArgs, args.status());
  if (env.print.format == OutputFormat::kTable) {
    return Fail(env, kExitBadFeature,
                Status::Unimplemented("table not supported as output format"));
  }
  GatewayClient client = ShadowClient(flags, env);
  Result<int64_t> current = CurrentRevision(client);
  if (!current.ok()) return Fail(env, kExitError, current.status());
  const int64_t to = args->to == 0 ? *current : args->to;
  if (to > *current) {
    return Fail(
        env, kExitError,
        Status::OutOfRange("--to " + std::to_string(to) +
                           " is a future revision: the shadow is at " + std::to_string(*current)));
  }
  // Revision 1 is the empty store every cluster starts from: no event.
  if (to < std::max<int64_t>(args->from, 2)) return kExitSuccess;

  WatchSpec spec;
  spec.key = std::string(1, '\0');
  spec.range_end = std::string(1, '\0');
  spec.start_revision = args->from;
  spec.prev_kv = args->prev_kv;
  CancelToken token;
  SignalStopper stopper(&token);
  bool done = false;
  bool canceled = false;
  Status streamed =
      client.Stream("/v3/watch", WatchCreateBody(spec), client.options().command_timeout, &token,
                    [&](const Poco::JSON::Object::Ptr& result) {
                      if (IsWatchCanceled(result)) {
                        canceled = true;
                        env.err << WatchCanceledLine(result) << std::flush;
                        return false;
                      }
                      if (WatchEventCount(result) == 0) return true;  // created, progress
                      int64_t last = 0;
                      Poco::JSON::Object::Ptr filtered = FilterEvents(result, *args, to, &last);
                      if (WatchEventCount(filtered) > 0) {
                        Result<std::string> text = FormatWatchResponse(filtered, env.print);
                        if (!text.ok()) return false;
                        env.out << *text << std::flush;
                      }
                      done = last >= to;
                      return !done;
                    });
  if (canceled) return kExitError;
  if (!streamed.ok()) return Fail(env, kExitError, streamed);
  if (!done) {
    return Fail(
        env, kExitError,
        Status::Unavailable("the shadow ended the stream before revision " + std::to_string(to)));
  }
  return kExitSuccess;
}

}  // namespace shadekv::ctl
