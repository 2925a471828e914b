// tests/layers/test_cos2d_attention.cpp — CosAttention2d (docs/attention.md §3): parameter names;
// float64 gradcheck of the input and every parameter (registry layer and the CosMHSA2d block);
// the §3.4 / §10 identities — linear form = quadratic form with explicit cos·cos weights
// (written out here), rank-4 A·Aᵀ = W for the coefficient table, constant V returned
// unchanged, every weight > 0 exactly when M > max(H, W) − 1 — on square and non-square grids;
// the channel LayerNorm worked by hand; PyTorch goldens (cos2d, cos2d_3x5, cos_mhsa2d in f64 and
// f32); errors (no grid, dim % heads, N ≠ H·W, M too small, cross-attention refused).
#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

#include "core/ops.h"
#include "layers/attention/attention.h"
#include "layers/attention/cos2d.h"
#include "layers/attention/cos_mhsa2d.h"
#include "support/attention_golden.h"
#include "support/gradcheck.h"
#include "support/reference.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

std::shared_ptr<Attention> make(std::int64_t dim, std::int64_t heads, Grid grid, std::map<std::string, std::string> opts = {},
                                std::uint64_t seed = 0) {
  Generator gen(seed);
  opts["heads"] = std::to_string(heads);
  auto layer = make_attention(parse_attention_options("cos2d", opts), dim, grid, gen);
  layer->to(DType::F64);
  return layer;
}

// w[(i,j),(k,l)] = cos(π(i−k)/2M)·cos(π(j−l)/2M), straight from the definition.
double cos_weight(std::int64_t n, std::int64_t m, std::int64_t W, std::int64_t M) {
  const double f = std::numbers::pi / (2.0 * static_cast<double>(M));
  const auto i = n / W, j = n % W, k = m / W, l = m % W;
  return std::cos(f * static_cast<double>(i - k)) * std::cos(f * static_cast<double>(j - l));
}

// The quadratic form of §3.1: out_n = Σ_m w·(q̄_n·k̄_m)·v_m / Σ_m w·(q̄_n·k̄_m) per head, with
// q̄ = ReLU(s·q) + eps, s = C^(−1/4); q, k, v (B, N, C) float64.
Tensor cos2d_quadratic(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads, Grid grid,
                       std::int64_t M, double eps) {
  const std::int64_t B = q.shape()[0], N = q.shape()[1], C = q.shape()[2], d = C / heads;
  const double s = std::pow(static_cast<double>(C), -0.25);
  auto qv = q.to_vector<double>(), kv = k.to_vector<double>(), vv = v.to_vector<double>();
  auto pos = [&](double x) { return std::max(s * x, 0.0) + eps; };
  std::vector<double> out(qv.size());
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t h = 0; h < heads; ++h)
      for (std::int64_t n = 0; n < N; ++n) {
        double den = 0;
        std::vector<double> num(static_cast<std::size_t>(d), 0.0);
        for (std::int64_t m = 0; m < N; ++m) {
          double dot = 0;
          for (std::int64_t j = 0; j < d; ++j)
            dot += pos(qv[(b * N + n) * C + h * d + j]) * pos(kv[(b * N + m) * C + h * d + j]);
          const double a = cos_weight(n, m, grid.W, M) * dot;
          den += a;
          for (std::int64_t c = 0; c < d; ++c) num[c] += a * vv[(b * N + m) * C + h * d + c];
        }
        for (std::int64_t c = 0; c < d; ++c) out[(b * N + n) * C + h * d + c] = num[c] / den;
      }
  return from_values(out, q.shape(), {.dtype = DType::F64});
}

}  // namespace

TEST_CASE("cos2d attention has the spec's parameter names and shapes") {
  auto layer = make(8, 2, {2, 3});
  auto sd = layer->state_dict();
  REQUIRE(sd.size() == 5);
  const char* names[] = {"q.weight", "k.weight", "v.weight", "merge.weight", "merge.bias"};
  for (std::size_t i = 0; i < 5; ++i) CHECK(sd[i].first == names[i]);
  CHECK(sd[0].second.shape() == Shape{8, 8});
  CHECK(sd[4].second.shape() == Shape{8});
  CHECK(layer->type() == "cos2d");
  CHECK_FALSE(layer->supports_cross());
  CHECK(make(8, 2, {2, 3}, {{"qkv_bias", "true"}})->state_dict().size() == 8);  // + q.bias, k.bias, v.bias
  CHECK(dynamic_cast<Cos2dAttention&>(*layer).M == 5);  // max(H, W) + 2
}

