// tests/cuda/test_conv.cpp — conv2d, unfold and fold on CUDA (core/cuda/conv.cu) against the
// CPU, forward and backward: stride 2, padding, dilation, non-square kernels and inputs, groups,
// 1x1 on small and large planes (the large one reads x as its own columns), the ViT patch
// embedding (kernel = stride = 4), small-plane and large-plane (batched GEMM) paths, batches
// spanning several im2col chunks, bias on and off, only x or only the weight requiring grad;
// float32 with TF32 off and on, float64; run-to-run determinism.
//
// Tolerances, relative to the largest |expected| element (a dot product's error scales with
// its terms, not its result):
//  - kF32 = 2e-5: full float32 on both sides (OpenBLAS vs cuBLAS), different summation orders
//    over up to Cin·kh·kw = 576 terms forward and B·Ho·Wo ≈ 10⁴ terms in the weight gradient;
//  - kF32Long = 1e-4: the multi-chunk cases, whose weight gradients sum 4.4·10⁴ float32 terms
//    (the CPU accumulates them chunk by chunk with different chunk boundaries than the GPU);
//  - kTf32 = 5e-3: TF32 rounds GEMM inputs to a 10-bit mantissa (2^-11 ≈ 5e-4 per product), as
//    in tests/cuda/test_gemm.cpp;
//  - kF64 = 1e-12;
//  - unfold and fold are exact: im2col copies, and col2im adds each pixel's taps in the CPU's
//    order.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"
#include "support/tf32_scope.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kExact{};
constexpr Tolerance kF32{.max_rel = 2e-5};
constexpr Tolerance kF32Long{.max_rel = 1e-4};
constexpr Tolerance kTf32{.max_rel = 5e-3};
constexpr Tolerance kF64{.max_rel = 1e-12};

struct ConvCase {
  Shape x, w;
  Conv2dParams p;
  const char* name;
};

// Ho·Wo < 256 takes the small-plane path (one GEMM over the chunk + scatter); ≥ 256 the
// batched-GEMM path (core/cuda/conv.cu).
const std::vector<ConvCase> kCases = {
    {{2, 3, 9, 9}, {4, 3, 3, 3}, {.padding = {1, 1}}, "3x3, padding 1, small plane"},
    {{2, 3, 11, 8}, {5, 3, 3, 2}, {.stride = {2, 1}, .padding = {1, 0}}, "non-square kernel and input, stride (2, 1)"},
    {{3, 2, 13, 12}, {4, 2, 3, 3}, {.stride = {2, 2}, .padding = {1, 1}}, "stride 2, padding 1"},
    {{2, 2, 10, 10}, {3, 2, 3, 3}, {.padding = {2, 2}, .dilation = {2, 2}}, "dilation 2, padding 2"},
    {{2, 4, 8, 8}, {6, 2, 3, 3}, {.padding = {1, 1}, .groups = 2}, "groups 2"},
    {{3, 8, 7, 7}, {5, 8, 1, 1}, {}, "1x1, small plane"},
    {{4, 3, 32, 32}, {16, 3, 4, 4}, {.stride = {4, 4}}, "patch embedding, kernel = stride = 4"},
    {{2, 3, 18, 18}, {4, 3, 3, 3}, {.padding = {1, 1}}, "3x3, large plane (batched GEMM)"},
    {{2, 4, 20, 16}, {4, 2, 3, 3}, {.padding = {1, 1}, .groups = 2}, "groups 2, large plane"},
    {{2, 3, 37, 33}, {4, 3, 3, 5}, {.stride = {2, 2}, .padding = {1, 2}}, "stride 2, large non-square plane"},
    {{2, 8, 20, 20}, {5, 8, 1, 1}, {}, "1x1, large plane (x is its own column matrix)"},
    {{2, 6, 20, 20}, {4, 3, 1, 1}, {.groups = 2}, "1x1 groups 2, large plane"},
};

// Forward and backward of every case, with and without a bias, and with only x or only the
// weight requiring grad.
void check_cases(DType dtype, Tolerance tol, const char* mode) {
  std::uint64_t seed = 1;
  for (const ConvCase& c : kCases) {
    const Conv2dParams p = c.p;
    Tensor x = randn_t(c.x, ++seed, dtype), w = randn_t(c.w, ++seed, dtype), b = randn_t({c.w[0]}, ++seed, dtype);
    check_parity([p](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], p); }, {x, w, b}, tol, tol,
                 str_cat(mode, " conv2d with bias: ", c.name));
    check_parity([p](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], Tensor(), p); }, {x, w}, tol, tol,
                 str_cat(mode, " conv2d without bias: ", c.name));
    Tensor x_const = x.detach(), w_const = w.detach();
    check_parity([p](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], p); }, {x, w_const, b}, tol,
                 tol, str_cat(mode, " conv2d, weight constant: ", c.name));
    check_parity([p](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], Tensor(), p); }, {x_const, w}, tol,
                 tol, str_cat(mode, " conv2d, x constant: ", c.name));
  }
}

