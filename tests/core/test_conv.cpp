// tests/core/test_conv.cpp — conv2d: forward values against a direct nested-loop convolution
// (float64 and float32), the patch-embedding and multi-chunk paths, float64 gradchecks of x,
// weight and bias across stride / padding / dilation / groups, and shape errors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "support/gradcheck.h"

using namespace linattn;
using testing::randn64;

namespace {

// out[b, co, oh, ow] = bias[co] + Σ_{ci, i, j} x[b, g·Cg_in + ci, oh·sh − ph + i·dh, ow·sw − pw + j·dw] · w[co, ci, i, j]
std::vector<double> conv2d_direct(const Tensor& xt, const Tensor& wt, const Tensor& bt, const Conv2dParams& p) {
  const auto x = xt.to(DType::F64).to_vector<double>(), w = wt.to(DType::F64).to_vector<double>();
  const auto bias = bt.defined() ? bt.to(DType::F64).to_vector<double>() : std::vector<double>();
  const std::int64_t B = xt.size(0), Cin = xt.size(1), H = xt.size(2), W = xt.size(3);
  const std::int64_t Cout = wt.size(0), Cgi = wt.size(1), kh = wt.size(2), kw = wt.size(3);
  const std::int64_t Cgo = Cout / p.groups;
  const std::int64_t Ho = (H + 2 * p.padding[0] - p.dilation[0] * (kh - 1) - 1) / p.stride[0] + 1;
  const std::int64_t Wo = (W + 2 * p.padding[1] - p.dilation[1] * (kw - 1) - 1) / p.stride[1] + 1;
  std::vector<double> out(static_cast<std::size_t>(B * Cout * Ho * Wo));
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t co = 0; co < Cout; ++co)
      for (std::int64_t oh = 0; oh < Ho; ++oh)
        for (std::int64_t ow = 0; ow < Wo; ++ow) {
          double s = bias.empty() ? 0.0 : bias[static_cast<std::size_t>(co)];
          for (std::int64_t ci = 0; ci < Cgi; ++ci)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t ih = oh * p.stride[0] - p.padding[0] + i * p.dilation[0];
                const std::int64_t iw = ow * p.stride[1] - p.padding[1] + j * p.dilation[1];
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                const std::int64_t c = (co / Cgo) * Cgi + ci;
                s += x[static_cast<std::size_t>(((b * Cin + c) * H + ih) * W + iw)] *
                     w[static_cast<std::size_t>(((co * Cgi + ci) * kh + i) * kw + j)];
              }
          out[static_cast<std::size_t>(((b * Cout + co) * Ho + oh) * Wo + ow)] = s;
        }
  return out;
}

// Every |got − want| ≤ tol·(1 + |want|); reports the first element that is not.
void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.size() == want.size());
  std::size_t bad = got.size();
  for (std::size_t i = 0; i < got.size() && bad == got.size(); ++i)
    if (!(std::abs(got[i] - want[i]) <= tol * (1.0 + std::abs(want[i])))) bad = i;
  INFO("first mismatch at element ", bad, ": got ", bad < got.size() ? got[bad] : 0.0, ", want ",
       bad < got.size() ? want[bad] : 0.0);
  CHECK(bad == got.size());
}

struct Case {
  const char* name;
  Shape x, w;
  Conv2dParams p;
};

// Small enough for gradchecks; together they cover every parameter of the geometry.
const std::vector<Case> kCases = {
    {"3x3 stride 1", {2, 3, 5, 4}, {4, 3, 3, 3}, {}},
    {"3x3 stride 2 padding 1", {2, 2, 6, 5}, {3, 2, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}},
    {"anisotropic stride padding dilation", {1, 2, 7, 6}, {2, 2, 3, 2},
     {.stride = {1, 2}, .padding = {2, 1}, .dilation = {2, 3}}},
    {"groups 2", {2, 4, 5, 5}, {6, 2, 3, 3}, {.padding = {1, 1}, .groups = 2}},
    {"depthwise", {2, 3, 5, 5}, {3, 1, 3, 3}, {.stride = {2, 1}, .padding = {1, 1}, .groups = 3}},
    {"patches stride == kernel", {2, 3, 9, 8}, {5, 3, 4, 4}, {.stride = {4, 4}}},
    {"1x1", {2, 3, 3, 4}, {4, 3, 1, 1}, {}},
    {"large padding", {1, 1, 2, 2}, {2, 1, 3, 3}, {.padding = {2, 1}}},
};

}  // namespace

