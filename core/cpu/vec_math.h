// core/cpu/vec_math.h — helpers for vectorized CPU inner loops: a branch-free exp, sums and
// maxima over a fixed number of lanes, and LINATTN_CPU_CLONES (one function compiled for
// several instruction sets). Used by the nn kernels (core/cpu/nn_*.cpp).
//
// Why: linattn builds for baseline x86-64 (SSE2) so one binary runs anywhere; hot row kernels
// are marked LINATTN_CPU_CLONES and GCC also emits AVX2+FMA and AVX-512 versions, one picked
// when the program loads (ifunc). Loops vectorize because core is built with
// -fno-trapping-math (CMakeLists.txt): without it GCC keeps float selects (a > b ? a : b) as
// branches. Results can differ in the last bits between machines (FMA), never between runs.
//
// Fixed lanes: lane_sum accumulates element i into lane i % kLanes and combines the lanes
// pairwise, so a row's sum is rounded the same way whatever the vector width, and the
// compiler may vectorize it (it never reorders a plain float sum by itself).
//
// fast_exp(float): Cephes-style expf — x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split hi+lo), a
// degree-6 polynomial for e^r, and 2ⁿ built in the exponent bits. Accuracy (checked in
// tests/core/test_nn.cpp against double exp on ~4M points over the whole range):
//   ≤ 2 ulp for x in [ln(FLT_MIN), 88.376]  (≈ [−87.34, 88.38]); max observed 1 ulp-ish,
//   exactly 0 for x < −87.3365 (std::exp would return a subnormal < 1.2e-38),
//   +inf for x > 88.3763 (std::exp overflows a little later, at 88.7228), NaN for NaN.
// erf_f32(float): Abramowitz & Stegun 7.1.26 with fast_exp — absolute error ≤ 5e-7 (1.5e-7 in
// exact arithmetic; measured 4.1e-7 in float32 by tests/core/test_vec_math.cpp). erf_of<T> is
// erf_f32 for float and std::erf for double; GELU uses it.
// exp_of<T>: fast_exp for float, std::exp for double (float64 is the gradient-check dtype,
// exactness matters more than speed there).
#pragma once
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LINATTN_CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LINATTN_CPU_CLONES
#endif

namespace linattn::cpu {

inline float fast_exp(float x) {
  constexpr float kHi = 88.3762626647949f, kLo = -87.3365447504f;  // kLo = ln(FLT_MIN)
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  constexpr float kMagic = 12582912.0f;  // 1.5·2²³: adding it rounds to an integer
  float xc = x > kHi ? kHi : x;
  xc = xc < kLo ? kLo : xc;
  float t = xc * kLog2e + kMagic;                       // n in the low mantissa bits
  float n = t - kMagic;                                 // round(x·log2 e), |n| ≤ 127
  float r = xc - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  std::uint32_t k = std::bit_cast<std::uint32_t>(t) - std::bit_cast<std::uint32_t>(kMagic);
  float scale = std::bit_cast<float>((k + 127u) << 23);  // 2ⁿ
  float y = p * scale;
  y = x < kLo ? 0.0f : y;
  return x > kHi ? std::numeric_limits<float>::infinity() : y;
}

template <class T>
inline T exp_of(T x) {
  if constexpr (std::is_same_v<T, float>)
    return fast_exp(x);
  else
    return std::exp(x);
}

inline float erf_f32(float x) {
  float ax = x < 0 ? -x : x;
  float t = 1.0f / (1.0f + 0.3275911f * ax);
  float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t - 0.284496736f) * t + 0.254829592f) * t;
  float y = 1.0f - poly * fast_exp(-ax * ax);
  return x < 0 ? -y : y;
}

template <class T>
inline T erf_of(T x) {
  if constexpr (std::is_same_v<T, float>)
    return erf_f32(x);
  else
    return std::erf(x);
}

constexpr int kLanes = 16;

// Σ f(i) for i in [0, n), accumulated in T over kLanes lanes (see the header comment).
template <class T, class F>
inline T lane_sum(std::int64_t n, F&& f) {
  T acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (int l = 0; l < kLanes; ++l) acc[l] += f(i + l);
  for (int l = 0; i + l < n; ++l) acc[l] += f(i + l);
  for (int w = kLanes / 2; w > 0; w /= 2)
    for (int l = 0; l < w; ++l) acc[l] += acc[l + w];
  return acc[0];
}

// max over x[0..n) (−inf for n = 0); max is exact, so the order is free (omp simd lets GCC
// vectorize it). NaNs are skipped; callers whose result must be NaN then (softmax) get it
// through the NaN's own exp.
template <class T>
inline T lane_max(const T* x, std::int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
#pragma omp simd reduction(max : m)
  for (std::int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

}  // namespace linattn::cpu
