// See renewable_token.h.
#include "agent/ctl/renewable_token.h"

#include <utility>

namespace shadekv::ctl {

bool IsInvalidAuthToken(const Status& status) {
  // rpctypes.ErrGRPCInvalidAuthToken: codes.Unauthenticated and this text.
  return status.code() == StatusCode::kUnauthenticated &&
         status.message() == "etcdserver: invalid auth token";
}

RenewableToken::RenewableToken(std::string token, Login login)
    : token_(std::move(token)), login_(std::move(login)) {}

std::string RenewableToken::Current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return token_;
}

Result<std::string> RenewableToken::Renew(const std::string& refused) {
  // Held across the login: a second thread refused with the same token
  // waits for this login instead of making its own.
  std::lock_guard<std::mutex> lock(mu_);
  if (token_ != refused) return token_;
  SHADEKV_ASSIGN_OR_RETURN(std::string fresh, login_());
  token_ = std::move(fresh);
  return token_;
}

}  // namespace shadekv::ctl
