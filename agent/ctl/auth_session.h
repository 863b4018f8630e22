// The global --user/--password flags: authenticate before the command runs,
// and hand back the token every request then carries in its Authorization
// header (GatewayOptions::auth), able to log in again when it expires.
#pragma once

#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "agent/ctl/flags.h"
#include "agent/ctl/gateway_client.h"
#include "agent/ctl/renewable_token.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// The global flags this adds to every command.
std::vector<FlagSpec> AuthFlagSpecs();

// Does what etcdctl's client does for --user/--password:
// - --user and --password default to $ETCDCTL_USER and $ETCDCTL_PASSWORD;
// - no --user: null (no token);
// - a name without a password: asks "Password: " (AskPassword, on `in` and
//   `out`), then authenticates;
// - POST /v3/auth/authenticate to `options`' endpoints (without a token):
//   the token, which logs in the same way again when a request is refused
//   because it expired (the password is kept in memory for that, as
//   clientv3 keeps it); null when the server answers that authentication
//   is not enabled (clientv3 ignores that error too).
// Fails with the server's error ("etcdserver: authentication failed, invalid
// user ID or password"), or the connection error; etcdctl exits 2 for both.
// The password never appears in the returned status.
Result<std::shared_ptr<RenewableToken>> LoginForFlags(const ParsedFlags& flags,
                                                      const GatewayOptions& options,
                                                      std::istream& in, std::ostream& out);

}  // namespace shadekv::ctl
