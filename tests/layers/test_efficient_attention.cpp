// tests/layers/test_efficient_attention.cpp — Efficient attention (docs/attention.md §7):
// parameter names; float64 gradcheck of the input(s) and every parameter, self and cross, and of
// the 2-D module; the §7.5 / §10 identities — with ρ = identity the linear form Q(KᵀV) equals
// the quadratic (QKᵀ)V per head, with scaling it is (QKᵀ/N)V, with softmax the implied
// attention rows sum to 1 so constant V passes through (before reprojection); permutation
// equivariance; batch independence; the unused trailing key channels of the public code; the
// folded reprojection = reprojection(efficient_core) in values and gradients; PyTorch goldens (efficient, efficient_cross, efficient2d in f64 and f32); option errors.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "layers/attention/attention.h"
#include "layers/attention/efficient.h"
#include "layers/attention/efficient2d.h"
#include "layers/attention/heads.h"
#include "support/attention_golden.h"
#include "support/gradcheck.h"
#include "support/reference.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

std::shared_ptr<Attention> make(std::int64_t dim, std::int64_t heads, std::map<std::string, std::string> opts = {},
                                std::uint64_t seed = 0) {
  Generator gen(seed);
  opts["heads"] = std::to_string(heads);
  auto layer = make_attention(parse_attention_options("efficient", opts), dim, {}, gen);
  layer->to(DType::F64);
  return layer;
}

// (QKᵀ)V per head, with the implied attention matrix written out: q (B,L,C), k (B,S,C), v (B,S,C).
Tensor quadratic(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads) {
  Tensor a = bmm(split_heads(q, heads), split_heads(k, heads), false, true);  // B x h x L x S
  return merge_heads(bmm(a, split_heads(v, heads)));
}

}  // namespace

TEST_CASE("efficient attention has the spec's parameter names and shapes") {
  auto layer = make(8, 2);
  auto sd = layer->state_dict();
  REQUIRE(sd.size() == 8);
  const char* names[] = {"queries.weight", "queries.bias", "keys.weight",         "keys.bias",
                         "values.weight",  "values.bias",  "reprojection.weight", "reprojection.bias"};
  for (std::size_t i = 0; i < 8; ++i) CHECK(sd[i].first == names[i]);
  CHECK(sd[0].second.shape() == Shape{8, 8});
  CHECK(layer->type() == "efficient");
  CHECK(layer->supports_cross());
  auto wide = make(8, 2, {{"key_channels", "6"}, {"value_channels", "4"}});
  CHECK(wide->state_dict()[0].second.shape() == Shape{6, 8});
  CHECK(wide->state_dict()[6].second.shape() == Shape{8, 4});
}

TEST_CASE("efficient attention gradcheck (self and cross, every norm, residual)") {
  for (const char* norm : {"softmax", "scaling", "identity"}) {
    INFO("norm ", norm);
    auto layer = make(6, 2, {{"norm", norm}, {"residual", "true"}}, 1);
    Tensor x = randn64({2, 5, 6}, 3);
    std::vector<Tensor> inputs{x};
    for (auto& p : layer->parameters()) inputs.push_back(p);
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward(x); }, inputs);
    Tensor q = randn64({2, 3, 6}, 4), m = randn64({2, 7, 6}, 5);
    inputs = {q, m};
    for (auto& p : layer->parameters()) inputs.push_back(p);
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward_cross(q, m); }, inputs);
  }
}

TEST_CASE("efficient: linear form equals the quadratic form per head (identity, scaling)") {
  Tensor q = randn64({2, 6, 8}, 10, false), k = randn64({2, 6, 8}, 11, false), v = randn64({2, 6, 8}, 12, false);
  Tensor quad = quadratic(q, k, v, 2);
  CHECK(relative_error(efficient_core(q, k, v, 2, "identity"), quad) <= 1e-14);
  CHECK(relative_error(efficient_core(q, k, v, 2, "scaling"), div(quad, 6.0)) <= 1e-14);  // (QKᵀ/N)V
  // cross-attention shapes: L = 3 queries, S = 9 memory tokens
  Tensor qc = randn64({2, 3, 8}, 13, false), kc = randn64({2, 9, 8}, 14, false), vc = randn64({2, 9, 8}, 15, false);
  CHECK(relative_error(efficient_core(qc, kc, vc, 4, "identity"), quadratic(qc, kc, vc, 4)) <= 1e-14);
}

