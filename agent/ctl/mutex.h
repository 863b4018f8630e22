// A distributed lock, like clientv3/concurrency.Mutex: each contender puts
// NAME/<lease hex> on its session's lease; the one with the lowest create
// revision holds the lock; the others wait, each for the deletion of the key
// just ahead of it. A holder that dies stops renewing its lease, its key is
// deleted on expiry, and the next one in line gets the lock.
#pragma once

#include <cstdint>
#include <string>

#include "agent/ctl/cancel_token.h"
#include "agent/ctl/gateway_client.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

struct HeldLock {
  std::string key;          // NAME/<lease id in hex>
  int64_t header_revision;  // the store revision when the lock was acquired
};

// Blocks until the lock `name` is held with `lease_id`. On Cancelled (token
// stopped) or any error the contender's key is deleted again, so a failed
// Lock() leaves nothing in the queue.
Result<HeldLock> AcquireLock(const GatewayClient& client, const std::string& name, int64_t lease_id,
                             CancelToken* cancel);

// Deletes the lock's key (the next waiter then proceeds).
Status ReleaseLock(const GatewayClient& client, const HeldLock& lock);

}  // namespace shadekv::ctl
