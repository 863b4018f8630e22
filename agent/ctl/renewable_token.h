// The auth token a shadectl run sends, and how to replace it once the server
// says it is no longer valid: a simple token expires after the server's
// --auth-token-ttl (5 minutes by default), well within a long lock, elect or
// watch. clientv3 logs in again and retries when a request is refused with
// ErrInvalidAuthToken; GatewayClient does the same through this.
#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "shadekv/common/status.h"

namespace shadekv::ctl {

// Whether `status` is etcd's "invalid auth token" refusal (code 16).
bool IsInvalidAuthToken(const Status& status);

// Shared by every GatewayClient made from the same options, so the threads
// of one command (a lock's keep-alive and its watch) log in once between
// them. Thread-safe.
class RenewableToken {
 public:
  // Logs in and returns a new token ("" when the server no longer has auth
  // enabled: requests then go without one).
  using Login = std::function<Result<std::string>()>;

  RenewableToken(std::string token, Login login);

  // The token to send now ("": none).
  std::string Current() const;

  // A request that carried `refused` was answered "invalid auth token".
  // Logs in again unless another request has already replaced that token,
  // and returns the token to retry with; or the login's error, keeping the
  // old token.
  Result<std::string> Renew(const std::string& refused);

 private:
  mutable std::mutex mu_;
  std::string token_;
  const Login login_;
};

}  // namespace shadekv::ctl
