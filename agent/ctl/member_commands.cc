// `member list|add|remove|update|promote` over /v3/cluster/member/*.
#include <Poco/JSON/Array.h>

#include "agent/ctl/commands.h"
#include "agent/ctl/json_util.h"

namespace shadekv::ctl {

namespace {

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return parts;
    start = comma + 1;
  }
}

// clientv3's fail-fast check (types.NewURLs) before a member add or update.
Status ValidatePeerUrls(const std::vector<std::string>& urls) {
  for (const std::string& url : urls) {
    size_t sep = url.find("://");
    std::string scheme = sep == std::string::npos ? "" : url.substr(0, sep);
    if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs") {
      return Status::InvalidArgument("URL scheme must be http, https, unix, or unixs: " + url);
    }
    std::string rest = url.substr(sep + 3);
    size_t slash = rest.find_first_of("/?#");
    std::string host = rest.substr(0, slash);
    if ((scheme == "http" || scheme == "https") &&
        (host.find(':') == std::string::npos || host.back() == ':')) {
      return Status::InvalidArgument("URL address does not have the form \"host:port\": " + url);
    }
    if (slash != std::string::npos && rest[slash] == '/' && slash + 1 < rest.size()) {
      return Status::InvalidArgument("URL must not contain a path: " + url);
    }
  }
  return Status::Ok();
}

Result<uint64_t> MemberIdArg(const ParsedFlags& flags) {
  if (flags.positionals.empty()) return Status::InvalidArgument("member ID is not provided");
  Result<uint64_t> id = ParseGoUint64(flags.positionals[0], 16);
  if (!id.ok()) {
    return Status::InvalidArgument("bad member ID arg (" + id.status().message() +
                                   "), expecting ID in Hex");
  }
  return id;
}

Poco::JSON::Array::Ptr ToArray(const std::vector<std::string>& items) {
  Poco::JSON::Array::Ptr array = new Poco::JSON::Array;
  for (const std::string& s : items) array->add(s);
  return array;
}

}  // namespace

int RunMemberList(const ParsedFlags& /*flags*/, CommandEnv& env) {
  Result<Poco::JSON::Object::Ptr> resp =
      env.client.Call("/v3/cluster/member/list", new Poco::JSON::Object);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatMemberList(*resp, env.print));
}

int RunMemberAdd(const ParsedFlags& flags, CommandEnv& env) {
  const std::vector<std::string>& args = flags.positionals;
  if (args.empty()) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("member name not provided"));
  }
  if (args.size() > 1) {
    std::string message = "too many arguments";
    for (const std::string& a : args) {
      if (a.size() >= 4 && (a.compare(0, 4, "http") == 0 || a.compare(0, 4, "HTTP") == 0)) {
        message += ", did you mean --peer-urls=" + a;
      }
    }
    return Fail(env, kExitBadArgs, Status::InvalidArgument(message));
  }
  const std::string peer_urls = flags.Get("peer-urls");
  if (peer_urls.empty()) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("member peer urls not provided"));
  }
  std::vector<std::string> urls = SplitComma(peer_urls);
  if (Status s = ValidatePeerUrls(urls); !s.ok()) return Fail(env, kExitError, s);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("peerURLs", ToArray(urls));
  if (flags.GetBool("learner")) body->set("isLearner", true);
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/cluster/member/add", body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatMemberAdd(*resp, args[0], urls, env.print));
}

int RunMemberRemove(const ParsedFlags& flags, CommandEnv& env) {
  Result<uint64_t> id = MemberIdArg(flags);
  if (!id.ok()) return Fail(env, kExitBadArgs, id.status());
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("ID", std::to_string(*id));
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/cluster/member/remove", body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatMemberChange(*resp, *id, "removed from", env.print));
}

int RunMemberUpdate(const ParsedFlags& flags, CommandEnv& env) {
  Result<uint64_t> id = MemberIdArg(flags);
  if (!id.ok()) return Fail(env, kExitBadArgs, id.status());
  const std::string peer_urls = flags.Get("peer-urls");
  if (peer_urls.empty()) {
    return Fail(env, kExitBadArgs, Status::InvalidArgument("member peer urls not provided"));
  }
  std::vector<std::string> urls = SplitComma(peer_urls);
  if (Status s = ValidatePeerUrls(urls); !s.ok()) return Fail(env, kExitError, s);
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("ID", std::to_string(*id));
  body->set("peerURLs", ToArray(urls));
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/cluster/member/update", body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatMemberChange(*resp, *id, "updated in", env.print));
}

int RunMemberPromote(const ParsedFlags& flags, CommandEnv& env) {
  Result<uint64_t> id = MemberIdArg(flags);
  if (!id.ok()) return Fail(env, kExitBadArgs, id.status());
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("ID", std::to_string(*id));
  Result<Poco::JSON::Object::Ptr> resp = env.client.Call("/v3/cluster/member/promote", body);
  if (!resp.ok()) return Fail(env, kExitError, resp.status());
  return PrintOrFail(env, FormatMemberChange(*resp, *id, "promoted in", env.print));
}

}  // namespace shadekv::ctl
