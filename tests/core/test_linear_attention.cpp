// tests/core/test_linear_attention.cpp — the fused normalized linear attention
// (core/ops/linear_attention.h): forward values worked by hand; fused = composite-of-ops in
// values and in the gradients of q, k, v (≤ 1e-12 relative in float64), including inputs long
// enough to be processed in several token chunks; float64 gradchecks of every variant
// (coefficient tables or none, positive features or none, normalized or den ≡ 1, cross L ≠ S);
// float32 within 1e-5 of float64 and bit-identical for 1, 2 and 3 threads (whole batch
// elements per thread, or one by one); the memory claim (peak allocator bytes of forward +
// backward at N = 4096 far below one N×N float32 matrix); input errors.
#include <doctest/doctest.h>

#include "core/allocator.h"
#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/reference.h"
#include "support/thread_runs.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

struct Variant {
  const char* name;
  bool coef, positive, normalize;
};

const Variant kVariants[] = {
    {"cos2d-like: tables, positive features, normalized", true, true, true},
    {"efficient-like: plain features, den = 1", false, false, false},
    {"tables, plain features, den = 1", true, false, false},
    {"positive features, no tables, normalized", false, true, true},
};

LinearAttentionOptions options_of(const Variant& v, std::int64_t heads) {
  return {.heads = heads, .normalize = v.normalize, .positive_features = v.positive, .feature_scale = 0.7,
          .feature_eps = 1e-3};
}

// Positive tables keep den > 0 when the features are not positive-made (plain q·k can be < 0).
Tensor table(std::int64_t n, std::int64_t T, std::uint64_t seed) { return uniform64({n, T}, 0.2, 1.0, seed, false); }

// Inputs for a variant; plain features with normalize would make den cross 0, so plain-feature
// variants use positive inputs.
struct Inputs {
  Tensor q, k, v, cq, ck;
};
Inputs make_inputs(const Variant& var, std::int64_t B, std::int64_t L, std::int64_t S, std::int64_t heads,
                   std::int64_t dk, std::int64_t dv, std::int64_t T, std::uint64_t seed) {
  Inputs in;
  if (var.positive) {  // away from ReLU's kink at 0 (gradcheck.h's kink policy)
    in.q = randn_away_from({B, L, heads * dk}, {0.0}, 1e-3, seed);
    in.k = randn_away_from({B, S, heads * dk}, {0.0}, 1e-3, seed + 1);
  } else {
    in.q = uniform64({B, L, heads * dk}, 0.1, 1.0, seed);
    in.k = uniform64({B, S, heads * dk}, 0.1, 1.0, seed + 1);
  }
  in.v = randn64({B, S, heads * dv}, seed + 2);
  if (var.coef) in.cq = table(L, T, seed + 3), in.ck = table(S, T, seed + 4);
  return in;
}

}  // namespace

TEST_CASE("linear_attention: values worked by hand") {
  // One head, dk = dv = 1, plain features: ctx = Σ k·v = 1·2 + 3·4 = 14, z = 1 + 3 = 4,
  // normalized O = q·14 / (q·4) = 3.5; with den ≡ 1, O = q·14.
  Tensor q = from_values({1, 2}, {1, 2, 1}, {.dtype = DType::F64});
  Tensor k = from_values({1, 3}, {1, 2, 1}, {.dtype = DType::F64});
  Tensor v = from_values({2, 4}, {1, 2, 1}, {.dtype = DType::F64});
  CHECK_VALUES(linear_attention(q, k, v), 1e-15, {3.5, 3.5});
  CHECK_VALUES(linear_attention(q, k, v, Tensor(), Tensor(), {.normalize = false}), 1e-15, {14, 28});
  // Positive features φ(x) = ReLU(0.5·x) + 0.25 and two-term tables:
  //   φ(q) = [0.25, 1.25], φ(k) = [0.75, 0.25];
  //   P_k = [[0.75, 0.75], [0, 0.5]], ctx = [1.5, 3.5], z = [0.75, 1.25];
  //   P_q = [[0.25, 0], [0.625, 0.625]], num = [0.375, 3.125], den = [0.1875, 1.25] → O = [2, 2.5].
  Tensor q2 = from_values({-1, 2}, {1, 2, 1}, {.dtype = DType::F64});
  Tensor k2 = from_values({1, -3}, {1, 2, 1}, {.dtype = DType::F64});
  Tensor cq = from_values({1, 0, 0.5, 0.5}, {2, 2}, {.dtype = DType::F64});
  Tensor ck = from_values({1, 1, 0, 2}, {2, 2}, {.dtype = DType::F64});
  LinearAttentionOptions pos{.positive_features = true, .feature_scale = 0.5, .feature_eps = 0.25};
  CHECK_VALUES(linear_attention(q2, k2, v, cq, ck, pos), 1e-15, {2.0, 2.5});
  CHECK_VALUES(linear_attention_composite(q2, k2, v, cq, ck, pos), 1e-15, {2.0, 2.5});
}

