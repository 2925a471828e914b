// train/stop_signal.cpp — async-signal-safe flag setting (see stop_signal.h).
#include "train/stop_signal.h"

#include <csignal>

namespace linattn {

namespace {

volatile std::sig_atomic_t g_signal = 0;
struct sigaction g_previous_int, g_previous_term;

extern "C" void on_stop_signal(int sig) {
  if (g_signal != 0) {  // second signal: default action (terminate)
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal = sig;
}

}  // namespace

StopSignalScope::StopSignalScope() {
  g_signal = 0;
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopSignalScope::~StopSignalScope() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

bool stop_signal_received() { return g_signal != 0; }
int stop_signal_number() { return static_cast<int>(g_signal); }
void clear_stop_signal() { g_signal = 0; }

}  // namespace linattn
