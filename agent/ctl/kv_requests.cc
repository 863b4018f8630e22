// etcdctl's argument rules for put/get/del, turned into gateway JSON.
#include "agent/ctl/kv_requests.h"

#include <algorithm>
#include <cctype>
#include <iterator>

#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

std::vector<FlagSpec> PutFlagSpecs() {
  return {{"prev-kv", 0, FlagKind::kBool},
          {"lease", 0, FlagKind::kString},
          {"ignore-value", 0, FlagKind::kBool},
          {"ignore-lease", 0, FlagKind::kBool}};
}

std::vector<FlagSpec> GetFlagSpecs() {
  return {{"consistency", 0, FlagKind::kString},    {"from-key", 0, FlagKind::kBool},
          {"keys-only", 0, FlagKind::kBool},        {"limit", 0, FlagKind::kInt64},
          {"order", 0, FlagKind::kString},          {"prefix", 0, FlagKind::kBool},
          {"print-value-only", 0, FlagKind::kBool}, {"rev", 0, FlagKind::kInt64},
          {"sort-by", 0, FlagKind::kString},        {"count-only", 0, FlagKind::kBool}};
}

std::vector<FlagSpec> DelFlagSpecs() {
  return {{"prefix", 0, FlagKind::kBool},
          {"prev-kv", 0, FlagKind::kBool},
          {"from-key", 0, FlagKind::kBool}};
}

std::string PrefixRangeEnd(const std::string& prefix) {
  std::string end = prefix;
  for (size_t i = end.size(); i-- > 0;) {
    if (static_cast<unsigned char>(end[i]) < 0xFF) {
      end[i] = static_cast<char>(static_cast<unsigned char>(end[i]) + 1);
      end.resize(i + 1);
      return end;
    }
  }
  return std::string(1, '\0');
}

