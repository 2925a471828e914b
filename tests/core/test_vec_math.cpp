// tests/core/test_vec_math.cpp — the accuracy claims of core/cpu/vec_math.h, measured against
// double-precision libm on a dense sweep.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/cpu/vec_math.h"

using linattn::cpu::erf_f32;
using linattn::cpu::exp_f32;

TEST_CASE("exp_f32 is within 2 ulp of exp on [-87, 88] and saturates outside") {
  double worst_ulps = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.001953125f) {
    double ref = std::exp(static_cast<double>(x));
    double ulp = std::nextafter(static_cast<float>(ref), std::numeric_limits<float>::infinity()) - static_cast<float>(ref);
    worst_ulps = std::max(worst_ulps, std::abs(exp_f32(x) - ref) / ulp);
  }
  INFO("worst error in ulps: " << worst_ulps);
  CHECK(worst_ulps <= 2.0);
  CHECK(exp_f32(-100.0f) == 0.0f);
  CHECK(std::isinf(exp_f32(100.0f)));
  CHECK(exp_f32(0.0f) == 1.0f);
}

TEST_CASE("erf_f32 has absolute error at most 5e-7") {
  double worst = 0;
  for (float x = -6.0f; x <= 6.0f; x += 0.0009765625f)
    worst = std::max(worst, std::abs(static_cast<double>(erf_f32(x)) - std::erf(static_cast<double>(x))));
  INFO("worst absolute error: " << worst);
  CHECK(worst <= 5e-7);
  CHECK(erf_f32(0.0f) == doctest::Approx(0.0).epsilon(1e-7));
}
