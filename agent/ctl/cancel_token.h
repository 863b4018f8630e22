// A stop flag shared between the thread that waits for signals (or a lost
// lease) and the threads blocked in network reads or child processes. Stop()
// flips the flag once and runs every registered hook, so a blocked read can
// be woken by shutting its socket down instead of polling a flag.
//
// Thread-safety: every method may be called from any thread. Hooks run on the
// thread that calls Stop() (or on the registering thread, when the token is
// already stopped); they must be quick, may read stopped()/reason(), and must
// not Register/Unregister.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace shadekv::ctl {

class CancelToken {
 public:
  CancelToken() = default;
  CancelToken(const CancelToken&) = delete;
  CancelToken& operator=(const CancelToken&) = delete;

  // Sets the flag (first call wins: `reason` is kept from it) and runs every hook.
  void Stop(const std::string& reason);

  bool stopped() const;
  // The reason given to the first Stop(); "" while not stopped.
  std::string reason() const;

  // Registers `hook` to run on Stop(); when already stopped, runs it now. The
  // returned id unregisters it. After Unregister() returns, the hook is not
  // running and will not run.
  uint64_t Register(std::function<void()> hook);
  void Unregister(uint64_t id);

 private:
  // Lock order: hooks_mu_ before mu_. Hooks run under hooks_mu_ only, so
  // they can read the flag and reason.
  mutable std::mutex mu_;
  bool stopped_ = false;  // guarded by mu_
  std::string reason_;    // guarded by mu_
  std::mutex hooks_mu_;
  uint64_t next_id_ = 1;                             // guarded by hooks_mu_
  std::map<uint64_t, std::function<void()>> hooks_;  // guarded by hooks_mu_
};

// Registers a hook for the lifetime of a scope.
class ScopedCancelHook {
 public:
  ScopedCancelHook(CancelToken* token, std::function<void()> hook)
      : token_(token), id_(token != nullptr ? token->Register(std::move(hook)) : 0) {}
  ~ScopedCancelHook() {
    if (token_ != nullptr) token_->Unregister(id_);
  }
  ScopedCancelHook(const ScopedCancelHook&) = delete;
  ScopedCancelHook& operator=(const ScopedCancelHook&) = delete;

 private:
  CancelToken* token_;
  uint64_t id_;
};

}  // namespace shadekv::ctl
