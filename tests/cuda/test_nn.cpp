// tests/cuda/test_nn.cpp — CUDA nn kernels (core/cuda/nn_softmax.cu, nn_layer_norm.cu,
// nn_dropout.cu) against the CPU: softmax / log_softmax, cross-entropy (reductions,
// ignore_index, label smoothing), layer norm (with and without weight and bias) and dropout,
// forward and backward through the ops, on shapes that hit every launch path of
// core/cuda/axis_team.cuh (warp per row ≤ 1024, block per row > 1024, column tiles narrow and
// wide, empty), in float32 and float64, plus run-to-run determinism.
//
// Tolerances (float32). The two backends compute the same formulas but sum in different orders
// (CPU: float lanes within a row; GPU: double per thread, then a tree) and take exp from
// different libraries (CPU fast_exp ≤ 2 ulp, GPU expf ≤ 2 ulp):
//  - kForward (rtol 1e-5, 2e-6 of the largest |output|): a few ulp per element; the max_rel term
//    covers outputs that are differences of nearly equal terms (log-softmax, per-position
//    cross-entropy lse − x_t, layer norm's x − mean), whose error scales with the operands.
//  - kGrad (rtol 1e-5, atol 1e-6, 1e-5 of the largest |gradient|): backward formulas subtract a
//    row sum (g − Σ g⊙y, ĝ − mean ĝ − x̂·mean(ĝ⊙x̂)) whose float32 rounding on the CPU is ~1e-6
//    relative to the row's scale; layer norm's weight/bias gradients are sums over thousands of
//    rows (CPU: float partials per block of rows).
//  - kF64 (rtol 1e-10, atol 1e-12, 1e-12 of the largest): the same in float64, where only the
//    summation order differs.
//  - kExact: dropout is a select and one IEEE multiply on both sides, from the same Philox bits.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/kernels/nn.h"
#include "core/ops.h"
#include "support/cuda.h"
#include "axis_cases.h"
#include "support/parity.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kExact{};
constexpr Tolerance kForward{.rtol = 1e-5, .max_rel = 2e-6};
constexpr Tolerance kGrad{.rtol = 1e-5, .atol = 1e-6, .max_rel = 1e-5};
constexpr Tolerance kF64{.rtol = 1e-10, .atol = 1e-12, .max_rel = 1e-12};

