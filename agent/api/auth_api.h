// The etcd gateway's auth endpoints: /v3/auth/enable, disable, status,
// authenticate, user/{add,delete,get,list,changepw,grant,revoke} and
// role/{add,delete,get,list,grant,revoke}. Changes go through Raft from any
// member; authenticate, get, list and status answer from the local state.
//
// Permission rules (etcd 3.4): every route but authenticate and status needs
// the root role while auth is enabled, except that a user may get itself and
// the roles it holds. The caller's user comes in RequestOrigin::user (the API
// resolved the token before routing).
#pragma once

#include <string>
#include <vector>

#include "agent/api/http_reply.h"
#include "agent/server/member.h"

namespace shadekv::api {

// Serves one auth route; false when `route` is not an auth route.
bool ServeAuthRoute(const std::string& route, agent::Member& member, const std::string& body,
                    const agent::RequestOrigin& origin, HttpReply* reply);

}  // namespace shadekv::api
