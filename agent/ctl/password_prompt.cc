// Echo-off password entry. The terminal state is restored from a signal
// handler too, since a user who presses Ctrl-C at the prompt must not be left
// with a terminal that no longer echoes.
#include "agent/ctl/password_prompt.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <iterator>

namespace shadekv::ctl {

namespace {

constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

// Saved before echo goes off; read by the handler, which only calls
// async-signal-safe functions.
struct termios g_saved_termios;
volatile sig_atomic_t g_echo_off = 0;

void RestoreAndReraise(int signo) {
  if (g_echo_off != 0) tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  signal(signo, SIG_DFL);
  raise(signo);
}

// Turns echo off on stdin for its lifetime, when stdin is a terminal.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) return;
    struct sigaction action {};
    action.sa_handler = RestoreAndReraise;
    sigemptyset(&action.sa_mask);
    for (size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &action, &old_[i]);
    struct termios quiet = g_saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    g_echo_off = 1;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) g_echo_off = 0;
    active_ = true;
  }
  ~EchoOff() {
    if (!active_) return;
    if (g_echo_off != 0) tcsetattr(STDIN_FILENO, TCSAFLUSH, &g_saved_termios);
    g_echo_off = 0;
    for (size_t i = 0; i < std::size(kSignals); ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  bool active_ = false;
  struct sigaction old_[std::size(kSignals)]{};
};

}  // namespace

std::string AskPassword(const std::string& prompt, std::istream& in, std::ostream& out) {
  std::string line;
  if (&in == &std::cin && isatty(STDIN_FILENO) == 1) {
    // Echo goes off before the prompt shows, so nothing typed after the
    // prompt can be echoed.
    EchoOff quiet;
    out << prompt << std::flush;
    std::getline(in, line);
  } else {
    out << prompt << std::flush;
    std::getline(in, line);
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  out << "\n" << std::flush;
  return line;
}

}  // namespace shadekv::ctl
