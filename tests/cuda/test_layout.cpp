// tests/cuda/test_layout.cpp — CUDA layout kernels (core/cuda/layout.cu) against the CPU:
// permute on every path (plain copy, tiled transpose, general index mapping) and every dtype,
// narrow/slice/cat/split/chunk (copy_axis_block, with accumulate), expand; forward and backward.
// Layout kernels move elements without arithmetic: results must match bit for bit (kExact).
// Backward passes that sum (expand's sum_to) use kGrad.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"
#if LINATTN_HAS_CUDA
#include "core/kernels/layout.h"
#endif

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kExact{};
constexpr Tolerance kGrad{.rtol = 1e-5, .atol = 1e-6};

TensorFn permute_fn(std::vector<int> perm) {
  return [perm](const std::vector<Tensor>& in) { return permute(in[0], perm); };
}

}  // namespace

TEST_CASE("permute matches the CPU for all 24 permutations of a 4-D tensor, forward and backward") {
  REQUIRE_CUDA();
  Tensor x = randn_t({2, 3, 4, 5}, 1);
  std::vector<int> perm = {0, 1, 2, 3};
  do {
    check_parity(permute_fn(perm), {x}, kExact, kExact,
                 str_cat("permute (", perm[0], ", ", perm[1], ", ", perm[2], ", ", perm[3], ")"));
  } while (std::next_permutation(perm.begin(), perm.end()));
}

TEST_CASE("permute paths: size-1 axes, tiled transposes, large tensors, every dtype") {
  REQUIRE_CUDA();
  struct Case {
    Shape shape;
    std::vector<int> perm;
    const char* path;
  };
  const std::vector<Case> cases = {
      {{1, 3, 1, 4}, {2, 1, 0, 3}, "size-1 axes only move: a plain copy"},
      {{1, 3, 1, 4}, {3, 2, 1, 0}, "size-1 axes dropped, then a 2-D transpose"},
      {{33, 65}, {1, 0}, "2-D transpose, partial tiles"},
      {{3, 45, 70}, {0, 2, 1}, "batched transpose"},
      {{2, 3, 5, 7}, {0, 2, 3, 1}, "NCHW -> NHWC (merges into a batched transpose)"},
      {{2, 5, 7, 3}, {0, 3, 1, 2}, "NHWC -> NCHW"},
      {{2, 5, 3, 4}, {0, 2, 1, 3}, "attention heads (B, N, H, d) -> (B, H, N, d): general path"},
      {{4, 3, 2, 5, 6}, {4, 2, 0, 3, 1}, "5-D general path"},
      {{16, 257, 129}, {0, 2, 1}, "many tiles"},
      {{3000, 70}, {1, 0}, "tall transpose"},
  };
  std::uint64_t seed = 10;
  for (const auto& c : cases) {
    Tensor x = randn_t(c.shape, ++seed);
    check_parity(permute_fn(c.perm), {x}, kExact, kExact, str_cat("float32 ", c.path, " ", shape_str(c.shape)));
    Tensor x64 = randn64(c.shape, ++seed);
    check_parity(permute_fn(c.perm), {x64}, kExact, kExact, str_cat("float64 ", c.path));
    Tensor xi = arange(0.0, static_cast<double>(numel(c.shape)), 1.0, {.dtype = DType::I64});
    check_parity(permute_fn(c.perm), {reshape(xi, c.shape)}, kExact, kExact, str_cat("int64 ", c.path));
  }
  Tensor empty = zeros({0, 3, 4});
  check_parity(permute_fn({2, 0, 1}), {empty}, kExact, kExact, "empty tensor");
  Tensor t = randn_t({2, 6, 9}, 99);
  check_parity([](const std::vector<Tensor>& in) { return transpose(in[0], -1, -2); }, {t}, kExact, kExact,
               "transpose(-1, -2)");
}

TEST_CASE("narrow, slice, cat, split and chunk match the CPU, forward and backward") {
  REQUIRE_CUDA();
  Tensor x = randn_t({4, 9, 6}, 20);
  for (int axis : {0, 1, 2}) {
    check_parity([&](const std::vector<Tensor>& in) { return narrow(in[0], axis, 1, 2); }, {x}, kExact, kExact,
                 str_cat("narrow along axis ", axis));
    check_parity([&](const std::vector<Tensor>& in) { return slice(in[0], axis, -3, 100); }, {x}, kExact, kExact,
                 str_cat("slice along axis ", axis));
    check_parity(
        [&](const std::vector<Tensor>& in) {
          auto parts = chunk(in[0], 2, axis);
          return cat({parts[1], mul(parts[0], 2.0)}, axis);  // reordered: the backward must route
        },
        {x}, kExact, kExact, str_cat("chunk + cat along axis ", axis));
  }
  Tensor a = randn_t({3, 2, 5}, 21), b = randn_t({3, 4, 5}, 22), c = randn_t({3, 1, 5}, 23);
  check_parity([](const std::vector<Tensor>& in) { return cat(in, 1); }, {a, b, c}, kExact, kExact,
               "cat of three along the middle axis");
  Tensor i = reshape(arange(24), {2, 3, 4});
  check_parity([](const std::vector<Tensor>& in) { return cat({in[0], in[0]}, 2); }, {i}, kExact, kExact, "int64 cat");
}

TEST_CASE("copy_axis_block accumulates like the CPU") {
  REQUIRE_CUDA();
#if LINATTN_HAS_CUDA
  for (DType dtype : {DType::F32, DType::F64}) {
    Generator gen(30);
    Tensor src = randn({3, 4, 5}, {.dtype = dtype}, &gen), dst = randn({3, 7, 5}, {.dtype = dtype}, &gen);
    Tensor src_gpu = to_cuda(src), dst_gpu = to_cuda(dst);
    cpu::copy_axis_block(src, 4, 1, dst, 7, 2, 3, 5, 3, true);  // dst[:, 2:5] += src[:, 1:4]
    cuda::copy_axis_block(src_gpu, 4, 1, dst_gpu, 7, 2, 3, 5, 3, true);
    INFO(dtype_name(dtype));
    CHECK_CLOSE(dst_gpu, dst, kExact);
  }
#endif
}

TEST_CASE("expand matches the CPU, forward and backward (sum back to the input shape)") {
  REQUIRE_CUDA();
  struct Case {
    Shape from, to;
  };
  std::uint64_t seed = 40;
  for (const auto& c : {Case{{3, 1, 5}, {2, 3, 4, 5}}, Case{{}, {4, 4}}, Case{{6}, {5, 6}}, Case{{5, 1}, {5, 6}},
                        Case{{1, 1}, {3, 2}}, Case{{2, 1, 3, 1}, {2, 4, 3, 5}}}) {
    Tensor x = randn_t(c.from, ++seed);
    check_parity([&](const std::vector<Tensor>& in) { return expand(in[0], c.to); }, {x}, kExact, kGrad,
                 str_cat("expand ", shape_str(c.from), " to ", shape_str(c.to)));
  }
  Tensor i = reshape(arange(3), {3, 1});
  check_parity([](const std::vector<Tensor>& in) { return expand(in[0], {3, 4}); }, {i}, kExact, kExact,
               "int64 expand");
}
