// Leader election, like clientv3/concurrency.Election: candidates put
// NAME/<lease hex> = proposal on their session's lease; the oldest key is the
// leader. Observers follow the oldest key and its value.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <Poco/JSON/Object.h>

#include "agent/ctl/cancel_token.h"
#include "agent/ctl/gateway_client.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

struct Leadership {
  std::string key;  // NAME/<lease id in hex>
  int64_t create_revision = 0;
};

// Blocks until this candidate leads `name`. On Cancelled or an error after
// joining, the candidate's key is deleted again (it resigns).
Result<Leadership> Campaign(const GatewayClient& client, const std::string& name, int64_t lease_id,
                            const std::string& proposal, CancelToken* cancel);

// Deletes the leader key if it is still ours (same create revision).
Status Resign(const GatewayClient& client, const Leadership& leadership);

// Calls `on_leader` with the leader's kv (gateway JSON) now and each time the
// leader or its value changes, until `cancel` stops (Cancelled) or an error
// (the read's, or Aborted when the server cancels a watch).
Status Observe(const GatewayClient& client, const std::string& name, CancelToken* cancel,
               const std::function<void(const Poco::JSON::Object::Ptr& kv)>& on_leader);

}  // namespace shadekv::ctl
