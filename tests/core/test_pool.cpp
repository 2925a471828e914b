// tests/core/test_pool.cpp — max_pool2d and avg_pool2d: forward values on hand-computed
// examples and against direct loops, gradient routing at ties (first max), float64
// gradchecks (max pooling on tie-free inputs, per the kink policy), and argument errors.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/ops.h"
#include "support/gradcheck.h"

using namespace linattn;
using testing::distinct_values;
using testing::randn64;

namespace {

using Pair = std::array<std::int64_t, 2>;

// Direct loops over every window; padded positions are skipped (max) or count as zeros (avg).
std::vector<double> pool_direct(const Tensor& xt, Pair k, Pair s, Pair p, bool is_max, bool count_include_pad) {
  const auto x = xt.to_vector<double>();
  const std::int64_t B = xt.size(0), C = xt.size(1), H = xt.size(2), W = xt.size(3);
  const std::int64_t Ho = (H + 2 * p[0] - k[0]) / s[0] + 1, Wo = (W + 2 * p[1] - k[1]) / s[1] + 1;
  std::vector<double> out;
  for (std::int64_t bc = 0; bc < B * C; ++bc)
    for (std::int64_t oh = 0; oh < Ho; ++oh)
      for (std::int64_t ow = 0; ow < Wo; ++ow) {
        double best = -std::numeric_limits<double>::infinity(), sum = 0;
        std::int64_t count = 0;
        for (std::int64_t i = 0; i < k[0]; ++i)
          for (std::int64_t j = 0; j < k[1]; ++j) {
            const std::int64_t ih = oh * s[0] - p[0] + i, iw = ow * s[1] - p[1] + j;
            if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
            const double v = x[static_cast<std::size_t>((bc * H + ih) * W + iw)];
            best = std::max(best, v);
            sum += v;
            ++count;
          }
        out.push_back(is_max ? best : sum / static_cast<double>(count_include_pad ? k[0] * k[1] : count));
      }
  return out;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element ", i, ": got ", got[i], ", want ", want[i]);
    CHECK(std::abs(got[i] - want[i]) <= tol * (1.0 + std::abs(want[i])));
  }
}

struct Case {
  const char* name;
  Shape x;
  Pair kernel, stride, padding;
};

const std::vector<Case> kCases = {
    {"2x2 stride 2", {2, 3, 4, 6}, {2, 2}, {2, 2}, {0, 0}},
    {"3x3 stride 1 padding 1", {1, 2, 5, 4}, {3, 3}, {1, 1}, {1, 1}},
    {"3x3 stride 2 padding 1 odd size", {2, 1, 7, 5}, {3, 3}, {2, 2}, {1, 1}},
    {"anisotropic", {1, 2, 6, 7}, {3, 2}, {2, 1}, {1, 0}},
    {"floor drops the last row and column", {1, 1, 5, 5}, {2, 2}, {2, 2}, {0, 0}},
};

}  // namespace

TEST_CASE("max_pool2d and avg_pool2d on hand-computed examples") {
  // x = 0..15 in a 4x4 plane.
  std::vector<double> v(16);
  for (std::size_t i = 0; i < 16; ++i) v[i] = static_cast<double>(i);
  Tensor x = from_values(v, {1, 1, 4, 4}, {.dtype = DType::F64});
  CHECK(max_pool2d(x, {2, 2}).to_vector<double>() == std::vector<double>{5, 7, 13, 15});
  CHECK(avg_pool2d(x, {2, 2}).to_vector<double>() == std::vector<double>{2.5, 4.5, 10.5, 12.5});
  // 3x3, stride 2, padding 1: windows start at rows/columns −1 and 1.
  CHECK(max_pool2d(x, {3, 3}, {2, 2}, {1, 1}).to_vector<double>() == std::vector<double>{5, 7, 13, 15});
  // avg, padding counted: (0+1+4+5)/9, (1+2+3+5+6+7)/9, (4+5+8+9+12+13)/9, (5+6+7+9+10+11+13+14+15)/9
  check_close(avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}).to_vector<double>(), {10.0 / 9, 24.0 / 9, 51.0 / 9, 90.0 / 9}, 1e-15);
  // ... and not counted: divided by 4, 6, 6, 9 real elements.
  check_close(avg_pool2d(x, {3, 3}, {2, 2}, {1, 1}, false).to_vector<double>(), {2.5, 4.0, 8.5, 10.0}, 1e-15);
  // Padding never wins a max, even when every real value is negative.
  Tensor neg_x = from_values({-5, -6, -7, -8}, {1, 1, 2, 2}, {.dtype = DType::F64});
  CHECK(max_pool2d(neg_x, {2, 2}, {1, 1}, {1, 1}).to_vector<double>() ==
        std::vector<double>{-5, -5, -6, -5, -5, -6, -7, -7, -8});
}

