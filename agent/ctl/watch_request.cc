// etcdctl's parseWatchArgs/getWatchChan, minus its quirks: a third key
// argument is an error here instead of being silently ignored.
#include "agent/ctl/watch_request.h"

#include <Poco/JSON/Object.h>

#include "agent/ctl/json_util.h"
#include "agent/ctl/kv_requests.h"

namespace shadekv::ctl {

std::vector<FlagSpec> WatchFlagSpecs() {
  return {{"prefix", 0, FlagKind::kBool},
          {"prev-kv", 0, FlagKind::kBool},
          {"rev", 0, FlagKind::kInt64},
          {"progress-notify", 0, FlagKind::kBool},
          {"interactive", 'i', FlagKind::kBool}};
}

Result<WatchCommandArgs> ParseWatchArgs(const ParsedFlags& flags) {
  const std::vector<std::string>& words = flags.positionals;
  const int split = flags.positionals_before_dashdash;
  WatchCommandArgs args;
  std::vector<std::string> keys = words;
  if (split >= 0) {
    keys.assign(words.begin(), words.begin() + split);
    args.exec.assign(words.begin() + split, words.end());
    if (args.exec.empty()) {
      return Status::InvalidArgument(
          "bad number of arguments (found separator --, but no commands)");
    }
  }
  if (keys.empty() || keys.size() > 2) return Status::InvalidArgument("bad number of arguments");
  args.spec.key = keys[0];
  const bool prefix = flags.GetBool("prefix");
  if (keys.size() == 2) {
    if (prefix) {
      return Status::InvalidArgument("`range_end` and `--prefix` are mutually exclusive");
    }
    args.spec.range_end = keys[1];
  }
  if (prefix) args.spec.range_end = PrefixRangeEnd(args.spec.key);
  Result<int64_t> rev = ParseGoInt64(flags.Get("rev", "0"), 10);
  args.spec.start_revision = rev.ok() ? *rev : 0;  // ParseFlags validated it
  args.spec.prev_kv = flags.GetBool("prev-kv");
  args.spec.progress_notify = flags.GetBool("progress-notify");
  return args;
}

std::string WatchCreateBody(const WatchSpec& spec) {
  Poco::JSON::Object::Ptr create = new Poco::JSON::Object;
  create->set("key", Base64Encode(spec.key));
  if (!spec.range_end.empty()) create->set("range_end", Base64Encode(spec.range_end));
  if (spec.start_revision != 0) create->set("start_revision", std::to_string(spec.start_revision));
  if (spec.prev_kv) create->set("prev_kv", true);
  if (spec.progress_notify) create->set("progress_notify", true);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("create_request", create);
  return Stringify(body);
}

}  // namespace shadekv::ctl
