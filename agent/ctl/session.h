// A lease kept alive on its own thread, like clientv3/concurrency.Session:
// the lock and the election hang their keys on it, so the keys vanish when
// the holder dies and stops renewing.
//
// Safety beyond etcd's Session: the session also declares itself lost when no
// renewal has succeeded for long enough that the server may have expired the
// lease (measured from when the last successful renewal was *sent*, minus a
// margin), not only when the server says so. A holder told "lost" must stop
// acting as the holder at once.
//
// Thread-safety: lost()/lease_id() from any thread; Close() from the owner.
// The on_lost callback runs once, on the session's thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "agent/ctl/gateway_client.h"
#include "shadekv/common/status.h"

namespace shadekv::ctl {

class Session {
 public:
  using LostCallback = std::function<void(const std::string& reason)>;

  // Grants a lease of `ttl_seconds` (the server may raise it to its minimum)
  // and starts renewing it every TTL/3. `client` must outlive the session.
  // Fails with the grant's error.
  static Result<std::unique_ptr<Session>> Start(const GatewayClient& client, int64_t ttl_seconds,
                                                LostCallback on_lost);
  ~Session();  // Close()s
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  int64_t lease_id() const { return lease_id_; }
  int64_t ttl_seconds() const { return ttl_seconds_; }
  bool lost() const;

  // Stops renewing and revokes the lease (deleting every key attached to it).
  // Idempotent; the revoke's error (NotFound when it already expired) is returned.
  Status Close();

 private:
  Session(const GatewayClient& client, int64_t id, int64_t ttl,
          std::chrono::steady_clock::time_point grant_sent, LostCallback on_lost);
  void Run();
  void MarkLost(const std::string& reason);

  // Fixed after construction.
  const GatewayClient& client_;
  const int64_t lease_id_;
  const int64_t ttl_seconds_;
  const std::chrono::steady_clock::time_point grant_sent_;
  const LostCallback on_lost_;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool closing_ = false;  // guarded by mu_
  bool closed_ = false;   // guarded by mu_
  bool lost_ = false;     // guarded by mu_
  CancelToken stop_;      // wakes a renewal blocked on the network at Close()
  std::thread thread_;
};

}  // namespace shadekv::ctl