TEST_CASE("linear_attention: fused equals the composite of ops, values and gradients") {
  struct Size {
    std::int64_t B, L, S, heads, dk, dv, T;
  };
  // The last two sizes exercise the chunked sums: with h·F = 2·4·512 = 4096 feature columns,
  // tokens go in chunks of 128 (150 queries: 128, 22; 140 keys: 128, 12); with h·F = 512 (one
  // term, or no tables), in chunks of 1024 (1030 queries, 1025 keys: two chunks each).
  const Size sizes[] = {{2, 5, 5, 2, 3, 2, 4}, {2, 4, 7, 3, 2, 3, 2}, {1, 150, 140, 2, 512, 2, 4},
                        {1, 1030, 1025, 2, 256, 2, 1}};
  std::uint64_t seed = 100;
  for (const auto& var : kVariants) {
    for (const auto& sz : sizes) {
      INFO(var.name, " B=", sz.B, " L=", sz.L, " S=", sz.S, " heads=", sz.heads, " dk=", sz.dk, " dv=", sz.dv);
      Inputs in = make_inputs(var, sz.B, sz.L, sz.S, sz.heads, sz.dk, sz.dv, sz.T, seed);
      seed += 10;
      LinearAttentionOptions o = options_of(var, sz.heads);
      Tensor y = linear_attention(in.q, in.k, in.v, in.cq, in.ck, o);
      Tensor y_ref = linear_attention_composite(in.q, in.k, in.v, in.cq, in.ck, o);
      REQUIRE(y.shape() == Shape{sz.B, sz.L, sz.heads * sz.dv});
      CHECK(relative_error(y, y_ref) <= 1e-12);
      Tensor dy = randn64(y.shape(), seed++, false);
      auto g = grad(y, {in.q, in.k, in.v}, dy);
      auto g_ref = grad(y_ref, {in.q, in.k, in.v}, dy);
      for (int i = 0; i < 3; ++i) {
        INFO("gradient of input ", i, " (q, k, v)");
        CHECK(relative_error(g[i], g_ref[i]) <= 1e-12);
      }
    }
  }
}

TEST_CASE("linear_attention: gradients of only some inputs match the full backward") {
  Inputs in = make_inputs(kVariants[0], 2, 6, 6, 2, 3, 2, 4, 300);
  LinearAttentionOptions o = options_of(kVariants[0], 2);
  Tensor dy = randn64({2, 6, 4}, 305, false);
  auto all = grad(linear_attention(in.q, in.k, in.v, in.cq, in.ck, o), {in.q, in.k, in.v}, dy);
  Tensor q_only = in.q, k_only = in.k.detach(), v_only = in.v.detach();
  CHECK(relative_error(grad(linear_attention(q_only, k_only, v_only, in.cq, in.ck, o), {q_only}, dy)[0], all[0]) == 0);
  Tensor kk = in.k;
  CHECK(relative_error(grad(linear_attention(in.q.detach(), kk, in.v.detach(), in.cq, in.ck, o), {kk}, dy)[0], all[1]) == 0);
  Tensor vv = in.v;
  CHECK(relative_error(grad(linear_attention(in.q.detach(), in.k.detach(), vv, in.cq, in.ck, o), {vv}, dy)[0], all[2]) == 0);
}

TEST_CASE("gradcheck: linear_attention, every variant, self and cross") {
  std::uint64_t seed = 200;
  for (const auto& var : kVariants) {
    for (auto [L, S] : {std::pair<std::int64_t, std::int64_t>{4, 4}, {3, 5}}) {
      INFO(var.name, " L=", L, " S=", S);
      Inputs in = make_inputs(var, 2, L, S, 2, 2, 3, 3, seed);
      seed += 10;
      LinearAttentionOptions o = options_of(var, 2);
      CHECK_GRADCHECK([&](const std::vector<Tensor>& t) { return linear_attention(t[0], t[1], t[2], in.cq, in.ck, o); },
                      {in.q, in.k, in.v});
    }
  }
}

