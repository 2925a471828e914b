// tests/cuda/test_reduce.cpp — CUDA reductions (core/cuda/reduce.cu) against the CPU: every
// launch path (warp per row, block per row, split rows, column tiles narrow and wide, split
// columns), sum/mean/max/min/var/argmax forward and backward, NaN and tie semantics, int64 and
// float64, and run-to-run determinism.
//
// Tolerances: both backends accumulate float32 sums in double and round once, so results agree
// to ~1 float32 ulp: kReduce = rtol 1e-5 plus 1e-6 of the largest output (sums that cancel to
// near 0). max/min/argmax select an input element: exact. Gradients (expand, eq, div...): kGrad.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kExact{};
constexpr Tolerance kReduce{.rtol = 1e-5, .max_rel = 1e-6};
constexpr Tolerance kGrad{.rtol = 1e-5, .atol = 1e-6};
constexpr Tolerance kF64{.rtol = 1e-12, .atol = 1e-12};

// Shapes and axes chosen to hit each launch path of core/cuda/reduce.cu.
struct ReduceCase {
  Shape shape;
  Axes axes;
  const char* path;
};
const std::vector<ReduceCase> kCases = {
    {{37, 45}, {1}, "rows, one warp per row"},
    {{5, 3000}, {1}, "rows, one block per row"},
    {{3, 40000}, {1}, "rows split into chunks"},
    {{1 << 18}, {0}, "one long row split into chunks"},
    {{6, 50, 7}, {1}, "columns, narrow tile (inner 7)"},
    {{4, 300, 100}, {1}, "columns, 32-wide tiles"},
    {{2, 20000, 3}, {1}, "columns split into chunks"},
    {{30000, 5}, {0}, "leading axis, split"},
    {{4, 5, 6}, {0, 2}, "two axes"},
    {{3, 4, 5}, {}, "all axes"},
    {{3, 0, 4}, {1}, "empty reduced axis"},
};

}  // namespace

TEST_CASE("sum and mean match the CPU on every launch path, forward and backward") {
  REQUIRE_CUDA();
  std::uint64_t seed = 1;
  for (const auto& c : kCases) {
    Tensor x = randn_t(c.shape, ++seed);
    for (bool keepdim : {false, true}) {
      check_parity([&](const std::vector<Tensor>& in) { return sum(in[0], c.axes, keepdim); }, {x}, kReduce, kGrad,
                   str_cat("sum: ", c.path, " ", shape_str(c.shape), keepdim ? " keepdim" : ""));
      if (numel(c.shape) == 0) continue;  // mean over an empty axis is an error on both devices
      check_parity([&](const std::vector<Tensor>& in) { return mean(in[0], c.axes, keepdim); }, {x}, kReduce, kGrad,
                   str_cat("mean: ", c.path, " ", shape_str(c.shape), keepdim ? " keepdim" : ""));
    }
  }
}

TEST_CASE("max, min and var match the CPU on every launch path, forward and backward") {
  REQUIRE_CUDA();
  std::uint64_t seed = 100;
  for (const auto& c : kCases) {
    if (numel(c.shape) == 0) continue;  // max/min of an empty tensor is an error on both devices
    Tensor x = randn_t(c.shape, ++seed);
    check_parity([&](const std::vector<Tensor>& in) { return max(in[0], c.axes); }, {x}, kExact, kGrad,
                 str_cat("max: ", c.path, " ", shape_str(c.shape)));
    check_parity([&](const std::vector<Tensor>& in) { return min(in[0], c.axes); }, {x}, kExact, kGrad,
                 str_cat("min: ", c.path, " ", shape_str(c.shape)));
    check_parity([&](const std::vector<Tensor>& in) { return var(in[0], c.axes); }, {x}, kReduce, kGrad,
                 str_cat("var: ", c.path, " ", shape_str(c.shape)));
  }
}