TEST_CASE("cos2d attention gradcheck: input and every parameter") {
  auto layer = make(4, 2, {2, 3}, {{"qkv_bias", "true"}}, 1);
  Tensor x = randn64({2, 6, 4}, 11);
  {  // kink policy: the projections feeding ReLU stay away from 0 for this draw
    NoGradGuard no_grad;
    auto& c = dynamic_cast<Cos2dAttention&>(*layer);
    CHECK(min(abs(c.q->forward(x))).item() > 1e-3);
    CHECK(min(abs(c.k->forward(x))).item() > 1e-3);
  }
  std::vector<Tensor> inputs{x};
  for (auto& p : layer->parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward(x); }, inputs);
}

TEST_CASE("cos2d: the linear form equals the quadratic form with explicit cos-cos weights") {
  for (Grid grid : {Grid{4, 4}, Grid{3, 5}, Grid{1, 7}}) {
    for (std::int64_t M : {std::max(grid.H, grid.W) + 2, std::max(grid.H, grid.W)}) {
      INFO("grid ", grid.H, "x", grid.W, " M ", M);
      const std::int64_t N = grid.tokens();
      Tensor q = randn64({2, N, 8}, 20, false), k = randn64({2, N, 8}, 21, false), v = randn64({2, N, 8}, 22, false);
      Tensor coef = cos2d_coefficients(grid.H, grid.W, M);
      Tensor linear_form = cos2d_core(q, k, v, coef, 2, 1e-5);
      CHECK(relative_error(linear_form, cos2d_quadratic(q, k, v, 2, grid, M, 1e-5)) <= 1e-13);
      // eps matters (it is the only thing s does not cancel): a larger one changes the output
      CHECK(relative_error(cos2d_core(q, k, v, coef, 2, 0.5), linear_form) > 1e-6);
    }
  }
}

TEST_CASE("cos2d: the coefficient table is a rank-4 factor of the weight matrix") {
  const std::int64_t H = 3, W = 5, M = 7;
  Tensor A = cos2d_coefficients(H, W, M);  // N x 4
  REQUIRE(A.shape() == Shape{15, 4});
  auto w = bmm(A, A, false, true).to_vector<double>();  // A·Aᵀ, N x N
  double worst = 0;
  for (std::int64_t n = 0; n < 15; ++n)
    for (std::int64_t m = 0; m < 15; ++m) worst = std::max(worst, std::abs(w[n * 15 + m] - cos_weight(n, m, W, M)));
  CHECK(worst <= 1e-15);
  // Row n = i·W + j: [cos fi cos fj, cos fi sin fj, sin fi cos fj, sin fi sin fj], f = π/(2M).
  const double f = std::numbers::pi / 14;
  CHECK_VALUES(narrow(A, 0, 1 * W + 2, 1), 1e-15,
               {std::cos(f) * std::cos(2 * f), std::cos(f) * std::sin(2 * f), std::sin(f) * std::cos(2 * f),
                std::sin(f) * std::sin(2 * f)});
}

TEST_CASE("cos2d: every weight is positive exactly when M > max(H, W) - 1") {
  for (Grid grid : {Grid{4, 4}, Grid{3, 5}}) {
    const std::int64_t side = std::max(grid.H, grid.W);
    INFO("grid ", grid.H, "x", grid.W);
    Tensor A = cos2d_coefficients(grid.H, grid.W, side);  // the smallest allowed M
    CHECK(min(bmm(A, A, false, true)).item() > 0.0);
    CHECK(cos2d_resolve_M(grid.H, grid.W, side, "test") == side);
    // M = max(H, W) − 1 puts tokens at distance M on cos(π/2) = 0: not positive, and refused.
    Tensor A_small = cos2d_coefficients(grid.H, grid.W, side - 1);
    CHECK(min(bmm(A_small, A_small, false, true)).item() <= 1e-15);
    const std::string expected = "must exceed max(H, W) - 1 = " + std::to_string(side - 1);
    CHECK_THROWS_WITH_AS(cos2d_resolve_M(grid.H, grid.W, side - 1, "test"), doctest::Contains(expected.c_str()), Error);
  }
}

