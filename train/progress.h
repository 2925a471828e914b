// train/progress.h — training progress on the console. On a terminal: one line redrawn in place
// (epoch, step/steps, loss, images/s, ETA of the epoch), at most ~8 times a second. Elsewhere
// (a log file, CI): nothing here — the trainer prints plain lines every log_every steps instead.
// Used by the trainer; RunLog clears the line (clear()) before it prints.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace linattn {

struct ProgressState {
  std::int64_t epoch = 0, epochs = 0;  // 1-based epoch
  std::int64_t batch = 0, batches = 0; // batches of this epoch done / in total
  double loss = 0;                     // running mean over the epoch
  double images_per_s = 0;
  double eta_seconds = 0;              // for the rest of the epoch
};

// "epoch 2/10 [#####.....] 120/390 loss 1.2345 812 img/s ETA 0:42" (bar of `bar_width` cells).
std::string format_progress(const ProgressState& s, int bar_width = 24);
std::string format_duration(double seconds);  // "0:42", "1:02:03"

class ProgressBar {
 public:
  // enabled: draw at all (the trainer passes isatty(stdout)).
  explicit ProgressBar(bool enabled, std::FILE* out = stdout) : enabled_(enabled), out_(out) {}
  ~ProgressBar() { clear(); }
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }
  void update(const ProgressState& s, bool force = false);  // redraws, rate-limited unless forced
  void clear();  // erases the line, if drawn

 private:
  bool enabled_;
  std::FILE* out_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// True when `f` is a terminal.
bool is_terminal(std::FILE* f);

}  // namespace linattn
