// Turns SIGINT and SIGTERM into CancelToken::Stop() for shadectl's long-running
// commands (watch, lock, elect, lease keep-alive), so they end cleanly: unlock,
// resign, revoke, exit 0, instead of dying mid-request.
//
// Construct it on the main thread before starting any other thread: it blocks
// both signals in the calling thread (threads started later inherit the mask)
// and waits for them on its own thread. The destructor stops that thread and
// restores the previous mask. Child processes unblock signals themselves.
#pragma once

#include <atomic>
#include <csignal>
#include <thread>

#include "agent/ctl/cancel_token.h"

namespace shadekv::ctl {

// Token reasons set by SignalStopper.
inline constexpr const char* kInterruptedReason = "signal: interrupt";
inline constexpr const char* kTerminatedReason = "signal: terminated";

class SignalStopper {
 public:
  explicit SignalStopper(CancelToken* token);
  ~SignalStopper();
  SignalStopper(const SignalStopper&) = delete;
  SignalStopper& operator=(const SignalStopper&) = delete;

 private:
  CancelToken* const token_;
  sigset_t previous_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

}  // namespace shadekv::ctl
