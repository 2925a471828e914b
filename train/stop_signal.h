// train/stop_signal.h — graceful Ctrl-C: while a StopSignalScope lives, SIGINT and SIGTERM only
// set a flag; the trainer polls it after every step, finishes that step, saves a checkpoint and
// returns. A second signal while the first is pending ends the process the default way (for a
// user who really wants out). Used by `linattn train`; tests call the trainer's request_stop().
#pragma once

namespace linattn {

class StopSignalScope {
 public:
  StopSignalScope();   // installs the handlers and clears the flag
  ~StopSignalScope();  // restores the previous handlers
  StopSignalScope(const StopSignalScope&) = delete;
  StopSignalScope& operator=(const StopSignalScope&) = delete;
};

bool stop_signal_received();
int stop_signal_number();  // the signal received (SIGINT, SIGTERM), 0 when none
void clear_stop_signal();

}  // namespace linattn
