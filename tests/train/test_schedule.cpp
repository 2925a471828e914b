// tests/train/test_schedule.cpp — the LR schedule's exact values: fractional linear warmup, then
// cosine to min_lr over the rest of the run, step decay by epoch, constant; pure in the step.
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "core/error.h"
#include "train/schedule.h"

using namespace linattn;

namespace {

OptimConfig optim(Schedule s, double warmup_epochs) {
  OptimConfig o;
  o.lr = 1.0;
  o.min_lr = 0.1;
  o.schedule = s;
  o.warmup_epochs = warmup_epochs;
  o.step_size = 2;
  o.gamma = 0.5;
  return o;
}

}  // namespace

TEST_CASE("schedule: fractional linear warmup then cosine to min_lr") {
  // 10 steps per epoch, warmup 0.5 epoch = 5 steps, 25 steps in all (cosine over steps 5..25).
  LrSchedule s(optim(Schedule::Cosine, 0.5), 10, 25);
  CHECK(s.warmup_steps() == 5.0);
  CHECK(s.lr_at(0) == doctest::Approx(0.2).epsilon(1e-15));
  CHECK(s.lr_at(1) == doctest::Approx(0.4).epsilon(1e-15));
  CHECK(s.lr_at(4) == 1.0);
  CHECK(s.lr_at(5) == 1.0);  // cosine starts at the peak
  CHECK(s.lr_at(15) == doctest::Approx(0.55).epsilon(1e-15));  // half way: min + (peak − min)/2
  double p = 5.0 / 20.0;
  CHECK(s.lr_at(10) == doctest::Approx(0.1 + 0.9 * 0.5 * (1 + std::cos(std::numbers::pi * p))).epsilon(1e-15));
  CHECK(s.lr_at(25) == doctest::Approx(0.1).epsilon(1e-15));
  CHECK(s.lr_at(40) == doctest::Approx(0.1).epsilon(1e-15));  // past the end: stays at min_lr
}

TEST_CASE("schedule: a warmup that is not a whole number of steps reaches the peak exactly") {
  LrSchedule s(optim(Schedule::Constant, 0.25), 10, 100);  // W = 2.5 steps
  CHECK(s.lr_at(0) == doctest::Approx(0.4).epsilon(1e-15));
  CHECK(s.lr_at(1) == doctest::Approx(0.8).epsilon(1e-15));
  CHECK(s.lr_at(2) == 1.0);  // (2 + 1) / 2.5 > 1: capped
  CHECK(s.lr_at(3) == 1.0);
}

TEST_CASE("schedule: no warmup, cosine starts at the peak") {
  LrSchedule s(optim(Schedule::Cosine, 0.0), 4, 8);
  CHECK(s.lr_at(0) == 1.0);
  CHECK(s.lr_at(4) == doctest::Approx(0.55).epsilon(1e-15));
  CHECK(s.lr_at(8) == doctest::Approx(0.1).epsilon(1e-15));
}

TEST_CASE("schedule: step decays by gamma every step_size epochs") {
  LrSchedule s(optim(Schedule::Step, 0.0), 10, 1000);
  CHECK(s.lr_at(0) == 1.0);
  CHECK(s.lr_at(19) == 1.0);   // epochs 0, 1
  CHECK(s.lr_at(20) == 0.5);   // epoch 2
  CHECK(s.lr_at(39) == 0.5);
  CHECK(s.lr_at(40) == 0.25);  // epoch 4
  CHECK(s.lr_at(65) == 0.125);
}

TEST_CASE("schedule: step with warmup ramps to the peak first") {
  LrSchedule s(optim(Schedule::Step, 1.0), 4, 100);
  CHECK(s.lr_at(0) == 0.25);
  CHECK(s.lr_at(3) == 1.0);
  CHECK(s.lr_at(4) == 1.0);
  CHECK(s.lr_at(8) == 0.5);
}

TEST_CASE("schedule: constant") {
  LrSchedule s(optim(Schedule::Constant, 0.0), 3, 30);
  for (std::int64_t step : {0, 1, 17, 29, 500}) CHECK(s.lr_at(step) == 1.0);
}

TEST_CASE("schedule: warmup longer than the run still reaches the end at min_lr") {
  LrSchedule s(optim(Schedule::Cosine, 3.0), 2, 4);  // W = 6 > T = 4
  CHECK(s.lr_at(0) == doctest::Approx(1.0 / 6.0).epsilon(1e-15));
  CHECK(s.lr_at(3) == doctest::Approx(4.0 / 6.0).epsilon(1e-15));
  CHECK(s.lr_at(6) == doctest::Approx(0.1).epsilon(1e-15));
}

TEST_CASE("schedule: steps_per_epoch must be positive") {
  CHECK_THROWS_AS(LrSchedule(optim(Schedule::Cosine, 0.0), 0, 10), Error);
}
