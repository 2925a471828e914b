// tests/cuda/test_normalize.cpp — CUDA normalization kernels (core/cuda/normalize.cu) against the
// CPU: l2_normalize on every launch path of core/cuda/axis_team.cuh (warp per row, block per
// row, column tiles, empty) including vectors below eps, and double_normalize with no bias, a
// slot bias (S) and a per-group bias (G, S), on short and long token and slot axes, forward and
// backward, float32 and float64, plus run-to-run determinism.
//
// Tolerances (float32): the CPU sums rows in float lanes (columns in double), the GPU in double
// per thread then a tree; exp comes from different libraries (≤ 2 ulp each).
//  - kForward (rtol 1e-5, 2e-6 of the largest |output|): a few ulp per element; double
//    normalization chains a softmax over N and an ℓ1 over S, each one rounding of a sum.
//  - kGrad (rtol 1e-5, atol 1e-6, 1e-5 of the largest |gradient|): the backward formulas subtract
//    projections (g − y·(y·g), ḡy − Σ_S ḡy⊙y, ḡP − Σ_N ḡP⊙P) whose float32 sums carry ~1e-6 of
//    the row's scale.
//  - kF64 (rtol 1e-10, atol 1e-12, 1e-12 of the largest): float64, only summation order differs.
//  - The eps branch of l2_normalize (‖x‖ ≤ eps) is g / eps on both sides: within kGrad.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/cuda.h"
#include "axis_cases.h"
#include "support/parity.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kForward{.rtol = 1e-5, .max_rel = 2e-6};
constexpr Tolerance kGrad{.rtol = 1e-5, .atol = 1e-6, .max_rel = 1e-5};
constexpr Tolerance kF64{.rtol = 1e-10, .atol = 1e-12, .max_rel = 1e-12};

}  // namespace

TEST_CASE("l2_normalize matches the CPU on every launch path, forward and backward") {
  REQUIRE_CUDA();
  std::uint64_t seed = 10;
  for (const auto& c : kAxisCases) {
    Tensor x = randn_t(c.shape, ++seed);
    check_parity([&](const std::vector<Tensor>& in) { return l2_normalize(in[0], c.axis); }, {x}, kForward, kGrad,
                 str_cat("l2_normalize: ", c.path, " ", shape_str(c.shape)));
    Tensor x64 = randn_t(c.shape, ++seed, DType::F64);
    check_parity([&](const std::vector<Tensor>& in) { return l2_normalize(in[0], c.axis); }, {x64}, kF64, kF64,
                 str_cat("l2_normalize f64: ", c.path, " ", shape_str(c.shape)));
  }
}

TEST_CASE("l2_normalize: vectors at or below eps take the eps branch like the CPU") {
  REQUIRE_CUDA();
  // Rows: all zeros (‖x‖ = 0), tiny (‖x‖ < eps = 1e-3), ordinary; along rows and along columns.
  Tensor x = from_values({0, 0, 0, 0, 1e-4, -2e-4, 3e-4, 1e-4, 1, -2, 0.5, 3}, {3, 4}, {.requires_grad = true});
  for (std::int64_t axis : {0, 1})
    check_parity([&](const std::vector<Tensor>& in) { return l2_normalize(in[0], axis, 1e-3); }, {x}, kForward,
                 kGrad, str_cat("l2_normalize below eps, axis ", axis));
}

TEST_CASE("double_normalize matches the CPU: bias variants, short and long axes, forward and backward") {
  REQUIRE_CUDA();
  struct DnCase {
    Shape x;
    const char* path;
  };
  const std::vector<DnCase> cases = {
      {{2, 10, 8}, "(B, N, S), no groups"},
      {{2, 50, 4, 16}, "(B, N, G, S), small"},
      {{3, 197, 8, 64}, "ViT-like: 197 tokens, 8 heads of 64 slots"},
      {{1, 3000, 2, 3}, "long token axis"},
      {{2, 4, 1, 2000}, "long slot rows, one block per row"},
      {{0, 4, 3}, "no samples"},
      {{2, 0, 3}, "no tokens"},
  };
  std::uint64_t seed = 100;
  for (const auto& c : cases) {
    Tensor x = randn_t(c.x, ++seed);
    const Shape groups_slots(c.x.begin() + 2, c.x.end());
    Tensor bias_s = randn_t({c.x.back()}, ++seed), bias_gs = randn_t(groups_slots, ++seed);
    const std::string what = str_cat(c.path, " ", shape_str(c.x));
    check_parity([](const std::vector<Tensor>& in) { return double_normalize(in[0]); }, {x}, kForward, kGrad,
                 str_cat("double_normalize, no bias: ", what));
    check_parity([](const std::vector<Tensor>& in) { return double_normalize(in[0], in[1]); }, {x, bias_s}, kForward,
                 kGrad, str_cat("double_normalize, slot bias: ", what));
    if (c.x.size() == 4)
      check_parity([](const std::vector<Tensor>& in) { return double_normalize(in[0], in[1]); }, {x, bias_gs},
                   kForward, kGrad, str_cat("double_normalize, per-group bias: ", what));
  }
}

TEST_CASE("double_normalize in float64, with one slot and with a large eps matches the CPU") {
  REQUIRE_CUDA();
  Tensor x = randn_t({2, 40, 3, 12}, 200, DType::F64);
  Tensor bias = randn_t({3, 12}, 201, DType::F64);
  check_parity([](const std::vector<Tensor>& in) { return double_normalize(in[0], in[1]); }, {x, bias}, kF64, kF64,
               "double_normalize f64, per-group bias");
  // One slot: y = P / (eps + P) rounds to ~1 and the exact gradient is ~0, so float32 compares
  // only rounding noise; float64 keeps it 1e-16-small on both sides.
  Tensor one_slot = randn_t({2, 5, 3, 1}, 203, DType::F64);
  check_parity([](const std::vector<Tensor>& in) { return double_normalize(in[0]); }, {one_slot}, kF64, kF64,
               "double_normalize f64, one slot");
  Tensor x32 = randn_t({2, 40, 3, 12}, 202);
  check_parity([](const std::vector<Tensor>& in) { return double_normalize(in[0], Tensor(), 0.5); }, {x32}, kForward,
               kGrad, "double_normalize, eps 0.5");
}

TEST_CASE("l2_normalize and double_normalize are bit-identical run to run on the GPU") {
  REQUIRE_CUDA();
  Tensor x = to_cuda(randn_t({4, 197, 8, 64}, 300));
  Tensor rows = to_cuda(randn_t({16, 5000}, 301));
  auto run = [&] {
    std::vector<std::vector<float>> r;
    Tensor y = double_normalize(x);
    Tensor l = l2_normalize(rows, -1), lc = l2_normalize(x, 1);
    r.push_back(y.cpu().to_vector<float>());
    r.push_back(l.cpu().to_vector<float>());
    r.push_back(lc.cpu().to_vector<float>());
    r.push_back(grad(sum(mul(y, y)), {x})[0].cpu().to_vector<float>());
    r.push_back(grad(sum(mul(l, l)), {rows})[0].cpu().to_vector<float>());
    return r;
  };
  const auto first = run();
  for (int i = 0; i < 3; ++i) CHECK(run() == first);
}
