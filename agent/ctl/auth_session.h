// The global --user/--password flags: authenticate once, before the command
// runs, and hand back the token every request then carries in its
// Authorization header (GatewayOptions::auth_token).
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "agent/ctl/flags.h"
#include "agent/ctl/gateway_client.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

// The global flags this adds to every command.
std::vector<FlagSpec> AuthFlagSpecs();

// Does what etcdctl's client does for --user/--password:
// - --user and --password default to $ETCDCTL_USER and $ETCDCTL_PASSWORD;
// - no --user: "" (no token);
// - a name without a password: asks "Password: " (AskPassword, on `in` and
//   `out`), then authenticates;
// - POST /v3/auth/authenticate through `client` (which has no token): the
//   token; "" when the server answers that authentication is not enabled
//   (clientv3 ignores that error too).
// Fails with the server's error ("etcdserver: authentication failed, invalid
// user ID or password"), or the connection error; etcdctl exits 2 for both.
// The password never appears in the returned status.
Result<std::string> AuthTokenForFlags(const ParsedFlags& flags, const GatewayClient& client,
                                      std::istream& in, std::ostream& out);

}  // namespace shadekv::ctl