TEST_CASE("pooling forward matches direct loops, float64 and float32") {
  for (const Case& c : kCases) {
    INFO(c.name);
    Tensor x = randn64(c.x, 5, false);
    auto want_max = pool_direct(x, c.kernel, c.stride, c.padding, true, true);
    check_close(max_pool2d(x, c.kernel, c.stride, c.padding).to_vector<double>(), want_max, 0);
    check_close(max_pool2d(x.to(DType::F32), c.kernel, c.stride, c.padding).to(DType::F64).to_vector<double>(),
                want_max, 1e-6);
    for (bool include : {true, false}) {
      auto want_avg = pool_direct(x, c.kernel, c.stride, c.padding, false, include);
      check_close(avg_pool2d(x, c.kernel, c.stride, c.padding, include).to_vector<double>(), want_avg, 1e-14);
      check_close(
          avg_pool2d(x.to(DType::F32), c.kernel, c.stride, c.padding, include).to(DType::F64).to_vector<double>(),
          want_avg, 1e-6);
    }
  }
}

TEST_CASE("max_pool2d default stride is the kernel and the output size rounds down") {
  Tensor y = max_pool2d(zeros({2, 3, 7, 9}), {2, 3});
  CHECK(y.shape() == Shape{2, 3, 3, 3});
  CHECK(avg_pool2d(zeros({1, 1, 5, 5}), {3, 3}, {2, 2}, {1, 1}).shape() == Shape{1, 1, 3, 3});
}

TEST_CASE("max_pool2d sends the gradient to the first maximum on ties") {
  // All equal: each 2x2 window (stride 1, overlapping) routes its gradient to its top-left.
  Tensor x = ones({1, 1, 3, 3}, {.dtype = DType::F64, .requires_grad = true});
  Tensor y = max_pool2d(x, {2, 2}, {1, 1});
  auto g = grad(y, {x}, from_values({1, 10, 100, 1000}, {1, 1, 2, 2}, {.dtype = DType::F64}));
  CHECK(g[0].to_vector<double>() == std::vector<double>{1, 10, 0, 100, 1000, 0, 0, 0, 0});
  // A repeated maximum inside one window: the first in row-major order wins.
  Tensor x2 = from_values({0, 3, 3, 1}, {1, 1, 2, 2}, {.dtype = DType::F64, .requires_grad = true});
  auto g2 = grad(max_pool2d(x2, {2, 2}), {x2}, from_values({2}, {1, 1, 1, 1}, {.dtype = DType::F64}));
  CHECK(g2[0].to_vector<double>() == std::vector<double>{0, 2, 0, 0});
}

TEST_CASE("max_pool2d propagates NaN") {
  Tensor x = from_values({1, std::nan(""), 3, 4}, {1, 1, 2, 2}, {.dtype = DType::F64});
  CHECK(std::isnan(max_pool2d(x, {2, 2}).item()));
}

TEST_CASE("max_pool2d gradcheck on tie-free inputs") {
  for (const Case& c : kCases) {
    INFO(c.name);
    // Gaps of 0.01 ≫ eps = 1e-6: no central difference changes any window's argmax.
    Tensor x = distinct_values(c.x, 0.01, 7);
    CHECK_GRADCHECK([c](const std::vector<Tensor>& in) { return max_pool2d(in[0], c.kernel, c.stride, c.padding); },
                    {x});
  }
}

TEST_CASE("avg_pool2d gradcheck with and without counting the padding") {
  for (const Case& c : kCases) {
    for (bool include : {true, false}) {
      INFO(c.name, ", count_include_pad ", include);
      Tensor x = randn64(c.x, 9);
      CHECK_GRADCHECK(
          [c, include](const std::vector<Tensor>& in) {
            return avg_pool2d(in[0], c.kernel, c.stride, c.padding, include);
          },
          {x});
    }
  }
}

TEST_CASE("pooling argument errors name the sizes") {
  Tensor x = zeros({1, 2, 4, 4});
  CHECK_THROWS_WITH_AS(max_pool2d(x, {3, 3}, {1, 1}, {2, 1}),
                       doctest::Contains("padding (2, 1) must be non-negative and at most half the kernel (3, 3)"),
                       Error);
  CHECK_THROWS_WITH_AS(avg_pool2d(x, {5, 2}),
                       doctest::Contains("avg_pool2d: kernel (5, 2) is larger than the padded input (4, 4) (input (1, 2, "
                                         "4, 4)"),
                       Error);
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({2, 4, 4}), {2, 2}),
                       doctest::Contains("max_pool2d: input must be (B, C, H, W), got shape (2, 4, 4)"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, {0, 2}), doctest::Contains("kernel must be positive, got (0, 2)"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(x, {2, 2}, {-1, 1}), doctest::Contains("stride must be positive"), Error);
  CHECK_THROWS_WITH_AS(max_pool2d(zeros({1, 1, 2, 2}, {.dtype = DType::I64}), {2, 2}),
                       doctest::Contains("max_pool2d: expected a float32 or float64 tensor, got int64"), Error);
}
