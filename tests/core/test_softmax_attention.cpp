// tests/core/test_softmax_attention.cpp — the fused multi-head softmax attention
// (core/ops/softmax_attention.h): values worked by hand; fused = composite-of-ops in values and
// in the gradients of q, k, v (≤ 1e-12 relative in float64), for self- and cross-attention and
// for inputs long enough to span several query chunks; the packed (B, N, 3C) entry point equals
// the three-tensor one, gradients included; float64 gradchecks; gradients of only some inputs;
// float32 within 1e-5 of float64 and bit-identical for 1, 2 and 3 threads; the memory claim
// (peak allocator bytes of forward + backward at N = 4096 far below one N×N float32 matrix);
// input errors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/allocator.h"
#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/reference.h"
#include "support/thread_runs.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

TEST_CASE("softmax_attention: values worked by hand") {
  // One head, d = 1, one query q = 1 against keys (0, ln 3) with scale 1: weights ∝ (1, 3) →
  // (1/4, 3/4); values (4, 8) → 0.25·4 + 0.75·8 = 7.
  Tensor q = from_values({1}, {1, 1, 1}, {.dtype = DType::F64});
  Tensor k = from_values({0, std::log(3.0)}, {1, 2, 1}, {.dtype = DType::F64});
  Tensor v = from_values({4, 8}, {1, 2, 1}, {.dtype = DType::F64});
  CHECK_VALUES(softmax_attention(q, k, v, 1, 1.0), 1e-14, {7.0});
  CHECK_VALUES(softmax_attention_composite(q, k, v, 1, 1.0), 1e-14, {7.0});
  // scale 2 squares the odds: (1, 9)/10 → 0.1·4 + 0.9·8 = 7.6.
  CHECK_VALUES(softmax_attention(q, k, v, 1, 2.0), 1e-14, {7.6});
}

TEST_CASE("softmax_attention: fused equals the composite of ops, values and gradients") {
  struct Size {
    std::int64_t B, L, S, heads, dk, dv;
  };
  // Queries go in chunks of 2^18 / S rows: S = 700 gives chunks of 374 rows (900 queries: 374,
  // 374, 152); S = 3 fits any L in one chunk; the rest cover cross-attention with dk ≠ dv.
  const Size sizes[] = {{2, 5, 5, 2, 3, 3}, {2, 4, 7, 3, 2, 4}, {1, 900, 700, 2, 4, 3}, {3, 6, 1, 1, 5, 2},
                        {1, 2000, 3, 2, 2, 2}};
  std::uint64_t seed = 100;
  for (const auto& sz : sizes) {
    INFO("B=", sz.B, " L=", sz.L, " S=", sz.S, " heads=", sz.heads, " dk=", sz.dk, " dv=", sz.dv);
    Tensor q = randn64({sz.B, sz.L, sz.heads * sz.dk}, seed), k = randn64({sz.B, sz.S, sz.heads * sz.dk}, seed + 1);
    Tensor v = randn64({sz.B, sz.S, sz.heads * sz.dv}, seed + 2);
    seed += 10;
    const double scale = 1.0 / std::sqrt(static_cast<double>(sz.dk));
    Tensor y = softmax_attention(q, k, v, sz.heads, scale);
    Tensor y_ref = softmax_attention_composite(q, k, v, sz.heads, scale);
    REQUIRE(y.shape() == Shape{sz.B, sz.L, sz.heads * sz.dv});
    CHECK(relative_error(y, y_ref) <= 1e-12);
    Tensor dy = randn64(y.shape(), seed++, false);
    auto g = grad(y, {q, k, v}, dy);
    auto g_ref = grad(y_ref, {q, k, v}, dy);
    for (int i = 0; i < 3; ++i) {
      INFO("gradient of input ", i, " (q, k, v)");
      if (sz.S == 1 && i < 2)  // one key: the weights are identically 1, so q and k get no gradient at all
        CHECK(max(abs(g[i])).item() <= 1e-14);
      else
        CHECK(relative_error(g[i], g_ref[i]) <= 1e-12);
    }
  }
}

TEST_CASE("softmax_attention_packed equals the three-tensor op, gradient included") {
  for (std::int64_t N : {5, 600}) {
    INFO("N=", N);
    const std::int64_t B = 2, C = 6, heads = 3;
    Tensor qkv = randn64({B, N, 3 * C}, 40 + static_cast<std::uint64_t>(N));
    Tensor dy = randn64({B, N, C}, 41, false);
    Tensor y = softmax_attention_packed(qkv, heads, 0.6);
    auto parts = chunk(qkv, 3, -1);
    Tensor y_ref = softmax_attention_composite(parts[0], parts[1], parts[2], heads, 0.6);
    CHECK(relative_error(y, y_ref) <= 1e-12);
    CHECK(relative_error(grad(y, {qkv}, dy)[0], grad(y_ref, {qkv}, dy)[0]) <= 1e-12);
  }
}