TEST_CASE("max splits the gradient among ties like the CPU") {
  REQUIRE_CUDA();
  Tensor x = from_values({1, 3, 3, 0, 2, 2, 2, -1, 5, 5, 5, 5}, {3, 4}, {.requires_grad = true});
  check_parity([](const std::vector<Tensor>& in) { return max(in[0], {1}); }, {x}, kExact, kGrad, "max with ties");
  check_parity([](const std::vector<Tensor>& in) { return min(in[0], {0}); }, {x}, kExact, kGrad, "min with ties");
}

TEST_CASE("max and min propagate NaN like the CPU") {
  REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Tensor x = from_values({1, nan, 3, 0, 4, 2, nan, 1, 2}, {3, 3});
  for (int axis : {0, 1}) {
    check_parity([&](const std::vector<Tensor>& in) { return max(in[0], {axis}); }, {x}, kExact, kExact,
                 str_cat("max with NaN, axis ", axis));
    check_parity([&](const std::vector<Tensor>& in) { return min(in[0], {axis}); }, {x}, kExact, kExact,
                 str_cat("min with NaN, axis ", axis));
  }
}

TEST_CASE("argmax matches the CPU: first index on ties, NaN rules, every launch path") {
  REQUIRE_CUDA();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // Row 0: ties (first wins); row 1: NaN at index 0 (the CPU keeps index 0); row 2: a NaN later
  // (ignored); row 3: all equal.
  Tensor x = from_values({1, 5, 2, 5, nan, 1, 9, 2, 0, 7, nan, 3, 4, 4, 4, 4}, {4, 4});
  for (int axis : {0, 1})
    check_parity([&](const std::vector<Tensor>& in) { return argmax(in[0], axis); }, {x}, kExact, kExact,
                 str_cat("argmax with ties and NaN, axis ", axis));
  std::uint64_t seed = 200;
  for (const auto& c : kCases) {
    if (c.axes.size() != 1 || numel(c.shape) == 0) continue;
    Tensor r = randn_t(c.shape, ++seed, DType::F32, false);
    check_parity([&](const std::vector<Tensor>& in) { return argmax(in[0], c.axes[0], true); }, {r}, kExact, kExact,
                 str_cat("argmax: ", c.path, " ", shape_str(c.shape)));
  }
  // Many ties in a long row: the block tree must still pick the first.
  Tensor ties = full({2, 5000}, 1.0);
  check_parity([](const std::vector<Tensor>& in) { return argmax(in[0], 1); }, {ties}, kExact, kExact,
               "argmax of a constant long row");
}

TEST_CASE("reductions of int64 and float64 match the CPU") {
  REQUIRE_CUDA();
  Tensor i = arange(0.0, 600.0, 1.0, {.dtype = DType::I64});
  Tensor i3 = reshape(i, {4, 30, 5});
  for (int axis : {0, 1, 2}) {
    check_parity([&](const std::vector<Tensor>& in) { return sum(in[0], {axis}); }, {i3}, kExact, kExact,
                 str_cat("int64 sum, axis ", axis));
    check_parity([&](const std::vector<Tensor>& in) { return max(in[0], {axis}); }, {i3}, kExact, kExact,
                 str_cat("int64 max, axis ", axis));
    check_parity([&](const std::vector<Tensor>& in) { return argmax(in[0], axis); }, {i3}, kExact, kExact,
                 str_cat("int64 argmax, axis ", axis));
  }
  Tensor x = randn64({3, 70000}, 300);
  check_parity([](const std::vector<Tensor>& in) { return sum(in[0], {1}); }, {x}, kF64, kF64, "float64 split sum");
  check_parity([](const std::vector<Tensor>& in) { return var(in[0], {0}); }, {x}, kF64, kF64, "float64 var");
}

TEST_CASE("reductions are deterministic run to run") {
  REQUIRE_CUDA();
  Tensor x = to_cuda(randn_t({1 << 20}, 400, DType::F32, false));
  Tensor cols = to_cuda(randn_t({30000, 6}, 401, DType::F32, false));
  const auto first = sum(x).to_vector<float>();
  const auto first_cols = sum(cols, {0}).to_vector<float>();
  for (int run = 0; run < 5; ++run) {
    CHECK(sum(x).to_vector<float>() == first);
    CHECK(sum(cols, {0}).to_vector<float>() == first_cols);
  }
}