TEST_CASE("cos2d: constant values are returned unchanged (row-normalized weights)") {
  Tensor q = randn64({2, 15, 8}, 30, false), k = randn64({2, 15, 8}, 31, false);
  Tensor v = expand(randn64({2, 1, 8}, 32, false), {2, 15, 8});  // one vector per sample, at every token
  Tensor out = cos2d_core(q, k, v, cos2d_coefficients(3, 5, 7), 4, 1e-5);
  CHECK(relative_error(out, v) <= 1e-14);
}

TEST_CASE("cos2d attention matches the PyTorch reference (goldens)") {
  for (const char* name : {"cos2d_f64", "cos2d_f32", "cos2d_3x5_f64", "cos2d_3x5_f32"}) {
    INFO("golden " << name);
    check_registry_layer_golden(name);
  }
}

TEST_CASE("channel LayerNorm: unbiased std over channels, eps added to the std") {
  Generator gen(0);
  ChannelLayerNorm ln(3, 1e-6);
  ln.to(DType::F64);
  // One position with channels [1, 2, 3]: μ = 2, σ (unbiased) = 1 → (x − μ)/(1 + 1e-6).
  Tensor x = from_values({1, 2, 3}, {1, 3, 1, 1}, {.dtype = DType::F64});
  const double r = 1.0 / (1.0 + 1e-6);
  CHECK_VALUES(ln.forward(x), 1e-15, {-r, 0.0, r});
  CHECK(ln.weight.shape() == Shape{3, 1, 1});
}

TEST_CASE("CosMHSA2d: parameter names, heads passed through, gradcheck") {
  Generator gen(3);
  CosMHSA2d block(4, {.heads = 2, .dropout = 0.0}, gen);
  block.to(DType::F64);
  auto sd = block.state_dict();
  REQUIRE(sd.size() == 7);
  const char* names[] = {"linear_v.weight", "linear_k.weight", "linear_q.weight", "linear_merge.weight",
                         "linear_merge.bias", "norm.weight",     "norm.bias"};
  for (std::size_t i = 0; i < 7; ++i) CHECK(sd[i].first == names[i]);
  CHECK(sd[0].second.shape() == Shape{4, 4, 1, 1});
  CHECK(sd[5].second.shape() == Shape{4, 1, 1});
  Tensor x = randn64({2, 4, 2, 3}, 40);
  std::vector<Tensor> inputs{x};
  for (auto& p : block.parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return block.forward(x); }, inputs);
  // The public code's bug ignored n_head; here heads = 1 and heads = 2 give different outputs.
  Generator gen1(3);
  CosMHSA2d one_head(4, {.heads = 1, .dropout = 0.0}, gen1);
  one_head.to(DType::F64);
  NoGradGuard no_grad;
  CHECK(max(abs(sub(block.forward(x), one_head.forward(x)))).item() > 1e-6);
}

TEST_CASE("CosMHSA2d matches the PyTorch reference (goldens)") {
  for (const char* name : {"cos_mhsa2d_f64", "cos_mhsa2d_f32"}) {
    INFO("golden " << name);
    GoldenCase g = load_attention_golden(name);
    CosMhsa2dOptions o{.heads = g.heads, .M = std::stoll(g.options.at("M")), .dropout = std::stod(g.options.at("dropout")),
                       .eps = std::stod(g.options.at("eps")), .ln_eps = std::stod(g.options.at("ln_eps"))};
    Generator gen(0);
    CosMHSA2d block(g.dim, o, gen);
    check_against_golden(g, block, [&](const std::vector<Tensor>& in) { return block.forward(in[0]); });
  }
}

TEST_CASE("cos2d attention errors say why") {
  Generator gen(0);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("cos2d", {}), 8, {}, gen),
                       doctest::Contains("needs the token grid (H, W)"), Error);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("cos2d", {{"heads", "3"}}), 8, {2, 2}, gen),
                       doctest::Contains("dim 8 is not divisible by heads 3"), Error);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("cos2d", {{"M", "2"}}), 8, {4, 4}, gen),
                       doctest::Contains("M=2 must exceed max(H, W) - 1 = 3"), Error);
  auto layer = make(4, 2, {2, 3});
  CHECK_THROWS_WITH_AS(layer->forward(randn64({1, 7, 4}, 1, false)),
                       doctest::Contains("the input has N=7 tokens but the grid 2x3 has 6"), Error);
  CHECK_THROWS_WITH_AS(layer->forward_cross(randn64({1, 6, 4}, 1, false), randn64({1, 6, 4}, 2, false)),
                       doctest::Contains("'cos2d' does not support cross-attention"), Error);
}