TEST_CASE("efficient (softmax): implied attention rows sum to 1, so constant values pass through") {
  const std::int64_t B = 2, L = 5, S = 7, C = 8, h = 2;
  Tensor q = randn64({B, L, C}, 20, false), k = randn64({B, S, C}, 21, false);
  // A = σ_row(Q)·σ_col(K)ᵀ per head, built explicitly
  Tensor rq = softmax(split_heads(q, h), -1), rk = softmax(split_heads(k, h), -2);
  Tensor row_sums = sum(bmm(rq, rk, false, true), {-1});  // B x h x L
  CHECK(max(abs(sub(row_sums, 1.0))).item() <= 1e-15);
  Tensor v = expand(randn64({B, 1, C}, 22, false), {B, S, C});
  CHECK(relative_error(efficient_core(q, k, v, h, "softmax"), expand(narrow(v, 1, 0, 1), {B, L, C})) <= 1e-15);
  // and the softmax linear form equals its quadratic form with that A
  Tensor v2 = randn64({B, S, C}, 23, false);
  Tensor quad = merge_heads(bmm(bmm(rq, rk, false, true), split_heads(v2, h)));
  CHECK(relative_error(efficient_core(q, k, v2, h, "softmax"), quad) <= 1e-14);
}

TEST_CASE("efficient attention: permutation equivariance and batch independence") {
  auto layer = make(4, 2, {}, 2);
  Tensor x = randn64({1, 6, 4}, 6, false);
  NoGradGuard no_grad;
  Tensor y = layer->forward(x);
  Tensor perm = from_values({5, 4, 3, 2, 1, 0}, {6}, {.dtype = DType::I64});
  CHECK(max(abs(sub(layer->forward(index_select(x, 1, perm)), index_select(y, 1, perm)))).item() < 1e-14);
  Tensor pair = cat({x, randn64({1, 6, 4}, 7, false)}, 0), pair2 = cat({x, randn64({1, 6, 4}, 8, false)}, 0);
  CHECK(max(abs(sub(narrow(layer->forward(pair), 0, 0, 1), narrow(layer->forward(pair2), 0, 0, 1)))).item() == 0.0);
  CHECK(max(abs(sub(narrow(layer->forward(pair), 0, 0, 1), y))).item() < 1e-14);
}

TEST_CASE("efficient attention: trailing key channels (key_channels % heads) are unused, as in the public code") {
  auto layer = make(4, 2, {{"key_channels", "5"}}, 3);  // d_k = 2: key channel 4 feeds no head
  Tensor x = randn64({2, 3, 4}, 30);
  layer->forward(x).backward(randn64({2, 3, 4}, 31, false));
  auto& e = dynamic_cast<EfficientAttention&>(*layer);
  CHECK(max(abs(narrow(e.queries->weight.grad(), 0, 4, 1))).item() == 0.0);
  CHECK(max(abs(narrow(e.keys->weight.grad(), 0, 4, 1))).item() == 0.0);
  CHECK(max(abs(narrow(e.queries->weight.grad(), 0, 0, 4))).item() > 0.0);
}

