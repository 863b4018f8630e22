// sigtimedwait with a short timeout, so the waiting thread notices done_
// without needing a signal of its own.
#include "agent/ctl/signal_stopper.h"

#include <pthread.h>

#include <ctime>

namespace shadekv::ctl {

SignalStopper::SignalStopper(CancelToken* token) : token_(token) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, &previous_);
  thread_ = std::thread([this, set] {
    const timespec tick{0, 100 * 1000 * 1000};
    while (!done_.load()) {
      int signo = sigtimedwait(&set, nullptr, &tick);
      if (signo == SIGINT) token_->Stop(kInterruptedReason);
      if (signo == SIGTERM) token_->Stop(kTerminatedReason);
    }
  });
}

SignalStopper::~SignalStopper() {
  done_.store(true);
  thread_.join();
  pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
}

}  // namespace shadekv::ctl
