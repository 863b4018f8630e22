// A fresh connection, not one of the load's: the check must not depend on
// the state a failing load left a connection in.
#include "bench/shadekv_bench/key_count_check.h"

#include "bench/shadekv_bench/gateway_client.h"
#include "bench/shadekv_bench/workload.h"

namespace shadekv::bench {

Result<int64_t> CountKeysOnPrefix(const Endpoint& endpoint, const std::string& prefix,
                                  int timeout_ms) {
  GatewayClient client(endpoint, timeout_ms);
  SHADEKV_ASSIGN_OR_RETURN(HttpReply reply, client.Post("/v3/kv/range", CountPrefixBody(prefix)));
  if (reply.status != 200) {
    return Status::Unavailable("count on the prefix at " + endpoint.ToString() + " answered HTTP " +
                               std::to_string(reply.status) + ": " + reply.body.substr(0, 200));
  }
  return ReadCount(reply.body);
}

bool KeyCountMatches(int64_t expected, int64_t found, bool uncertain_writes) {
  return found == expected || (uncertain_writes && found > expected);
}

}  // namespace shadekv::bench
