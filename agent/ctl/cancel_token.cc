// Hooks run under hooks_mu_ so that Unregister() can promise the hook is not
// running once it returns (the socket it shuts down may be destroyed next).
#include "agent/ctl/cancel_token.h"

namespace shadekv::ctl {

void CancelToken::Stop(const std::string& reason) {
  std::lock_guard<std::mutex> hooks_lock(hooks_mu_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
    reason_ = reason;
  }
  for (auto& [id, hook] : hooks_) hook();
}

bool CancelToken::stopped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopped_;
}

std::string CancelToken::reason() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reason_;
}

uint64_t CancelToken::Register(std::function<void()> hook) {
  std::lock_guard<std::mutex> hooks_lock(hooks_mu_);
  uint64_t id = next_id_++;
  if (stopped()) {
    hook();
  } else {
    hooks_.emplace(id, std::move(hook));
  }
  return id;
}

void CancelToken::Unregister(uint64_t id) {
  std::lock_guard<std::mutex> hooks_lock(hooks_mu_);
  hooks_.erase(id);
}

}  // namespace shadekv::ctl
