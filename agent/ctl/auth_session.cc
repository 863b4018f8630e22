// One authentication per shadectl run, like clientv3's dial with a user.
#include "agent/ctl/auth_session.h"

#include <cstdlib>

#include "agent/ctl/auth_requests.h"
#include "agent/ctl/json_util.h"
#include "agent/ctl/password_prompt.h"

namespace shadekv::ctl {

namespace {

// rpctypes.ErrGRPCAuthNotEnabled's message.
constexpr char kAuthNotEnabled[] = "etcdserver: authentication is not enabled";

// etcdctl takes any global flag not given on the command line from
// ETCDCTL_<NAME> (flags.SetPflagsFromEnv).
std::string FlagOrEnv(const ParsedFlags& flags, const std::string& name, const char* env) {
  if (flags.Has(name)) return flags.Get(name);
  const char* value = std::getenv(env);
  return value == nullptr ? "" : value;
}

}  // namespace

std::vector<FlagSpec> AuthFlagSpecs() {
  return {{"user", 0, FlagKind::kString}, {"password", 0, FlagKind::kString}};
}

Result<std::string> AuthTokenForFlags(const ParsedFlags& flags, const GatewayClient& client,
                                      std::istream& in, std::ostream& out) {
  std::optional<Credentials> credentials = CredentialsFromFlags(
      FlagOrEnv(flags, "user", "ETCDCTL_USER"), FlagOrEnv(flags, "password", "ETCDCTL_PASSWORD"));
  if (!credentials) return std::string();
  if (credentials->ask_password) credentials->password = AskPassword("Password: ", in, out);
  Result<Poco::JSON::Object::Ptr> resp = client.Call(
      "/v3/auth/authenticate", AuthenticateRequest(credentials->user, credentials->password));
  if (!resp.ok()) {
    if (resp.status().message() == kAuthNotEnabled) return std::string();
    return resp.status();
  }
  std::string token = GetString(*resp, "token");
  if (token.empty()) {
    return Status::Internal("the server accepted user " + credentials->user +
                            " but sent no token in its /v3/auth/authenticate answer");
  }
  return token;
}

}  // namespace shadekv::ctl
