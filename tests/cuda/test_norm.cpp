// tests/cuda/test_norm.cpp — batch_norm on CUDA (core/cuda/norm.cu) against the CPU: training
// (batch statistics, running-statistic update with the unbiased variance, full backward) and
// evaluation (running statistics as constants), with and without weight / bias, on images
// (B, C, H, W), sequences (B, C, L) and features (B, C), float32 and float64; determinism.
//
// Tolerances: both backends compute the statistics in double and round once, so mean, invstd
// and the running statistics agree to ~1 float32 ulp (kStats). The normalized output x·scale +
// shift and the input gradient k·(gy − mean(gy) − x̂·mean(gy·x̂)) subtract O(1) terms in
// float32, with or without fused multiply-adds depending on the compiler: a few ulps of the
// largest term, so rtol 1e-5 plus 1e-5 of the largest |expected| (kF32). float64: kF64.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kExact{};
constexpr Tolerance kF32{.rtol = 1e-5, .max_rel = 1e-5};
constexpr Tolerance kStats{.rtol = 1e-6, .atol = 1e-7};
constexpr Tolerance kF64{.rtol = 1e-12, .max_rel = 1e-12};

// x with a per-run offset and scale, so the statistics are far from (0, 1).
Tensor input(DType dtype, const Shape& shape, std::uint64_t seed) {
  NoGradGuard no_grad;
  return affine(randn_t(shape, seed, dtype, false), 2.5, 0.75).requires_grad_();
}

const std::vector<Shape> kShapes = {
    {4, 3, 5, 6},     // images
    {3, 4, 7},        // sequences (B, C, L)
    {16, 8},          // features: S = 1
    {8, 16, 32, 32},  // 8192 elements per channel: every thread of a channel's block strides
    {2, 300, 3, 3},   // many channels, few elements each
};

struct Affine {
  bool weight, bias;
  const char* name;
};
const Affine kAffine[] = {{true, true, "weight and bias"}, {false, false, "no weight, no bias"},
                          {true, false, "weight only"}};

void check_training(DType dtype, Tolerance tol, Tolerance stats_tol) {
  std::uint64_t seed = 1;
  for (const Shape& shape : kShapes) {
    for (const Affine& a : kAffine) {
      const std::int64_t C = shape[1];
      Tensor x = input(dtype, shape, ++seed);
      Tensor w = a.weight ? randn_t({C}, ++seed, dtype) : Tensor();
      Tensor b = a.bias ? randn_t({C}, ++seed, dtype) : Tensor();
      // Running statistics: one pair per device, updated in place by the forward.
      Tensor rm_cpu = randn_t({C}, ++seed, dtype, false), rv_cpu = add(rm_cpu, 3.0);
      Tensor rm_gpu = to_cuda(rm_cpu), rv_gpu = to_cuda(rv_cpu);
      for (double momentum : {0.1, 0.35}) {
        check_parity(
            [&](const std::vector<Tensor>& in) {
              const bool gpu = in[0].is_cuda();
              return batch_norm(in[0], in[1], in[2], gpu ? rm_gpu : rm_cpu, gpu ? rv_gpu : rv_cpu, true, momentum);
            },
            {x, w, b}, tol, tol, str_cat("batch_norm training ", dtype_name(dtype), " ", shape_str(shape), ", ", a.name,
                                         ", momentum ", momentum));
        CHECK_CLOSE(rm_gpu, rm_cpu, stats_tol);
        CHECK_CLOSE(rv_gpu, rv_cpu, stats_tol);
      }
      // Without running statistics: batch statistics only.
      check_parity([](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true); },
                   {x, w, b}, tol, tol,
                   str_cat("batch_norm training without running statistics ", shape_str(shape), ", ", a.name));
    }
  }
}

void check_eval(DType dtype, Tolerance tol) {
  std::uint64_t seed = 300;
  for (const Shape& shape : kShapes) {
    for (const Affine& a : kAffine) {
      const std::int64_t C = shape[1];
      Tensor x = input(dtype, shape, ++seed);
      Tensor w = a.weight ? randn_t({C}, ++seed, dtype) : Tensor();
      Tensor b = a.bias ? randn_t({C}, ++seed, dtype) : Tensor();
      Tensor rm = randn_t({C}, ++seed, dtype, false), rv = add(abs(randn_t({C}, ++seed, dtype, false)), 0.5);
      check_parity([](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], in[3], in[4], false); },
                   {x, w, b, rm, rv}, tol, tol,
                   str_cat("batch_norm eval ", dtype_name(dtype), " ", shape_str(shape), ", ", a.name));
    }
  }
}

}  // namespace

TEST_CASE("batch_norm training on CUDA matches the CPU, running statistics included, float32") {
  REQUIRE_CUDA();
  check_training(DType::F32, kF32, kStats);
}

TEST_CASE("batch_norm training on CUDA matches the CPU in float64") {
  REQUIRE_CUDA();
  check_training(DType::F64, kF64, kF64);
}

TEST_CASE("batch_norm evaluation on CUDA matches the CPU and leaves the running statistics alone") {
  REQUIRE_CUDA();
  check_eval(DType::F32, kF32);
  check_eval(DType::F64, kF64);
  Tensor rm = from_values({0.5, -1}, {2}), rv = from_values({2, 0.25}, {2});
  Tensor rm_gpu = to_cuda(rm), rv_gpu = to_cuda(rv);
  batch_norm(to_cuda(input(DType::F32, {4, 2, 3}, 9)), Tensor(), Tensor(), rm_gpu, rv_gpu, false);
  CHECK_CLOSE(rm_gpu, rm, kExact);
  CHECK_CLOSE(rv_gpu, rv, kExact);
}

TEST_CASE("batch_norm on CUDA repeats bit for bit") {
  REQUIRE_CUDA();
  Tensor x = to_cuda(input(DType::F32, {8, 16, 32, 32}, 500)), w = to_cuda(randn_t({16}, 501, DType::F32));
  Tensor b = to_cuda(randn_t({16}, 502, DType::F32));
  Tensor y1 = batch_norm(x, w, b, Tensor(), Tensor(), true), y2 = batch_norm(x, w, b, Tensor(), Tensor(), true);
  CHECK_CLOSE(y2, y1, kExact);
  Tensor gy = to_cuda(randn_t(y1.shape(), 503, DType::F32, false));
  auto g1 = grad(y1, {x, w, b}, gy), g2 = grad(y2, {x, w, b}, gy);
  for (std::size_t i = 0; i < g1.size(); ++i) {
    INFO("gradient ", i);
    CHECK_CLOSE(g2[i], g1[i], kExact);
  }
}
