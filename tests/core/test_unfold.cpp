// tests/core/test_unfold.cpp — unfold / fold (F.unfold / F.fold): values copied from PyTorch,
// a naive loop across stride / padding / dilation / non-square kernels, the adjoint identity
// ⟨unfold x, c⟩ = ⟨x, fold c⟩, float64 gradchecks of both, conv2d as unfold + matmul, and
// shape errors.
#include <doctest/doctest.h>

#include <array>
#include <cmath>

#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using testing::randn64;

namespace {

using Pair = std::array<std::int64_t, 2>;

struct WindowCase {
  const char* name;
  Shape x;
  Pair k, s, p, d;
};

const std::vector<WindowCase> kWindowCases = {
    {"3x3 s1 p1 (T2T soft split 1)", {2, 3, 5, 6}, {3, 3}, {1, 1}, {1, 1}, {1, 1}},
    {"3x3 s2 p1 (T2T soft split 2)", {2, 2, 6, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1}},
    {"7x7 s4 p2 (T2T-ViT's first split)", {1, 2, 13, 11}, {7, 7}, {4, 4}, {2, 2}, {1, 1}},
    {"anisotropic kernel stride padding dilation", {2, 2, 7, 6}, {3, 2}, {1, 2}, {2, 1}, {2, 3}},
    {"non-overlapping patches", {2, 3, 8, 8}, {4, 4}, {4, 4}, {0, 0}, {1, 1}},
    {"1x1", {1, 4, 3, 2}, {1, 1}, {1, 1}, {0, 0}, {1, 1}},
};

// out[b, c·kh·kw + i·kw + j, oh·Wo + ow] = x[b, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw] (0 outside).
std::vector<double> unfold_naive(const Tensor& xt, Pair k, Pair s, Pair p, Pair d) {
  const auto x = xt.to_vector<double>();
  const std::int64_t B = xt.size(0), C = xt.size(1), H = xt.size(2), W = xt.size(3);
  const std::int64_t Ho = (H + 2 * p[0] - d[0] * (k[0] - 1) - 1) / s[0] + 1;
  const std::int64_t Wo = (W + 2 * p[1] - d[1] * (k[1] - 1) - 1) / s[1] + 1;
  const std::int64_t K = C * k[0] * k[1], L = Ho * Wo;
  std::vector<double> out(static_cast<std::size_t>(B * K * L), 0.0);
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t i = 0; i < k[0]; ++i)
        for (std::int64_t j = 0; j < k[1]; ++j)
          for (std::int64_t oh = 0; oh < Ho; ++oh)
            for (std::int64_t ow = 0; ow < Wo; ++ow) {
              const std::int64_t ih = oh * s[0] - p[0] + i * d[0], iw = ow * s[1] - p[1] + j * d[1];
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              const std::int64_t row = (c * k[0] + i) * k[1] + j;
              out[static_cast<std::size_t>((b * K + row) * L + oh * Wo + ow)] =
                  x[static_cast<std::size_t>(((b * C + c) * H + ih) * W + iw)];
            }
  return out;
}

double dot(const Tensor& a, const Tensor& b) { return sum(mul(a, b)).item(); }

}  // namespace

TEST_CASE("unfold values copied from torch.nn.functional.unfold") {
  // F.unfold(arange(1, 19).reshape(1, 2, 3, 3), 2)
  Tensor x = reshape(arange(1, 19, 1, {.dtype = DType::F64}), {1, 2, 3, 3});
  Tensor u = unfold(x, {2, 2});
  CHECK(u.shape() == Shape{1, 8, 4});
  CHECK_VALUES(u, 0.0, {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9, 10, 11, 13, 14, 11, 12, 14, 15, 13, 14, 16, 17,
                        14, 15, 17, 18});
  // F.unfold(arange(1, 17).reshape(1, 1, 4, 4), 3, stride=2, padding=1)
  Tensor x2 = reshape(arange(1, 17, 1, {.dtype = DType::F32}), {1, 1, 4, 4});
  Tensor u2 = unfold(x2, {3, 3}, {2, 2}, {1, 1});
  CHECK(u2.shape() == Shape{1, 9, 4});
  CHECK(u2.dtype() == DType::F32);
  CHECK_VALUES(u2, 0.0, {0, 0, 0, 6, 0, 0, 5, 7, 0, 0, 6, 8, 0, 2, 0, 10, 1, 3, 9, 11, 2, 4, 10, 12, 0, 6, 0, 14, 5, 7,
                         13, 15, 6, 8, 14, 16});
  // F.unfold(x of (1, 1, 3, 4), (2, 3), padding=(0, 1)).shape == (1, 6, 8)
  CHECK(unfold(zeros({1, 1, 3, 4}), {2, 3}, {1, 1}, {0, 1}).shape() == Shape{1, 6, 8});
}

