// tests/cuda/test_gemm.cpp — the cuBLAS gemm (core/cuda/gemm.cu) against OpenBLAS on the CPU:
// every transpose combination, batched and broadcast operands, matmul, linear with and without
// bias, k = 0, float32 with TF32 off and on, float64; forward and backward.
//
// Tolerances, relative to the largest |expected| element of the result (the error of a dot
// product scales with the magnitude of its terms, not of its result):
//  - kF32 = 1e-5: full float32 on both sides, different summation orders;
//  - kTf32 = 5e-3: TF32 rounds inputs to a 10-bit mantissa (2^-11 ≈ 5e-4 per product);
//  - kF64 = 1e-12.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"
#include "support/tf32_scope.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kF32{.max_rel = 1e-5};
constexpr Tolerance kTf32{.max_rel = 5e-3};
constexpr Tolerance kF64{.max_rel = 1e-12};

// Stored shape of an operand: (rows, cols) of op(X) = (r, c), transposed when stored so.
Shape stored(Shape batch, std::int64_t r, std::int64_t c, bool transposed) {
  batch.push_back(transposed ? c : r);
  batch.push_back(transposed ? r : c);
  return batch;
}

void check_bmm_family(Tolerance tol, const char* mode) {
  const std::int64_t m = 33, k = 17, n = 65;
  std::uint64_t seed = 1;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      struct Batching {
        Shape a, b;
        const char* name;
      };
      for (const auto& bt : {Batching{{3}, {3}, "batched"}, Batching{{}, {2, 3}, "a shared"},
                             Batching{{2, 3}, {}, "b shared"}, Batching{{}, {}, "single"}}) {
        Tensor a = randn_t(stored(bt.a, m, k, ta), ++seed), b = randn_t(stored(bt.b, k, n, tb), ++seed);
        check_parity([&](const std::vector<Tensor>& in) { return bmm(in[0], in[1], ta, tb); }, {a, b}, tol, tol,
                     str_cat(mode, " bmm ", bt.name, ta ? " Aᵀ" : " A", tb ? " Bᵀ" : " B"));
      }
    }
  }
  Tensor x = randn_t({4, 10, 48}, ++seed), w = randn_t({24, 48}, ++seed), bias = randn_t({24}, ++seed);
  check_parity([](const std::vector<Tensor>& in) { return linear(in[0], in[1], in[2]); }, {x, w, bias}, tol, tol,
               str_cat(mode, " linear with bias"));
  check_parity([](const std::vector<Tensor>& in) { return linear(in[0], in[1]); }, {x, w}, tol, tol,
               str_cat(mode, " linear without bias"));
  Tensor p = randn_t({2, 5, 96, 64}, ++seed), q = randn_t({2, 5, 64, 80}, ++seed);
  check_parity([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {p, q}, tol, tol,
               str_cat(mode, " matmul, 4-D"));
}

}  // namespace

TEST_CASE("gemm in full float32 (TF32 off) matches OpenBLAS, forward and backward") {
  REQUIRE_CUDA();
  Tf32Scope scope(false);
  check_bmm_family(kF32, "fp32");
}

TEST_CASE("gemm with TF32 on matches OpenBLAS within TF32 precision") {
  REQUIRE_CUDA();
  Tf32Scope scope(true);
  check_bmm_family(kTf32, "tf32");
  // TF32 must really be used at a tensor-core size: the result differs from full float32.
  Tensor a = to_cuda(randn_t({256, 256}, 50, DType::F32, false)), b = to_cuda(randn_t({256, 256}, 51, DType::F32, false));
  Tensor tf32 = matmul(a, b);
  set_allow_tf32(false);
  Tensor fp32 = matmul(a, b);
  CHECK_CLOSE(tf32, fp32, kTf32);
  WARN_MESSAGE(compare(tf32, fp32, {}).max_abs_error > 0, "TF32 on gave the same bits as full float32");
}

TEST_CASE("gemm in float64 matches OpenBLAS") {
  REQUIRE_CUDA();
  Tensor a = randn64({3, 20, 30}, 60), b = randn64({30, 25}, 61);
  check_parity([](const std::vector<Tensor>& in) { return matmul(in[0], in[1]); }, {a, b}, kF64, kF64,
               "float64 matmul, b shared");
  check_parity([](const std::vector<Tensor>& in) { return bmm(in[0], in[1], true, true); },
               {randn64({2, 30, 20}, 62), randn64({2, 25, 30}, 63)}, kF64, kF64, "float64 bmm Aᵀ Bᵀ");
}

TEST_CASE("gemm with an empty inner dimension gives zeros, and empty outputs work") {
  REQUIRE_CUDA();
  Tensor a = zeros({2, 3, 0}), b = zeros({2, 0, 4});
  Tensor c = bmm(to_cuda(a), to_cuda(b));
  CHECK(c.is_cuda());
  CHECK_CLOSE(c, zeros({2, 3, 4}), kF32);
  // linear with k = 0: the output is the bias (beta = 1 keeps it).
  Tensor x = zeros({5, 0}), w = zeros({3, 0}), bias = from_values({1, 2, 3}, {3});
  CHECK_CLOSE(linear(to_cuda(x), to_cuda(w), to_cuda(bias)), linear(x, w, bias), kF32);
  CHECK(bmm(to_cuda(zeros({2, 0, 5})), to_cuda(zeros({2, 5, 4}))).shape() == Shape{2, 0, 4});
}
