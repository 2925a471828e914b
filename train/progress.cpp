// train/progress.cpp — see progress.h.
#include "train/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace linattn {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  auto s = static_cast<long long>(std::llround(seconds));
  char buf[48];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%lld:%02lld", s / 60, s % 60);
  return buf;
}

std::string format_progress(const ProgressState& s, int bar_width) {
  double frac = s.batches > 0 ? std::clamp(static_cast<double>(s.batch) / static_cast<double>(s.batches), 0.0, 1.0) : 0.0;
  int filled = static_cast<int>(frac * bar_width);
  std::string bar(static_cast<std::size_t>(filled), '#');
  bar.append(static_cast<std::size_t>(bar_width - filled), '.');
  char buf[256];
  std::snprintf(buf, sizeof buf, "epoch %lld/%lld [%s] %lld/%lld loss %.4f %.0f img/s ETA %s",
                static_cast<long long>(s.epoch), static_cast<long long>(s.epochs), bar.c_str(),
                static_cast<long long>(s.batch), static_cast<long long>(s.batches), s.loss, s.images_per_s,
                format_duration(s.eta_seconds).c_str());
  return buf;
}

void ProgressBar::update(const ProgressState& s, bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && drawn_ && now - last_ < std::chrono::milliseconds(125)) return;
  last_ = now;
  std::fprintf(out_, "\r\033[K%s", format_progress(s).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressBar::clear() {
  if (!enabled_ || !drawn_) return;
  std::fputs("\r\033[K", out_);
  std::fflush(out_);
  drawn_ = false;
}

bool is_terminal(std::FILE* f) { return f != nullptr && ::isatty(::fileno(f)) == 1; }

}  // namespace linattn
