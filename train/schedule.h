// train/schedule.h — the learning-rate schedule of a run as a pure function of the global step
// (0-based index of the optimizer update about to be made), so a resumed run recomputes it
// exactly from the step alone. Used by the trainer, which sets every parameter group's lr to
// lr_at(step) before each update.
//
//   warmup  (step < W, W = warmup_epochs · steps_per_epoch, fractional allowed):
//           lr · min(1, (step + 1) / W)            — linear from ~0, never a wasted zero step
//   then    cosine:   min_lr + (lr − min_lr) · ½ (1 + cos(π · p)),  p = (step − W) / (T − W)
//                     clamped to [0, 1], T = total_steps (p = 1 when T ≤ W)
//           step:     lr · gamma^⌊epoch / step_size⌋,  epoch = ⌊step / steps_per_epoch⌋
//           constant: lr
#pragma once
#include <cstdint>

#include "train/config.h"

namespace linattn {

class LrSchedule {
 public:
  // steps_per_epoch ≥ 1; total_steps = the run's planned number of updates (epochs ·
  // steps_per_epoch, or train.max_steps when that is smaller), the cosine horizon.
  LrSchedule(const OptimConfig& optim, std::int64_t steps_per_epoch, std::int64_t total_steps);

  double lr_at(std::int64_t step) const;

  double warmup_steps() const { return warmup_steps_; }
  std::int64_t total_steps() const { return total_steps_; }

 private:
  OptimConfig optim_;
  std::int64_t steps_per_epoch_, total_steps_;
  double warmup_steps_;
};

}  // namespace linattn
