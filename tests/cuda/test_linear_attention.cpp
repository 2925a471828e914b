// tests/cuda/test_linear_attention.cpp — the fused CUDA linear-attention core
// (core/cuda/linear_attention.cu) against the fused CPU kernel, forward and the gradients of
// q, k, v, for every variant (coefficient tables or none, positive features or none, normalized
// or den ≡ 1), self and cross (L ≠ S), several head counts; the CUDA fused op against the CUDA
// composite of ops; bitwise determinism run after run; gradients of only some inputs; the memory
// claim on the GPU allocator (nothing N × N).
//
// Tolerances, relative to the largest |expected| element (parity.h's max_rel):
//  - kF64 = 1e-12: float64 on both sides, different summation orders;
//  - kF32 = 2e-5 forward, 1e-4 backward: full float32 GEMMs (TF32 off); the backward chains two
//    GEMMs and the ḡden dot product, so its rounding grows by a few ulps more;
//  - kTf32 = 1e-2: TF32 rounds every GEMM input to a 10-bit mantissa (≈ 5e-4 relative per
//    product) and num, den and the backward's products each carry that error.
#include <doctest/doctest.h>

#include "core/allocator.h"
#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"
#include "support/tf32_scope.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kF64{.max_rel = 1e-12};
constexpr Tolerance kF32Fwd{.max_rel = 2e-5};
constexpr Tolerance kF32Bwd{.max_rel = 1e-4};
constexpr Tolerance kTf32{.max_rel = 1e-2};

struct Variant {
  const char* name;
  bool coef, positive, normalize;
};

const Variant kVariants[] = {
    {"cos2d-like: tables, positive features, normalized", true, true, true},
    {"efficient-like: plain features, den = 1", false, false, false},
    {"tables, plain features, den = 1", true, false, false},
    {"positive features, no tables, normalized", false, true, true},
    {"plain features, no tables, normalized", false, false, true},
};

struct Size {
  std::int64_t B, L, S, heads, dk, dv, T;
};
const Size kSizes[] = {{2, 5, 5, 2, 3, 2, 4}, {2, 4, 7, 3, 2, 3, 2}, {1, 1, 9, 1, 4, 5, 1}, {3, 70, 49, 4, 16, 16, 4}};

LinearAttentionOptions options_of(const Variant& v, std::int64_t heads) {
  return {.heads = heads, .normalize = v.normalize, .positive_features = v.positive, .feature_scale = 0.7,
          .feature_eps = 1e-3};
}

// CPU inputs of a variant in `dtype` (q, k, v require grad; the tables do not). Plain features
// get positive inputs and tables, so that den stays away from 0 (as in tests/core).
std::vector<Tensor> make_inputs(const Variant& var, const Size& sz, DType dtype, std::uint64_t seed) {
  Generator gen(seed);
  const Options o{.dtype = dtype};
  auto qk = [&](std::int64_t n) {
    return var.positive ? randn({sz.B, n, sz.heads * sz.dk}, o, &gen) : uniform({sz.B, n, sz.heads * sz.dk}, 0.1, 1.0, o, &gen);
  };
  Tensor q = qk(sz.L).requires_grad_(), k = qk(sz.S).requires_grad_();
  Tensor v = randn({sz.B, sz.S, sz.heads * sz.dv}, o, &gen).requires_grad_();
  Tensor cq, ck;
  if (var.coef) cq = uniform({sz.L, sz.T}, 0.2, 1.0, o, &gen), ck = uniform({sz.S, sz.T}, 0.2, 1.0, o, &gen);
  return {q, k, v, cq, ck};
}

void check_all(DType dtype, Tolerance fwd, Tolerance bwd, const char* mode) {
  std::uint64_t seed = 500;
  for (const auto& var : kVariants) {
    for (const auto& sz : kSizes) {
      LinearAttentionOptions o = options_of(var, sz.heads);
      check_parity([o](const std::vector<Tensor>& in) { return linear_attention(in[0], in[1], in[2], in[3], in[4], o); },
                   make_inputs(var, sz, dtype, seed += 10), fwd, bwd,
                   str_cat(mode, " ", var.name, " B=", sz.B, " L=", sz.L, " S=", sz.S, " heads=", sz.heads,
                           " dk=", sz.dk, " dv=", sz.dv, " T=", sz.T));
    }
  }
}

}  // namespace

TEST_CASE("linear_attention CUDA: float64 matches the CPU kernel, every variant, forward and backward") {
  REQUIRE_CUDA();
  check_all(DType::F64, kF64, kF64, "f64");
}

TEST_CASE("linear_attention CUDA: float32 with TF32 off matches the CPU kernel") {
  REQUIRE_CUDA();
  Tf32Scope scope(false);
  check_all(DType::F32, kF32Fwd, kF32Bwd, "fp32");
}