TEST_CASE("fold values copied from torch.nn.functional.fold count the windows per pixel") {
  // F.fold(ones(1, 9, 16), (4, 4), 3, padding=1)
  Tensor f = fold(ones({1, 9, 16}, {.dtype = DType::F64}), {4, 4}, {3, 3}, {1, 1}, {1, 1});
  CHECK(f.shape() == Shape{1, 1, 4, 4});
  CHECK_VALUES(f, 0.0, {4, 6, 6, 4, 6, 9, 9, 6, 6, 9, 9, 6, 4, 6, 6, 4});
  // F.fold(ones(1, 9, 4), (4, 4), 3, padding=1, stride=2)
  Tensor f2 = fold(ones({1, 9, 4}), {4, 4}, {3, 3}, {2, 2}, {1, 1});
  CHECK_VALUES(f2, 0.0, {1, 2, 1, 1, 2, 4, 2, 2, 1, 2, 1, 1, 1, 2, 1, 1});
}

TEST_CASE("unfold matches a naive loop and fold is its adjoint, float64 and float32") {
  for (const WindowCase& c : kWindowCases) {
    INFO(c.name);
    Tensor x = randn64(c.x, 1, false);
    Tensor u = unfold(x, c.k, c.s, c.p, c.d);
    CHECK(u.to_vector<double>() == unfold_naive(x, c.k, c.s, c.p, c.d));  // a pure copy: exact
    CHECK(unfold(x.to(DType::F32), c.k, c.s, c.p, c.d).to(DType::F64).to_vector<double>() ==
          unfold_naive(x.to(DType::F32).to(DType::F64), c.k, c.s, c.p, c.d));
    Tensor cols = randn64(u.shape(), 2, false);
    Tensor f = fold(cols, {c.x[2], c.x[3]}, c.k, c.s, c.p, c.d);
    CHECK(f.shape() == c.x);
    CHECK(dot(u, cols) == doctest::Approx(dot(x, f)).epsilon(1e-12));
  }
}

TEST_CASE("unfold and fold gradcheck across stride padding dilation") {
  for (const WindowCase& c : kWindowCases) {
    INFO(c.name);
    Tensor x = randn64(c.x, 11);
    CHECK_GRADCHECK([c](const std::vector<Tensor>& in) { return unfold(in[0], c.k, c.s, c.p, c.d); }, {x});
    Tensor cols = randn64(unfold(x.detach(), c.k, c.s, c.p, c.d).shape(), 12);
    const Pair hw{c.x[2], c.x[3]};
    CHECK_GRADCHECK([c, hw](const std::vector<Tensor>& in) { return fold(in[0], hw, c.k, c.s, c.p, c.d); }, {cols});
  }
}

TEST_CASE("conv2d equals unfold followed by a matmul with the flattened weight") {
  Tensor x = randn64({2, 3, 6, 5}, 21, false), w = randn64({4, 3, 3, 3}, 22, false);
  Tensor y = conv2d(x, w, Tensor(), {.stride = {2, 1}, .padding = {1, 1}});  // 2 x 4 x 3 x 5
  Tensor u = unfold(x, {3, 3}, {2, 1}, {1, 1});                               // 2 x 27 x 15
  Tensor z = reshape(matmul(reshape(w, {4, 27}), u), {2, 4, 3, 5});
  std::vector<double> a = y.to_vector<double>(), b = z.to_vector<double>();
  REQUIRE(a.size() == b.size());
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  CHECK(worst < 1e-12);
}

TEST_CASE("unfold and fold shape errors name the shapes") {
  CHECK_THROWS_WITH_AS(unfold(zeros({3, 8, 8}), {3, 3}), doctest::Contains("unfold: input must be (B, C, H, W)"), Error);
  CHECK_THROWS_WITH_AS(unfold(zeros({1, 1, 4, 4}), {5, 5}),
                       doctest::Contains("kernel (5, 5) (kernel (5, 5), dilation (1, 1)) is larger than the padded "
                                         "image (4, 4)"),
                       Error);
  CHECK_THROWS_WITH_AS(unfold(zeros({1, 1, 4, 4}), {3, 3}, {0, 1}), doctest::Contains("stride must be positive"), Error);
  CHECK_THROWS_WITH_AS(fold(zeros({1, 8, 4}), {4, 4}, {3, 3}),
                       doctest::Contains("fold: input (1, 8, 4) has 8 rows, not a multiple of kh·kw = 9"), Error);
  CHECK_THROWS_WITH_AS(fold(zeros({1, 9, 5}), {4, 4}, {3, 3}, {2, 2}, {1, 1}),
                       doctest::Contains("has L = 5 windows, but output_size (4, 4)"), Error);
}