TEST_CASE("linear_attention saves nothing N x N: peak memory of forward + backward at N = 4096") {
  // float32, B = 1, 2 heads of dk = dv = 4, 4-term tables (the cos2d layout): one N×N float32
  // matrix would be 64 MiB; inputs, output, saved tensors, gradients and the chunk workspace
  // together stay around a megabyte.
  const std::int64_t N = 4096, C = 8;
  Generator gen(7);
  Tensor q = randn({1, N, C}, {}, &gen).requires_grad_(), k = randn({1, N, C}, {}, &gen).requires_grad_();
  Tensor v = randn({1, N, C}, {}, &gen).requires_grad_();
  Tensor coef = uniform({N, 4}, 0.0, 1.0, {}, &gen), dy = randn({1, N, C}, {}, &gen);
  const std::size_t before = memory_stats(Device::cpu()).allocated_bytes;
  reset_peak_memory(Device::cpu());
  {
    Tensor y = linear_attention(q, k, v, coef, coef,
                                {.heads = 2, .positive_features = true, .feature_scale = 0.5, .feature_eps = 1e-5});
    y.backward(dy);
  }
  const std::size_t peak = memory_stats(Device::cpu()).peak_allocated_bytes - before;
  const std::size_t n_by_n = static_cast<std::size_t>(N * N) * sizeof(float);
  INFO("peak extra bytes ", peak, " vs one N x N matrix ", n_by_n);
  CHECK(peak < n_by_n / 16);
  CHECK(q.grad().defined());
  CHECK(k.grad().defined());
  CHECK(v.grad().defined());
}

TEST_CASE("linear_attention: input errors say what is wrong") {
  Tensor q = randn64({1, 4, 6}, 1, false), k = randn64({1, 5, 6}, 2, false), v = randn64({1, 5, 4}, 3, false);
  CHECK_THROWS_WITH_AS(linear_attention(q, k, randn64({1, 4, 4}, 4, false)), doctest::Contains("k and v the same tokens"),
                       Error);
  CHECK_THROWS_WITH_AS(linear_attention(q, k, v, Tensor(), Tensor(), {.heads = 4}),
                       doctest::Contains("4 heads must divide the q/k channels 6"), Error);
  CHECK_THROWS_WITH_AS(linear_attention(q, k, v, table(4, 2, 5), Tensor()),
                       doctest::Contains("both coefficient tables"), Error);
  CHECK_THROWS_WITH_AS(linear_attention(q, k, v, table(4, 2, 5), table(4, 2, 6)),
                       doctest::Contains("coef_k (S=5, T)"), Error);
  CHECK_THROWS_WITH_AS(linear_attention(q, k, v, table(4, 2, 5).requires_grad_(), table(5, 2, 6)),
                       doctest::Contains("constants"), Error);
  CHECK_THROWS_WITH_AS(linear_attention(q, k.to(DType::F32), v), doctest::Contains("one float dtype"), Error);
}

TEST_CASE("linear_attention in float32: within 1e-5 of float64, and the same bits for 1, 2 and 3 threads") {
  // Four batch elements: with 2 threads each thread takes whole batch elements (GEMMs on it);
  // with 3 threads there are fewer than two per thread, so elements go one by one with each GEMM
  // threaded; with 1 thread, one by one on one thread. All three must agree bit for bit.
  std::uint64_t seed = 900;
  for (const auto& var : kVariants) {
    INFO(var.name);
    Inputs in = make_inputs(var, 4, 300, 260, 2, 16, 8, 4, seed);
    seed += 10;
    const LinearAttentionOptions o = options_of(var, 2);
    auto op = [&](const std::vector<Tensor>& t) {  // the tables follow the inputs' dtype
      auto table_as = [&](const Tensor& c) { return c.defined() ? c.detach().to(t[0].dtype()) : Tensor(); };
      return linear_attention(t[0], t[1], t[2], table_as(in.cq), table_as(in.ck), o);
    };
    Tensor dy = randn64({4, 300, 16}, seed++, false);
    check_float32_thread_runs(op, {in.q, in.k, in.v}, dy);
  }
}