TEST_CASE("conv2d forward on a hand-computed example") {
  // x = 1..9 in a 3x3 plane, w = [[1, 0], [0, -1]]: out[i, j] = x[i, j] − x[i+1, j+1] = −4.
  Tensor x = from_values({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 3, 3}, {.dtype = DType::F64});
  Tensor w = from_values({1, 0, 0, -1}, {1, 1, 2, 2}, {.dtype = DType::F64});
  Tensor b = from_values({0.5}, {1}, {.dtype = DType::F64});
  Tensor y = conv2d(x, w, b);
  CHECK(y.shape() == Shape{1, 1, 2, 2});
  CHECK(y.to_vector<double>() == std::vector<double>{-3.5, -3.5, -3.5, -3.5});
  // padding 1, stride 2: windows at (−1, −1), (−1, 1), (1, −1), (1, 1); padding reads 0.
  Tensor yp = conv2d(x, w, Tensor(), {.stride = {2, 2}, .padding = {1, 1}});
  CHECK(yp.to_vector<double>() == std::vector<double>{-1, -3, -7, -4});
}

TEST_CASE("conv2d forward matches a direct loop, float64 and float32") {
  for (const Case& c : kCases) {
    INFO(c.name);
    Tensor x = randn64(c.x, 1, false), w = randn64(c.w, 2, false), b = randn64({c.w[0]}, 3, false);
    check_close(conv2d(x, w, b, c.p).to_vector<double>(), conv2d_direct(x, w, b, c.p), 1e-12);
    check_close(conv2d(x, w, Tensor(), c.p).to_vector<double>(), conv2d_direct(x, w, Tensor(), c.p), 1e-12);
    Tensor y32 = conv2d(x.to(DType::F32), w.to(DType::F32), b.to(DType::F32), c.p);
    CHECK(y32.dtype() == DType::F32);
    check_close(y32.to(DType::F64).to_vector<double>(), conv2d_direct(x, w, b, c.p), 1e-5);
  }
}

TEST_CASE("conv2d gradcheck of x, weight and bias across stride padding dilation groups") {
  for (const Case& c : kCases) {
    INFO(c.name);
    Tensor x = randn64(c.x, 11), w = randn64(c.w, 12), b = randn64({c.w[0]}, 13);
    Conv2dParams p = c.p;
    CHECK_GRADCHECK([p](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], p); }, {x, w, b});
    // Without a bias, and with only some inputs requiring grad.
    Tensor wc = randn64(c.w, 14, false);
    CHECK_GRADCHECK([p](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], Tensor(), p); }, {x, wc});
  }
}

TEST_CASE("conv2d on the ViT patch-embedding shape matches the direct loop and a reshape") {
  // Non-overlapping 4x4 patches of a 3x32x32 image into 8 channels: out[b, co, ph, pw] is the
  // dot product of weight[co] with patch (ph, pw).
  Tensor x = randn64({2, 3, 32, 32}, 21, false), w = randn64({8, 3, 4, 4}, 22, false), b = randn64({8}, 23, false);
  Conv2dParams p{.stride = {4, 4}};
  Tensor y = conv2d(x, w, b, p);
  CHECK(y.shape() == Shape{2, 8, 8, 8});
  check_close(y.to_vector<double>(), conv2d_direct(x, w, b, p), 1e-12);
  // The same as a linear layer over the patches (B, 8·8, 3·4·4).
  Tensor patches = reshape(permute(reshape(x, {2, 3, 8, 4, 8, 4}), {0, 2, 4, 1, 3, 5}), {2, 64, 48});
  Tensor lin = permute(linear(patches, reshape(w, {8, 48}), b), {0, 2, 1});  // B x 8 x 64
  check_close(y.to_vector<double>(), lin.to_vector<double>(), 1e-12);
}

