// One authentication per shadectl run, like clientv3's dial with a user.
#include "agent/ctl/auth_session.h"

#include <cstdlib>
#include <memory>
#include <optional>
#include <utility>

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

Result<std::shared_ptr<RenewableToken>> LoginForFlags(const ParsedFlags& flags,
                                                      const GatewayOptions& options,
                                                      std::istream& in, std::ostream& out) {
  std::optional<Credentials> credentials = CredentialsFromFlags(
      FlagOrEnv(flags, "user", "ETCDCTL_USER"), FlagOrEnv(flags, "password", "ETCDCTL_PASSWORD"));
  if (!credentials) return std::shared_ptr<RenewableToken>();
  if (credentials->ask_password) credentials->password = AskPassword("Password: ", in, out);
  GatewayOptions anonymous = options;
  anonymous.auth = nullptr;  // logging in carries no token
  RenewableToken::Login login = [client = std::make_shared<GatewayClient>(std::move(anonymous)),
                                 user = credentials->user,
                                 password = credentials->password]() -> Result<std::string> {
    Result<Poco::JSON::Object::Ptr> resp =
        client->Call("/v3/auth/authenticate", AuthenticateRequest(user, password));
    if (!resp.ok()) {
      if (resp.status().message() == kAuthNotEnabled) return std::string();
      return resp.status();
    }
    std::string token = GetString(*resp, "token");
    if (token.empty()) {
      return Status::Internal("the server accepted user " + user +
                              " but sent no token in its /v3/auth/authenticate answer");
    }
    return token;
  };
  SHADEKV_ASSIGN_OR_RETURN(std::string token, login());
  if (token.empty()) return std::shared_ptr<RenewableToken>();
  return std::make_shared<RenewableToken>(std::move(token), std::move(login));
}

}  // namespace shadekv::ctl