TEST_CASE("linear_attention CUDA: float32 with TF32 on matches the CPU kernel within TF32 precision") {
  REQUIRE_CUDA();
  Tf32Scope scope(true);
  check_all(DType::F32, kTf32, kTf32, "tf32");
}

TEST_CASE("linear_attention CUDA: the fused kernel equals the composite of ops on the GPU") {
  REQUIRE_CUDA();
  std::uint64_t seed = 900;
  for (const auto& var : kVariants) {
    const Size sz{2, 6, 11, 2, 4, 3, 4};
    std::vector<Tensor> in = make_inputs(var, sz, DType::F64, seed += 10);
    for (Tensor& t : in)
      if (t.defined()) t = to_cuda(t);
    LinearAttentionOptions o = options_of(var, sz.heads);
    INFO(var.name);
    Tensor y = linear_attention(in[0], in[1], in[2], in[3], in[4], o);
    Tensor y_ref = linear_attention_composite(in[0], in[1], in[2], in[3], in[4], o);
    CHECK_CLOSE(y, y_ref, kF64);
    Tensor dy = to_cuda(randn64(y.shape(), seed + 5, false));
    auto g = grad(y, {in[0], in[1], in[2]}, dy);
    auto g_ref = grad(y_ref, {in[0], in[1], in[2]}, dy);
    for (int i = 0; i < 3; ++i) {
      INFO("gradient of input ", i, " (q, k, v)");
      CHECK(g[i].is_cuda());
      CHECK_CLOSE(g[i], g_ref[i], kF64);
    }
  }
}

TEST_CASE("linear_attention CUDA: the same bits run after run, and partial gradients match the full backward") {
  REQUIRE_CUDA();
  const Size sz{2, 33, 40, 2, 8, 8, 4};
  std::vector<Tensor> cpu = make_inputs(kVariants[0], sz, DType::F32, 77);
  std::vector<Tensor> in;
  for (const Tensor& t : cpu) in.push_back(t.defined() ? to_cuda(t) : Tensor());
  LinearAttentionOptions o = options_of(kVariants[0], sz.heads);
  Generator dy_gen(78);
  Tensor dy = to_cuda(randn({sz.B, sz.L, sz.heads * sz.dv}, {}, &dy_gen));
  auto run = [&] {
    Tensor y = linear_attention(in[0], in[1], in[2], in[3], in[4], o);
    std::vector<Tensor> out = grad(y, {in[0], in[1], in[2]}, dy);
    out.insert(out.begin(), y.detach());
    return out;
  };
  std::vector<Tensor> first = run(), second = run();
  for (std::size_t i = 0; i < first.size(); ++i) {
    INFO("output 0 is y, then the gradients of q, k, v; index ", i);
    CHECK_CLOSE(second[i], first[i], Tolerance{});  // bitwise (zero tolerance)
  }
  Tensor q_only = in[0], k_free = in[1].detach(), v_free = in[2].detach();
  CHECK_CLOSE(grad(linear_attention(q_only, k_free, v_free, in[3], in[4], o), {q_only}, dy)[0], first[1], Tolerance{});
  Tensor v_only = in[2];
  CHECK_CLOSE(grad(linear_attention(in[0].detach(), k_free, v_only, in[3], in[4], o), {v_only}, dy)[0], first[3],
              Tolerance{});
}

TEST_CASE("linear_attention CUDA saves nothing N x N: peak GPU memory of forward + backward at N = 4096") {
  REQUIRE_CUDA();
  // As in tests/core: one N×N float32 matrix is 64 MiB; the CUDA kernels' whole-tensor feature
  // workspaces (N × h·F = 4096 × 32 floats, 512 KiB each) keep everything a few MiB.
  const std::int64_t N = 4096, C = 8;
  Generator gen(7);
  const Device gpu = Device::cuda();
  Tensor q = to_cuda(randn({1, N, C}, {}, &gen).requires_grad_()), k = to_cuda(randn({1, N, C}, {}, &gen).requires_grad_());
  Tensor v = to_cuda(randn({1, N, C}, {}, &gen).requires_grad_());
  Tensor coef = to_cuda(uniform({N, 4}, 0.0, 1.0, {}, &gen)), dy = to_cuda(randn({1, N, C}, {}, &gen));
  const std::size_t before = memory_stats(gpu).allocated_bytes;
  reset_peak_memory(gpu);
  {
    Tensor y = linear_attention(q, k, v, coef, coef,
                                {.heads = 2, .positive_features = true, .feature_scale = 0.5, .feature_eps = 1e-5});
    y.backward(dy);
  }
  const std::size_t peak = memory_stats(gpu).peak_allocated_bytes - before;
  const std::size_t n_by_n = static_cast<std::size_t>(N * N) * sizeof(float);
  INFO("peak extra bytes ", peak, " vs one N x N matrix ", n_by_n);
  CHECK(peak < n_by_n / 8);
  CHECK(q.grad().defined());
  CHECK(k.grad().defined());
  CHECK(v.grad().defined());
}
