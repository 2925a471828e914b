// core/cpu/vec_math.h — branch-free float32 exp and erf that GCC auto-vectorizes (glibc's
// expf/erff are scalar calls, which made exp/GELU/softmax loops 10-20× slower).
//
// Accuracy (measured by tests/core/test_vec_math.cpp against double-precision libm):
//   exp_f32: relative error ≤ 2 ulp on [-87, 88]; 0 below -87.3 (flush, like a denormal
//            result), +inf above 88.7.
//   erf_f32: absolute error ≤ 5e-7 (Abramowitz & Stegun 7.1.26, 1.5e-7 in exact arithmetic,
//            evaluated in float32 with exp_f32; measured 4.1e-7).
// float64 paths keep libm (gradient checks and goldens need full double precision).
#pragma once
#include <bit>
#include <cstdint>

namespace linattn::cpu {

inline float exp_f32(float x) {
  const float hi = 88.7228391f, lo = -87.3365448f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  // x = n·ln2 + r, |r| ≤ ln2/2 (ln2 split in two for an exact product).
  // Round to nearest with the 1.5·2²³ trick (no floorf call: vectorizes on any x86-64).
  const float magic = 12582912.0f;
  float n = (xc * 1.44269504088896341f + magic) - magic;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  // Cephes expf polynomial for e^r.
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  float y = p * r * r + r + 1.0f;
  float scale = std::bit_cast<float>((static_cast<std::int32_t>(n) + 127) << 23);
  float out = y * scale;
  out = x < lo ? 0.0f : out;
  return x > hi ? __builtin_inff() : out;
}

inline float erf_f32(float x) {
  float ax = x < 0 ? -x : x;
  float t = 1.0f / (1.0f + 0.3275911f * ax);
  float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
  float y = 1.0f - poly * exp_f32(-ax * ax);
  return x < 0 ? -y : y;
}

}  // namespace linattn::cpu