namespace {

int64_t IntFlag(const ParsedFlags& flags, const std::string& name) {
  Result<int64_t> v = ParseGoInt64(flags.Get(name, "0"), 10);
  return v.ok() ? *v : 0;  // ParseFlags validated it
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

}  // namespace

Result<Poco::JSON::Object::Ptr> BuildPutRequest(const ParsedFlags& flags, std::istream* input) {
  const std::vector<std::string>& args = flags.positionals;
  const Status needs_args =
      Status::InvalidArgument("put command needs 1 argument and input from stdin or 2 arguments");
  if (args.empty()) return needs_args;
  const bool ignore_value = flags.GetBool("ignore-value");
  if (ignore_value && args.size() > 1) {
    return Status::InvalidArgument("put command needs only 1 argument when 'ignore-value' is set");
  }
  std::string value;
  if (!ignore_value) {
    if (args.size() > 1) {
      value = args[1];
    } else {
      if (input == nullptr) return needs_args;
      value.assign(std::istreambuf_iterator<char>(*input), std::istreambuf_iterator<char>());
      if (value.empty()) return needs_args;
    }
  }
  Result<int64_t> lease = ParseGoInt64(flags.Get("lease", "0"), 16);
  if (!lease.ok()) {
    return Status::InvalidArgument("bad lease ID (" + lease.status().message() +
                                   "), expecting ID in Hex");
  }
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("key", Base64Encode(args[0]));
  if (!value.empty()) body->set("value", Base64Encode(value));
  if (*lease != 0) body->set("lease", std::to_string(*lease));
  if (flags.GetBool("prev-kv")) body->set("prev_kv", true);
  if (ignore_value) body->set("ignore_value", true);
  if (flags.GetBool("ignore-lease")) body->set("ignore_lease", true);
  return body;
}

namespace {

// etcdctl's --prefix and --from-key: an empty key with either means "every key".
void ExpandRangeFlags(bool prefix, bool from_key, std::string* key, std::string* range_end) {
  const std::string all(1, '\0');
  if (prefix) {
    if (key->empty()) {
      *key = all;
      *range_end = all;
    } else {
      *range_end = PrefixRangeEnd(*key);
    }
  }
  if (from_key) {
    if (key->empty()) *key = all;
    *range_end = all;
  }
}

}  // namespace

Result<Poco::JSON::Object::Ptr> BuildRangeRequest(const ParsedFlags& flags) {
  const std::vector<std::string>& args = flags.positionals;
  if (args.empty()) {
    return Status::InvalidArgument(
        "get command needs one argument as key and an optional argument as range_end");
  }
  const bool prefix = flags.GetBool("prefix");
  const bool from_key = flags.GetBool("from-key");
  if (prefix && from_key) {
    return Status::InvalidArgument(
        "`--prefix` and `--from-key` cannot be set at the same time, choose one");
  }
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  const std::string consistency = flags.Get("consistency", "l");
  if (consistency == "s") {
    body->set("serializable", true);
  } else if (consistency != "l") {
    return Status::Unimplemented("unknown consistency flag \"" + consistency + "\"");
  }
  std::string key = args[0];
  std::string range_end;
  if (args.size() > 1) {
    if (prefix || from_key) {
      return Status::InvalidArgument(
          "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
    }
    range_end = args[1];
  }
  if (int64_t limit = IntFlag(flags, "limit"); limit != 0) {
    body->set("limit", std::to_string(limit));
  }
  if (int64_t rev = IntFlag(flags, "rev"); rev > 0) body->set("revision", std::to_string(rev));

  const std::string order = Upper(flags.Get("order"));
  std::string sort_order = "NONE";
  if (order == "ASCEND" || order == "DESCEND") {
    sort_order = order;
  } else if (!order.empty()) {
    return Status::Unimplemented("bad sort order " + flags.Get("order"));
  }
  const std::string target = Upper(flags.Get("sort-by"));
  std::string sort_target = "KEY";
  if (target == "CREATE" || target == "KEY" || target == "VALUE" || target == "VERSION") {
    sort_target = target;
  } else if (target == "MODIFY") {
    sort_target = "MOD";
  } else if (!target.empty()) {
    return Status::Unimplemented("bad sort target " + flags.Get("sort-by"));
  }
  // clientv3.WithSort: ascending by key is the server's natural order.
  if (sort_target == "KEY" && sort_order == "ASCEND") sort_order = "NONE";
  if (sort_order != "NONE") body->set("sort_order", sort_order);
  if (sort_target != "KEY") body->set("sort_target", sort_target);

  ExpandRangeFlags(prefix, from_key, &key, &range_end);
  body->set("key", Base64Encode(key));
  if (!range_end.empty()) body->set("range_end", Base64Encode(range_end));
  if (flags.GetBool("keys-only")) body->set("keys_only", true);
  if (flags.GetBool("count-only")) body->set("count_only", true);
  return body;
}

Result<Poco::JSON::Object::Ptr> BuildDeleteRequest(const ParsedFlags& flags) {
  const std::vector<std::string>& args = flags.positionals;
  if (args.empty() || args.size() > 2) {
    return Status::InvalidArgument(
        "del command needs one argument as key and an optional argument as range_end");
  }
  const bool prefix = flags.GetBool("prefix");
  const bool from_key = flags.GetBool("from-key");
  if (prefix && from_key) {
    return Status::InvalidArgument(
        "`--prefix` and `--from-key` cannot be set at the same time, choose one");
  }
  std::string key = args[0];
  std::string range_end;
  if (args.size() > 1) {
    if (prefix || from_key) {
      return Status::InvalidArgument(
          "too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
    }
    range_end = args[1];
  }
  ExpandRangeFlags(prefix, from_key, &key, &range_end);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("key", Base64Encode(key));
  if (!range_end.empty()) body->set("range_end", Base64Encode(range_end));
  if (flags.GetBool("prev-kv")) body->set("prev_kv", true);
  return body;
}

}  // namespace shadekv::ctl