// int64 targets in [0, K), every `ignore_every`-th position (if > 0) set to ignore_index.
Tensor targets_for(const Shape& shape, std::int64_t K, std::uint64_t seed, std::int64_t ignore_every = 0,
                   std::int64_t ignore_index = -100) {
  Generator gen(seed);
  std::vector<double> v(static_cast<std::size_t>(numel(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool ignored = ignore_every > 0 && i % static_cast<std::size_t>(ignore_every) == 1;
    v[i] = static_cast<double>(ignored ? ignore_index : gen.randint(0, K));
  }
  return from_values(v, shape, {.dtype = DType::I64});
}

}  // namespace

// ---- softmax ------------------------------------------------------------------------------------

TEST_CASE("softmax and log_softmax match the CPU on every launch path, forward and backward") {
  REQUIRE_CUDA();
  std::uint64_t seed = 1;
  for (const auto& c : kAxisCases) {
    Tensor x = randn_t(c.shape, ++seed);
    check_parity([&](const std::vector<Tensor>& in) { return softmax(in[0], c.axis); }, {x}, kForward, kGrad,
                 str_cat("softmax: ", c.path, " ", shape_str(c.shape)));
    check_parity([&](const std::vector<Tensor>& in) { return log_softmax(in[0], c.axis); }, {x}, kForward, kGrad,
                 str_cat("log_softmax: ", c.path, " ", shape_str(c.shape)));
  }
}

TEST_CASE("softmax and log_softmax in float64 match the CPU") {
  REQUIRE_CUDA();
  for (const auto& c : kAxisCases) {
    Tensor x = randn_t(c.shape, 50, DType::F64);
    check_parity([&](const std::vector<Tensor>& in) { return softmax(in[0], c.axis); }, {x}, kF64, kF64,
                 str_cat("softmax f64: ", c.path, " ", shape_str(c.shape)));
    check_parity([&](const std::vector<Tensor>& in) { return log_softmax(in[0], c.axis); }, {x}, kF64, kF64,
                 str_cat("log_softmax f64: ", c.path, " ", shape_str(c.shape)));
  }
}

TEST_CASE("softmax: masked (-inf) entries give exact zeros and large logits do not overflow, like the CPU") {
  REQUIRE_CUDA();
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = from_values({1, -inf, 3, 1000, 1001, -inf, -inf, 0, 0.5}, {3, 3});
  check_parity([](const std::vector<Tensor>& in) { return softmax(in[0], -1); }, {x}, kForward, kForward,
               "softmax with -inf and large logits");
  check_parity([](const std::vector<Tensor>& in) { return log_softmax(in[0], -1); }, {x}, kForward, kForward,
               "log_softmax with -inf and large logits");
}

// ---- cross-entropy ------------------------------------------------------------------------------

TEST_CASE("cross_entropy matches the CPU: launch paths, reductions, ignore_index, label smoothing") {
  REQUIRE_CUDA();
  struct CeCase {
    Shape logits;
    const char* path;
  };
  const std::vector<CeCase> cases = {
      {{33, 10}, "(B, K), warp per row"},
      {{5, 1000}, "(B, K), K = 1000, warp per row"},
      {{4, 5000}, "(B, K), K = 5000, block per row"},
      {{3, 7, 5}, "(B, K, d), narrow column tile"},
      {{2, 20, 6, 7}, "(B, K, d1, d2), 32-wide tiles"},
      {{1, 1200, 3}, "(B, K, d), long columns"},
      {{0, 4}, "no samples"},
  };
  std::uint64_t seed = 100;
  for (const auto& c : cases) {
    Shape tshape = c.logits;
    tshape.erase(tshape.begin() + 1);
    const std::int64_t K = c.logits[1];
    Tensor x = randn_t(c.logits, ++seed);
    for (double smoothing : {0.0, 0.1}) {
      for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
        for (std::int64_t ignore_index : {std::int64_t{-100}, std::int64_t{2}}) {
          // ignore_index 2 is a valid class: positions whose target happens to be 2 are ignored too.
          Tensor t = targets_for(tshape, K, seed * 7, 3, ignore_index);
          const CrossEntropyOptions o{.label_smoothing = smoothing, .ignore_index = ignore_index, .reduction = r};
          check_parity([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1], o); }, {x, t},
                       kForward, kGrad,
                       str_cat("cross_entropy: ", c.path, " ", shape_str(c.logits), " smoothing ", smoothing, " ",
                               reduction_name(r), " ignore_index ", ignore_index));
        }
      }
    }
  }
}

TEST_CASE("cross_entropy: a single sample, all targets ignored, float64") {
  REQUIRE_CUDA();
  Tensor x = randn_t({12}, 150);
  Tensor t0 = from_values({5}, {}, {.dtype = DType::I64});
  check_parity([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1]); }, {x, t0}, kForward, kGrad,
               "cross_entropy of one (K) sample");
  Tensor xb = randn_t({4, 6}, 151);
  Tensor all_ignored = full({4}, -100.0, {.dtype = DType::I64});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    check_parity([&](const std::vector<Tensor>& in) { return cross_entropy(in[0], in[1], {.reduction = r}); },
                 {xb, all_ignored}, kExact, kExact, str_cat("all targets ignored, ", reduction_name(r)));
  Tensor x64 = randn_t({6, 300, 5}, 152, DType::F64);
  Tensor t64 = targets_for({6, 5}, 300, 153, 4);
  for (double smoothing : {0.0, 0.2})
    check_parity([&](const std::vector<Tensor>& in) {
      return cross_entropy(in[0], in[1], {.label_smoothing = smoothing});
    }, {x64, t64}, kF64, kF64, str_cat("cross_entropy f64, smoothing ", smoothing));
}