TEST_CASE("softmax_attention: gradients of only some inputs match the full backward") {
  Tensor q = randn64({2, 6, 4}, 300), k = randn64({2, 5, 4}, 301), v = randn64({2, 5, 6}, 302);
  Tensor dy = randn64({2, 6, 6}, 305, false);
  auto all = grad(softmax_attention(q, k, v, 2, 0.5), {q, k, v}, dy);
  Tensor qq = q.detach().requires_grad_(), kk = k.detach().requires_grad_(), vv = v.detach().requires_grad_();
  CHECK(relative_error(grad(softmax_attention(qq, k.detach(), v.detach(), 2, 0.5), {qq}, dy)[0], all[0]) == 0);
  CHECK(relative_error(grad(softmax_attention(q.detach(), kk, v.detach(), 2, 0.5), {kk}, dy)[0], all[1]) == 0);
  CHECK(relative_error(grad(softmax_attention(q.detach(), k.detach(), vv, 2, 0.5), {vv}, dy)[0], all[2]) == 0);
}

TEST_CASE("gradcheck: softmax_attention, self, cross and packed") {
  for (auto [L, S] : {std::pair<std::int64_t, std::int64_t>{4, 4}, {3, 5}}) {
    INFO("L=", L, " S=", S);
    Tensor q = randn64({2, L, 4}, 200 + static_cast<std::uint64_t>(S)), k = randn64({2, S, 4}, 210);
    Tensor v = randn64({2, S, 6}, 220);
    CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return softmax_attention(t[0], t[1], t[2], 2, 0.7); }, {q, k, v});
  }
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return softmax_attention_packed(t[0], 2, 0.7); },
                  {randn64({2, 4, 12}, 230)});
}

TEST_CASE("softmax_attention saves nothing N x N: peak memory of forward + backward at N = 4096") {
  // float32, B = 1, 2 heads of d = 4: one N×N float32 matrix is 64 MiB; inputs, output, saved
  // log-sum-exp, gradients and the two 1 MiB chunk workspaces stay far below it.
  const std::int64_t N = 4096, C = 8;
  Generator gen(7);
  Tensor qkv = randn({1, N, 3 * C}, {}, &gen).requires_grad_();
  Tensor dy = randn({1, N, C}, {}, &gen);
  const std::size_t before = memory_stats(Device::cpu()).allocated_bytes;
  reset_peak_memory(Device::cpu());
  {
    Tensor y = softmax_attention_packed(qkv, 2, 0.5);
    y.backward(dy);
  }
  const std::size_t peak = memory_stats(Device::cpu()).peak_allocated_bytes - before;
  const std::size_t n_by_n = static_cast<std::size_t>(N * N) * sizeof(float);
  INFO("peak extra bytes ", peak, " vs one N x N matrix ", n_by_n);
  CHECK(peak < n_by_n / 16);
  CHECK(qkv.grad().defined());
}

TEST_CASE("softmax_attention: input errors say what is wrong") {
  Tensor q = randn64({1, 4, 6}, 1, false), k = randn64({1, 5, 6}, 2, false), v = randn64({1, 5, 4}, 3, false);
  CHECK_THROWS_WITH_AS(softmax_attention(q, k, randn64({1, 4, 4}, 4, false), 2, 1.0),
                       doctest::Contains("k and v the same tokens"), Error);
  CHECK_THROWS_WITH_AS(softmax_attention(q, k, v, 4, 1.0), doctest::Contains("4 heads must divide the q/k channels 6"),
                       Error);
  CHECK_THROWS_WITH_AS(softmax_attention(q, randn64({1, 0, 6}, 5, false), randn64({1, 0, 4}, 6, false), 2, 1.0),
                       doctest::Contains("no keys"), Error);
  CHECK_THROWS_WITH_AS(softmax_attention(q, k, v, 2, 0.0), doctest::Contains("scale must be positive"), Error);
  CHECK_THROWS_WITH_AS(softmax_attention(q, k.to(DType::F32), v, 2, 1.0), doctest::Contains("one float dtype"), Error);
  CHECK_THROWS_WITH_AS(softmax_attention_packed(randn64({1, 4, 7}, 7, false), 1, 1.0), doctest::Contains("(B, N, 3C)"),
                       Error);
  CHECK_THROWS_WITH_AS(softmax_attention_packed(randn64({1, 4, 12}, 8, false), 3, 1.0),
                       doctest::Contains("3 heads must divide the 4 channels"), Error);
}

TEST_CASE("softmax_attention in float32: within 1e-5 of float64, and the same bits for 1, 2 and 3 threads") {
  // Six (batch, head) pairs over two query chunks (S = 600: chunks of 436 rows): with 2 threads
  // each thread takes whole pairs (GEMMs on it); with 3 threads there are fewer than two per
  // thread, so pairs go one by one with each GEMM threaded. All runs must agree bit for bit.
  Tensor q64 = randn64({2, 700, 24}, 1), k64 = randn64({2, 600, 24}, 2), v64 = randn64({2, 600, 24}, 3);
  const double scale = 1.0 / std::sqrt(8.0);
  auto op = [&](const std::vector<Tensor>& t) { return softmax_attention(t[0], t[1], t[2], 3, scale); };
  check_float32_thread_runs(op, {q64, k64, v64}, randn64({2, 700, 24}, 4, false));
}