TEST_CASE("conv2d batch chunking and direct per-image output give the same results and gradients") {
  // 30x30 outputs: chunks of 3 images (3, 3, then 1 written directly); 32x32 outputs: every
  // image written directly by its GEMM; a 1x1 kernel on 32x32 uses the image as its own column
  // matrix. Each is checked against the direct loop and against the same convolution applied
  // image by image.
  struct Sizes {
    Shape x;
    std::int64_t k;
  };
  for (const Sizes& c : {Sizes{{7, 4, 32, 32}, 3}, Sizes{{3, 2, 34, 34}, 3}, Sizes{{3, 5, 32, 32}, 1}}) {
    const Shape& xs = c.x;
    INFO("input ", shape_str(xs), ", kernel ", c.k);
    const std::int64_t B = xs[0];
    Tensor x = randn64(xs, 31), w = randn64({3, xs[1], c.k, c.k}, 32), b = randn64({3}, 33);
    Tensor y = conv2d(x, w, b);
    check_close(y.to_vector<double>(), conv2d_direct(x, w, b, {}), 1e-12);
    Tensor gy = randn64(y.shape(), 34, false);
    auto g = grad(y, {x, w, b}, gy);
    Tensor gw_sum = zeros_like(w), gb_sum = zeros_like(b);
    for (std::int64_t i = 0; i < B; ++i) {
      Tensor xi = narrow(x, 0, i, 1).detach().requires_grad_();
      Tensor yi = conv2d(xi, w, b);
      check_close(yi.to_vector<double>(), narrow(y, 0, i, 1).to_vector<double>(), 1e-12);
      auto gi = grad(yi, {xi, w, b}, narrow(gy, 0, i, 1));
      check_close(gi[0].to_vector<double>(), narrow(g[0], 0, i, 1).to_vector<double>(), 1e-12);
      gw_sum = add(gw_sum, gi[1]);
      gb_sum = add(gb_sum, gi[2]);
    }
    check_close(g[1].to_vector<double>(), gw_sum.to_vector<double>(), 1e-10);
    check_close(g[2].to_vector<double>(), gb_sum.to_vector<double>(), 1e-10);
  }
}

TEST_CASE("conv2d float32 gradients agree with float64 and repeat bit for bit") {
  const Case& c = kCases[3];  // groups 2, padding 1
  Tensor x = randn64(c.x, 41), w = randn64(c.w, 42), b = randn64({c.w[0]}, 43);
  Tensor gy = randn64(conv2d(x, w, b, c.p).shape(), 44, false);
  auto g64 = grad(conv2d(x, w, b, c.p), {x, w, b}, gy);
  Tensor x32 = x.detach().to(DType::F32).requires_grad_(), w32 = w.detach().to(DType::F32).requires_grad_();
  Tensor b32 = b.detach().to(DType::F32).requires_grad_();
  auto g32 = grad(conv2d(x32, w32, b32, c.p), {x32, w32, b32}, gy.to(DType::F32));
  auto g32_again = grad(conv2d(x32, w32, b32, c.p), {x32, w32, b32}, gy.to(DType::F32));
  for (std::size_t i = 0; i < 3; ++i) {
    check_close(g32[i].to(DType::F64).to_vector<double>(), g64[i].to_vector<double>(), 1e-5);
    CHECK(g32[i].to_vector<float>() == g32_again[i].to_vector<float>());
  }
}

TEST_CASE("conv2d shape errors name the shapes") {
  Tensor x = zeros({2, 4, 8, 8}), w = zeros({6, 4, 3, 3});
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({6, 1, 3, 3}), Tensor(), {.groups = 3}),
                       doctest::Contains("input channels 4 (input (2, 4, 8, 8)) are not divisible by groups = 3"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({5, 2, 3, 3}), Tensor(), {.groups = 2}),
                       doctest::Contains("output channels 5 (weight (5, 2, 3, 3)) are not divisible by groups = 2"),
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({6, 3, 3, 3})),
                       doctest::Contains("weight (6, 3, 3, 3) expects 3 input channels with groups = 1, but the "
                                         "input (2, 4, 8, 8) has 4"),
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({6, 4, 9, 3})),
                       doctest::Contains("kernel (9, 3) (weight (6, 4, 9, 3), dilation (1, 1)) is larger than the "
                                         "padded input (8, 8)"),
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, w, Tensor(), {.dilation = {4, 1}}),
                       doctest::Contains("kernel (9, 3)"), Error);
  CHECK_NOTHROW(conv2d(x, zeros({6, 4, 9, 3}), Tensor(), {.padding = {1, 0}}));
  CHECK_THROWS_WITH_AS(conv2d(zeros({4, 8, 8}), w), doctest::Contains("input must be (B, Cin, H, W), got shape (4, 8, 8)"),
                       Error);
  CHECK_THROWS_WITH_AS(conv2d(x, w, zeros({5})), doctest::Contains("bias of shape (5,) does not match"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, w, Tensor(), {.stride = {0, 1}}), doctest::Contains("stride must be positive"), Error);
  CHECK_THROWS_WITH_AS(conv2d(x, zeros({6, 4, 3, 3}, {.dtype = DType::F64})), doctest::Contains("float64"), Error);
}