// ---- layer norm ---------------------------------------------------------------------------------

TEST_CASE("layer_norm matches the CPU on every launch path, with and without weight and bias") {
  REQUIRE_CUDA();
  struct LnCase {
    Shape x;
    Shape normalized;
    const char* path;
  };
  const std::vector<LnCase> cases = {
      {{33, 7}, {7}, "odd C, warp per row"},
      {{3000, 64}, {64}, "many rows: weight/bias sums over several row chunks"},
      {{40000, 8}, {8}, "rows beyond the chunk cap"},
      {{5, 1024}, {1024}, "C = 1024, warp per row"},
      {{4, 4100}, {4100}, "C > 1024, block per row"},
      {{4, 5, 48}, {5, 48}, "normalized over two axes"},
      {{6, 1}, {1}, "C = 1"},
      {{0, 16}, {16}, "no rows (weight/bias gradients are zeros)"},
      {{3, 0}, {0}, "C = 0"},
  };
  std::uint64_t seed = 200;
  for (const auto& c : cases) {
    Tensor x = randn_t(c.x, ++seed);
    Tensor w = randn_t(c.normalized, ++seed), b = randn_t(c.normalized, ++seed);
    const std::string what = str_cat(c.path, " ", shape_str(c.x));
    check_parity([&](const std::vector<Tensor>& in) { return layer_norm(in[0], c.normalized, in[1], in[2]); },
                 {x, w, b}, kForward, kGrad, str_cat("layer_norm with weight and bias: ", what));
    check_parity([&](const std::vector<Tensor>& in) { return layer_norm(in[0], c.normalized, in[1]); }, {x, w},
                 kForward, kGrad, str_cat("layer_norm with weight: ", what));
    check_parity([&](const std::vector<Tensor>& in) { return layer_norm(in[0], c.normalized, Tensor(), in[1]); },
                 {x, b}, kForward, kGrad, str_cat("layer_norm with bias: ", what));
    check_parity([&](const std::vector<Tensor>& in) { return layer_norm(in[0], c.normalized); }, {x}, kForward,
                 kGrad, str_cat("layer_norm, no affine: ", what));
  }
}

TEST_CASE("layer_norm: only the weight needs a gradient, float64, and the saved statistics") {
  REQUIRE_CUDA();
  Tensor x = randn_t({50, 96}, 250, DType::F32, false);
  Tensor w = randn_t({96}, 251);
  check_parity([&](const std::vector<Tensor>& in) { return layer_norm(in[0], {96}, in[1]); }, {x, w}, kForward, kGrad,
               "layer_norm, weight gradient only");
  Tensor x64 = randn_t({700, 1500}, 252, DType::F64);
  Tensor w64 = randn_t({1500}, 253, DType::F64), b64 = randn_t({1500}, 254, DType::F64);
  check_parity([&](const std::vector<Tensor>& in) { return layer_norm(in[0], {1500}, in[1], in[2]); },
               {x64, w64, b64}, kF64, kF64, "layer_norm f64, block per row, several row chunks");
  // mean and rstd as the kernels save them (the op keeps them for backward only).
  Tensor xs = randn_t({9, 2000}, 255, DType::F32, false);
  Tensor y_cpu = empty_like(xs), m_cpu = empty({9}), r_cpu = empty({9});
  Tensor xg = to_cuda(xs), y_gpu = empty_like(xg);
  Tensor m_gpu = empty({9}, {.device = Device::cuda()}), r_gpu = empty({9}, {.device = Device::cuda()});
  LINATTN_DISPATCH(xs.device(), layer_norm_forward, xs, Tensor(), Tensor(), 9, 2000, 1e-5, y_cpu, m_cpu, r_cpu);
  LINATTN_DISPATCH(xg.device(), layer_norm_forward, xg, Tensor(), Tensor(), 9, 2000, 1e-5, y_gpu, m_gpu, r_gpu);
  CHECK_CLOSE(m_gpu, m_cpu, kForward);
  CHECK_CLOSE(r_gpu, r_cpu, kForward);
}

