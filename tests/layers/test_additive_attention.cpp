// tests/layers/test_additive_attention.cpp — SwiftFormer's efficient additive attention
// (docs/attention.md §6): parameter names and shapes (§13, D = token_dim·num_heads), float64
// gradchecks (alpha_norm l2 and softmax, a wider D), the §6.5 identities (output independent
// of scale_factor, Σ α̂² = 1, N = 1 gives α̂ = ±1, permutation equivariance, batch
// independence), PyTorch goldens and option errors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "layers/attention/additive.h"
#include "layers/attention/attention.h"
#include "support/attention_golden.h"
#include "support/gradcheck.h"

using namespace linattn;

namespace {
std::shared_ptr<EfficientAdditiveAttention> make(std::int64_t dim, std::map<std::string, std::string> opts = {},
                                                 std::uint64_t seed = 0) {
  Generator gen(seed);
  auto layer = make_attention(parse_attention_options("additive", opts), dim, {}, gen);
  layer->to(DType::F64);
  auto a = std::dynamic_pointer_cast<EfficientAdditiveAttention>(layer);
  REQUIRE(a != nullptr);
  return a;
}

// O(1) weights and non-zero biases (the trunc_normal(.02) init makes every token nearly alike).
void randomize(Module& m, std::uint64_t seed) {
  NoGradGuard no_grad;
  for (auto& [name, p] : m.named_parameters()) {
    double scale = p.dim() == 1 ? 0.5 : (name == "w_g" ? 1.0 : 1.0 / std::sqrt(static_cast<double>(p.shape()[1])));
    p.copy_(mul(testing::randn64(p.shape(), seed++, false), scale));
  }
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return max(abs(sub(a, b))).item(); }
}  // namespace

TEST_CASE("additive attention has the spec's parameter names and shapes") {
  auto layer = make(8, {{"token_dim", "6"}, {"num_heads", "3"}});  // D = 18, output width 6
  CHECK(layer->type() == "additive");
  CHECK(layer->D == 18);
  auto sd = layer->state_dict();
  std::vector<std::pair<std::string, Shape>> got;
  for (auto& [n, t] : sd) got.emplace_back(n, t.shape());
  const std::vector<std::pair<std::string, Shape>> expected{
      {"w_g", {18, 1}},          {"to_query.weight", {18, 8}}, {"to_query.bias", {18}}, {"to_key.weight", {18, 8}},
      {"to_key.bias", {18}},     {"Proj.weight", {18, 18}},    {"Proj.bias", {18}},     {"final.weight", {6, 18}},
      {"final.bias", {6}}};
  CHECK(got == expected);
  CHECK(layer->forward(testing::randn64({2, 3, 8}, 1, false)).shape() == Shape{2, 3, 6});
  CHECK(layer->scale_factor == doctest::Approx(1.0 / std::sqrt(6.0)));
  auto plain = make(16);
  CHECK(plain->D == 16);
  CHECK(plain->token_dim == 16);
}

TEST_CASE("additive attention gradcheck (l2 and softmax alpha, wider D)") {
  for (auto opts : std::vector<std::map<std::string, std::string>>{
           {}, {{"alpha_norm", "softmax"}}, {{"token_dim", "4"}, {"num_heads", "2"}}}) {
    auto layer = make(6, opts, 1);
    randomize(*layer, 10);
    Tensor x = testing::randn64({2, 5, 6}, 3);
    std::vector<Tensor> inputs{x};
    for (auto& p : layer->parameters()) inputs.push_back(p);
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward(x); }, inputs);
  }
}

TEST_CASE("additive attention: the §6.5 identities") {
  auto layer = make(8, {}, 2);
  randomize(*layer, 20);
  Tensor x = testing::randn64({2, 7, 8}, 4, false);
  Tensor y = layer->forward(x);
  // scale_factor is a no-op under the L2 normalization over tokens (§10 #9).
  layer->scale_factor = 3.7;
  CHECK(max_abs_diff(layer->forward(x), y) < 1e-15);
  layer->scale_factor = 1.0 / std::sqrt(8.0);
  // Σ_n α̂_n² = 1 per sample.
  Tensor a = layer->alpha(x);
  CHECK(a.shape() == Shape{2, 7, 1});
  CHECK(max(abs(sub(sum(square(a), {1}), 1.0))).item() < 1e-14);
  CHECK(min(a).item() < 0.0);  // α̂ is not a distribution
  // N = 1: α̂ = ±1.
  Tensor a1 = layer->alpha(testing::randn64({3, 1, 8}, 5, false));
  CHECK(max(abs(sub(abs(a1), 1.0))).item() < 1e-15);
  // Permutation equivariance in N.
  Tensor perm = from_values({3, 6, 0, 5, 1, 2, 4}, {7}, {.dtype = DType::I64});
  CHECK(max_abs_diff(layer->forward(index_select(x, 1, perm)), index_select(y, 1, perm)) < 1e-14);
  // Batch independence.
  Tensor x2 = cat({narrow(x, 0, 0, 1), testing::randn64({1, 7, 8}, 6, false)}, 0);
  CHECK(max_abs_diff(narrow(layer->forward(x2), 0, 0, 1), narrow(y, 0, 0, 1)) <= 1e-15);
  // With alpha_norm = softmax, α̂ is a distribution over the tokens.
  auto soft = make(8, {{"alpha_norm", "softmax"}}, 3);
  randomize(*soft, 30);
  Tensor s = soft->alpha(x);
  CHECK(max(abs(sub(sum(s, {1}), 1.0))).item() < 1e-14);
  CHECK(min(s).item() > 0.0);
}

TEST_CASE("additive attention matches the PyTorch reference (goldens)") {
  for (const char* name : {"additive_f64", "additive_f32", "additive_softmax_f64"}) {
    INFO("golden " << name);
    testing::check_registry_layer_golden(name);
  }
}

TEST_CASE("additive attention option errors say why") {
  CHECK_THROWS_WITH_AS(parse_attention_options("additive", {{"heads", "2"}}), doctest::Contains("unknown option 'heads'"),
                       Error);
  CHECK_THROWS_WITH_AS(parse_attention_options("additive", {{"alpha_norm", "max"}}),
                       doctest::Contains("'alpha_norm' must be one of l2, softmax"), Error);
  Generator gen(0);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("additive", {{"num_heads", "0"}}), 8, {}, gen),
                       doctest::Contains("num_heads positive"), Error);
  auto layer = make(8);
  Tensor q = testing::randn64({1, 3, 8}, 7, false);
  CHECK_FALSE(layer->supports_cross());
  CHECK_THROWS_WITH_AS(layer->forward_cross(q, q), doctest::Contains("'additive' does not support cross-attention"), Error);
  CHECK_THROWS_WITH_AS(layer->forward(testing::randn64({1, 3, 5}, 8, false)), doctest::Contains("expected input (B, N, 8)"),
                       Error);
}
