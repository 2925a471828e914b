// tests/core/test_vec_math.cpp — erf_f32's accuracy claim (core/cpu/vec_math.h), measured
// against double-precision libm on a dense sweep (fast_exp is covered in test_nn.cpp).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/cpu/vec_math.h"

using linattn::cpu::erf_f32;

TEST_CASE("erf_f32 has absolute error at most 5e-7") {
  double worst = 0;
  for (float x = -6.0f; x <= 6.0f; x += 0.0009765625f)
    worst = std::max(worst, std::abs(static_cast<double>(erf_f32(x)) - std::erf(static_cast<double>(x))));
  INFO("worst absolute error: " << worst);
  CHECK(worst <= 5e-7);
  CHECK(erf_f32(0.0f) == doctest::Approx(0.0).epsilon(1e-7));
}
