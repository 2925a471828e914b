// train/schedule.cpp — see schedule.h for the formulas.
#include "train/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace linattn {

LrSchedule::LrSchedule(const OptimConfig& optim, std::int64_t steps_per_epoch, std::int64_t total_steps)
    : optim_(optim),
      steps_per_epoch_(steps_per_epoch),
      total_steps_(total_steps),
      warmup_steps_(optim.warmup_epochs * static_cast<double>(steps_per_epoch)) {
  LINATTN_CHECK(steps_per_epoch >= 1, "LrSchedule: steps_per_epoch must be >= 1, got ", steps_per_epoch);
  LINATTN_CHECK(total_steps >= 0, "LrSchedule: total_steps must be >= 0, got ", total_steps);
  LINATTN_CHECK(optim.step_size >= 1 || optim.schedule != Schedule::Step,
                "optim.step_size must be >= 1 for the step schedule, got ", optim.step_size);
}

double LrSchedule::lr_at(std::int64_t step) const {
  const double s = static_cast<double>(step);
  if (s < warmup_steps_) return optim_.lr * std::min(1.0, (s + 1.0) / warmup_steps_);
  switch (optim_.schedule) {
    case Schedule::Constant: return optim_.lr;
    case Schedule::Step: {
      std::int64_t epoch = step / steps_per_epoch_;
      return optim_.lr * std::pow(optim_.gamma, static_cast<double>(epoch / optim_.step_size));
    }
    case Schedule::Cosine: {
      const double span = static_cast<double>(total_steps_) - warmup_steps_;
      const double p = span > 0 ? std::clamp((s - warmup_steps_) / span, 0.0, 1.0) : 1.0;
      return optim_.min_lr + (optim_.lr - optim_.min_lr) * 0.5 * (1.0 + std::cos(std::numbers::pi * p));
    }
  }
  return optim_.lr;
}

}  // namespace linattn