// Batches that span several im2col chunks (chunks hold 2^22 column elements), the last one
// partial: 5x5 on 24x24 (batched path, 36 images per chunk: 36 + 36 + 4) and 3x3 on 15x15
// with 64 channels (small-plane path, 32 images per chunk: 32 + 2).
const std::vector<ConvCase> kChunked = {
    {{76, 8, 24, 24}, {3, 8, 5, 5}, {.padding = {2, 2}}, "76 images in chunks of 36, large plane"},
    {{34, 64, 15, 15}, {2, 64, 3, 3}, {.padding = {1, 1}}, "34 images in chunks of 32, small plane"},
};

void check_chunked(Tolerance tol, const char* mode) {
  std::uint64_t seed = 500;
  for (const ConvCase& c : kChunked) {
    const Conv2dParams p = c.p;
    Tensor x = randn_t(c.x, ++seed, DType::F32), w = randn_t(c.w, ++seed, DType::F32);
    Tensor b = randn_t({c.w[0]}, ++seed, DType::F32);
    check_parity([p](const std::vector<Tensor>& in) { return conv2d(in[0], in[1], in[2], p); }, {x, w, b}, tol, tol,
                 str_cat(mode, " conv2d: ", c.name));
  }
}

}  // namespace

TEST_CASE("conv2d in full float32 (TF32 off) matches the CPU, forward and backward") {
  REQUIRE_CUDA();
  Tf32Scope scope(false);
  check_cases(DType::F32, kF32, "fp32");
}

TEST_CASE("conv2d with TF32 on matches the CPU within TF32 precision") {
  REQUIRE_CUDA();
  Tf32Scope scope(true);
  check_cases(DType::F32, kTf32, "tf32");
}

TEST_CASE("conv2d in float64 matches the CPU") {
  REQUIRE_CUDA();
  check_cases(DType::F64, kF64, "fp64");
}

TEST_CASE("conv2d over batches spanning several im2col chunks matches the CPU, TF32 off and on") {
  REQUIRE_CUDA();
  {
    Tf32Scope scope(false);
    check_chunked(kF32Long, "fp32");
  }
  Tf32Scope scope(true);
  check_chunked(kTf32, "tf32");
}

TEST_CASE("conv2d forward and gradients repeat bit for bit on CUDA") {
  REQUIRE_CUDA();
  Tf32Scope scope(false);
  const ConvCase& c = kChunked[0];
  Tensor x = to_cuda(randn_t(c.x, 600, DType::F32)), w = to_cuda(randn_t(c.w, 601, DType::F32));
  Tensor b = to_cuda(randn_t({c.w[0]}, 602, DType::F32));
  Tensor y1 = conv2d(x, w, b, c.p), y2 = conv2d(x, w, b, c.p);
  CHECK_CLOSE(y2, y1, kExact);
  Tensor gy = to_cuda(randn_t(y1.shape(), 603, DType::F32, false));
  auto g1 = grad(y1, {x, w, b}, gy), g2 = grad(y2, {x, w, b}, gy);
  for (std::size_t i = 0; i < g1.size(); ++i) {
    INFO("gradient ", i);
    CHECK_CLOSE(g2[i], g1[i], kExact);
  }
}

TEST_CASE("unfold and fold match the CPU exactly, forward and backward") {
  REQUIRE_CUDA();
  struct FoldCase {
    Shape x;
    std::array<std::int64_t, 2> kernel, stride, padding, dilation;
    const char* name;
  };
  const std::vector<FoldCase> cases = {
      {{2, 3, 8, 8}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, "3x3, padding 1 (overlapping windows)"},
      {{2, 2, 9, 7}, {3, 2}, {2, 1}, {1, 0}, {1, 1}, "non-square, stride (2, 1)"},
      {{1, 2, 11, 11}, {3, 3}, {2, 2}, {2, 2}, {2, 2}, "dilation 2, stride 2, padding 2"},
      {{3, 3, 16, 16}, {4, 4}, {4, 4}, {0, 0}, {1, 1}, "non-overlapping 4x4 patches"},
      {{2, 4, 20, 20}, {7, 7}, {3, 3}, {3, 3}, {1, 1}, "T2T-like 7x7 stride 3"},
  };
  std::uint64_t seed = 700;
  for (DType dtype : {DType::F32, DType::F64}) {
    for (const FoldCase& c : cases) {
      Tensor x = randn_t(c.x, ++seed, dtype);
      check_parity([&c](const std::vector<Tensor>& in) { return unfold(in[0], c.kernel, c.stride, c.padding, c.dilation); },
                   {x}, kExact, kExact, str_cat("unfold ", dtype_name(dtype), ": ", c.name));
      const Shape cols_shape = unfold(x.detach(), c.kernel, c.stride, c.padding, c.dilation).shape();
      Tensor cols = randn_t(cols_shape, ++seed, dtype);
      const std::array<std::int64_t, 2> size{c.x[2], c.x[3]};
      check_parity(
          [&c, size](const std::vector<Tensor>& in) { return fold(in[0], size, c.kernel, c.stride, c.padding, c.dilation); },
          {cols}, kExact, kExact, str_cat("fold ", dtype_name(dtype), ": ", c.name));
    }
  }
}