TEST_CASE("EfficientAttention2d: parameter names and gradcheck (residual inside)") {
  Generator gen(4);
  EfficientAttention2d module(4, 6, 2, 8, gen);
  module.to(DType::F64);
  auto sd = module.state_dict();
  REQUIRE(sd.size() == 8);
  CHECK(sd[0].first == "keys.weight");
  CHECK(sd[0].second.shape() == Shape{6, 4, 1, 1});
  CHECK(sd[2].first == "queries.weight");
  CHECK(sd[4].first == "values.weight");
  CHECK(sd[6].first == "reprojection.weight");
  CHECK(sd[6].second.shape() == Shape{4, 8, 1, 1});
  Tensor x = randn64({2, 4, 2, 3}, 40);
  std::vector<Tensor> inputs{x};
  for (auto& p : module.parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return module.forward(x); }, inputs);
}

TEST_CASE("efficient attention matches the PyTorch reference (goldens)") {
  // keys.bias adds a constant to each key channel, which the softmax over tokens removes: its
  // gradient is 0 up to rounding on both sides, so it is compared in absolute terms.
  for (const char* name : {"efficient_f64", "efficient_f32", "efficient_cross_f64", "efficient_cross_f32"}) {
    INFO("golden " << name);
    check_registry_layer_golden(name, {"keys.bias"});
  }
  for (const char* name : {"efficient2d_f64", "efficient2d_f32"}) {
    INFO("golden " << name);
    GoldenCase g = load_attention_golden(name);
    Generator gen(0);
    EfficientAttention2d module(g.dim, std::stoll(g.options.at("key_channels")), g.heads,
                                std::stoll(g.options.at("value_channels")), gen);
    check_against_golden(g, module, [&](const std::vector<Tensor>& in) { return module.forward(in[0]); }, {"keys.bias"});
  }
}

TEST_CASE("efficient attention option errors say why") {
  Generator gen(0);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("efficient", {{"heads", "3"}}), 8, {}, gen),
                       doctest::Contains("value_channels 8 is not divisible by heads 3"), Error);
  CHECK_THROWS_WITH_AS(parse_attention_options("efficient", {{"norm", "l2"}}),
                       doctest::Contains("must be one of softmax, scaling, identity"), Error);
  auto layer = make(4, 2);
  CHECK_THROWS_WITH_AS(layer->forward_cross(randn64({1, 3, 4}, 1, false), randn64({1, 5, 6}, 2, false)),
                       doctest::Contains("expected queries (B, L, 4), keys and values (B, S, 4)"), Error);
  CHECK_THROWS_WITH_AS(EfficientAttention2d(4, 4, 3, 4, gen), doctest::Contains("value_channels 4 is not divisible"),
                       Error);
}

TEST_CASE("efficient: the folded reprojection equals reprojection(efficient_core), values and gradients") {
  // Every norm; self and cross; key channels 7 with 2 heads (one trailing channel unused) and
  // value channels 6 ≠ key channels.
  for (const char* norm : {"softmax", "scaling", "identity"}) {
    for (auto [L, S] : {std::pair<std::int64_t, std::int64_t>{5, 5}, {3, 8}}) {
      INFO("norm ", norm, " L=", L, " S=", S);
      Generator gen(31);
      Linear reprojection(6, 4, true, gen);
      reprojection.to(DType::F64);
      Tensor q = randn64({2, L, 7}, 32), k = randn64({2, S, 7}, 33), v = randn64({2, S, 6}, 34);
      Tensor y = efficient_attention_projected(q, k, v, 2, norm, reprojection);
      Tensor y_ref = reprojection.forward(efficient_core(q, k, v, 2, norm));
      CHECK(relative_error(y, y_ref) <= 1e-13);
      Tensor dy = randn64(y.shape(), 35, false);
      std::vector<Tensor> wrt{q, k, v, reprojection.weight, reprojection.bias};
      auto g = grad(y, wrt, dy);
      auto g_ref = grad(y_ref, wrt, dy);
      for (std::size_t i = 0; i < wrt.size(); ++i) {
        INFO("gradient ", i, " (q, k, v, W_r, b_r)");
        CHECK(relative_error(g[i], g_ref[i]) <= 1e-12);
        if (i < 2) CHECK(max(abs(narrow(g[i], 2, 6, 1))).item() == 0.0);  // the unused trailing key channel
      }
    }
  }
}