// ---- dropout ------------------------------------------------------------------------------------

TEST_CASE("dropout draws exactly the CPU's mask, forward and backward, float32 and float64") {
  REQUIRE_CUDA();
  const std::vector<Shape> shapes = {{1}, {7, 13}, {1000003}, {0}};
  for (DType dtype : {DType::F32, DType::F64}) {
    for (double p : {1e-9, 0.1, 0.5, 0.999}) {
      for (const auto& shape : shapes) {
        Tensor x = randn_t(shape, 300, dtype);
        check_parity([&](const std::vector<Tensor>& in) {
          Generator gen(42);
          gen.reserve(12345);  // a non-zero offset
          return dropout(in[0], p, true, &gen);
        }, {x}, kExact, kExact, str_cat("dropout p ", p, " ", shape_str(shape), " ", dtype_name(dtype)));
      }
    }
  }
}

TEST_CASE("dropout on the GPU drops exactly where rand() < p, and p = 0 keeps everything") {
  REQUIRE_CUDA();
  const double p = 0.3;
  const std::int64_t n = 100000;
  Generator gen(11);
  Generator twin = gen;
  Tensor y = dropout(ones({n}, {.device = Device::cuda()}), p, true, &gen).cpu();
  Tensor u = rand({n}, {.device = Device::cuda()}, &twin).cpu();
  std::vector<float> yv = y.to_vector<float>(), uv = u.to_vector<float>();
  std::int64_t mismatches = 0;
  for (std::size_t i = 0; i < yv.size(); ++i) {
    const bool keep = !(uv[i] < p);
    mismatches += keep ? yv[i] != static_cast<float>(1.0 / (1.0 - p)) : yv[i] != 0.0f;
  }
  CHECK(mismatches == 0);
  // The kernel itself at p = 0 (the op returns x before reaching it): everything kept, scale 1.
  Tensor x = to_cuda(randn_t({4097}, 301, DType::F32, false));
  Tensor out = empty_like(x);
  LINATTN_DISPATCH(x.device(), dropout, x, 5, 0, 0.0, out);
  CHECK(out.cpu().to_vector<float>() == x.cpu().to_vector<float>());
}

// ---- determinism --------------------------------------------------------------------------------

TEST_CASE("softmax, cross_entropy and layer_norm are bit-identical run to run on the GPU") {
  REQUIRE_CUDA();
  Tensor x = to_cuda(randn_t({64, 3000}, 400));
  Tensor cols = to_cuda(randn_t({4, 2000, 9}, 401));
  Tensor t = to_cuda(targets_for({64}, 3000, 402, 5));
  Tensor w = to_cuda(randn_t({3000}, 403)), b = to_cuda(randn_t({3000}, 404));
  auto run = [&] {
    std::vector<std::vector<float>> r;
    Tensor s = softmax(x, -1), sc = log_softmax(cols, 1);
    auto gs = grad(sum(mul(s, s)), {x});
    r.push_back(s.cpu().to_vector<float>());
    r.push_back(sc.cpu().to_vector<float>());
    r.push_back(gs[0].cpu().to_vector<float>());
    Tensor loss = cross_entropy(x, t, {.label_smoothing = 0.1});
    r.push_back(loss.cpu().to_vector<float>());
    r.push_back(grad(loss, {x})[0].cpu().to_vector<float>());
    Tensor y = layer_norm(x, {3000}, w, b);
    auto g = grad(sum(mul(y, y)), {x, w, b});
    r.push_back(y.cpu().to_vector<float>());
    for (const Tensor& gi : g) r.push_back(gi.cpu().to_vector<float>());
    return r;
  };
  const auto first = run();
  for (int i = 0; i < 3; ++i) CHECK(run() == first);
}
