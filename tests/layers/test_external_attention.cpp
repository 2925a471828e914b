// tests/layers/test_external_attention.cpp — external attention (docs/attention.md §4): the
// multi-head EAMLP block behind the registry (§4.2) and the single-head 2-D block (§4.1).
// Parameter names and shapes (§13 / EANet's names), float64 gradchecks of the input and every
// parameter, the §4.4 identities (slot rows sum to 1 − O(1e-9), token columns sum to 1 before
// the ℓ1 step, ∂L/∂b_0 = 0 exactly, permutation equivariance, batch independence, M_v = M_kᵀ at
// init), the fused double normalization against the composite, PyTorch goldens (BatchNorm
// running statistics included) and option errors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "layers/attention/attention.h"
#include "layers/attention/external.h"
#include "support/attention_golden.h"
#include "support/gradcheck.h"
#include "support/reference.h"

using namespace linattn;

namespace {
std::shared_ptr<ExternalAttention> make(std::int64_t dim, std::int64_t heads, std::int64_t S, std::uint64_t seed = 0) {
  Generator gen(seed);
  auto layer = make_attention(parse_attention_options("external", {{"heads", std::to_string(heads)}, {"S", std::to_string(S)}}),
                              dim, {2, 3}, gen);
  layer->to(DType::F64);
  auto ea = std::dynamic_pointer_cast<ExternalAttention>(layer);
  REQUIRE(ea != nullptr);
  return ea;
}

// Random non-zero biases, so every parameter matters in the checks (the init zeroes them).
void randomize_biases(Module& m, std::uint64_t seed) {
  NoGradGuard no_grad;
  for (auto& [name, p] : m.named_parameters())
    if (p.dim() == 1) p.copy_(mul(testing::randn64(p.shape(), seed++, false), 0.5));
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return max(abs(sub(a, b))).item(); }
}  // namespace

TEST_CASE("external attention has the spec's parameter names, shapes and init") {
  Generator gen(0);
  auto layer = make_attention(parse_attention_options("external", {{"heads", "4"}}), 32, {}, gen);
  CHECK(layer->type() == "external");
  auto sd = layer->state_dict();
  REQUIRE(sd.size() == 8);
  const std::vector<std::pair<std::string, Shape>> expected{
      {"trans_dims.weight", {128, 32}}, {"trans_dims.bias", {128}}, {"linear_0.weight", {64, 8}}, {"linear_0.bias", {64}},
      {"linear_1.weight", {8, 64}},     {"linear_1.bias", {8}},     {"proj.weight", {32, 128}},  {"proj.bias", {32}}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(sd[i].first == expected[i].first);
    CHECK(sd[i].second.shape() == expected[i].second);
  }
  // trunc_normal(.02) weights, zero biases.
  auto* ea = dynamic_cast<ExternalAttention*>(layer.get());
  REQUIRE(ea != nullptr);
  CHECK(ea->heads == 16);
  CHECK(ea->head_dim == 8);
  const Tensor& w = ea->trans_dims->weight;
  double sd_w = std::sqrt(mean(square(w)).item());
  CHECK(sd_w > 0.018);
  CHECK(sd_w < 0.022);
  CHECK(max(abs(ea->proj->bias)).item() == 0.0);
}

TEST_CASE("external attention gradcheck (input and every parameter)") {
  auto layer = make(8, 2, 6, 1);  // H' = 8 heads of d' = 4, S = 6
  randomize_biases(*layer, 100);
  {
    NoGradGuard no_grad;  // O(1) logits so the softmax over N is not flat
    for (auto& p : layer->parameters())
      if (p.dim() == 2) p.copy_(mul(testing::randn64(p.shape(), 7 + p.numel(), false), 0.4));
  }
  Tensor x = testing::randn64({2, 5, 8}, 3);
  std::vector<Tensor> inputs{x};
  for (auto& p : layer->parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward(x); }, inputs);
}

TEST_CASE("external attention: the §4.4 identities") {
  auto layer = make(8, 2, 16, 2);
  randomize_biases(*layer, 200);
  Tensor x = testing::randn64({2, 7, 8}, 4, false);
  // Rows over S sum to 1 − eps/(eps + Σ_S P): below 1 by O(1e-9 · N / S).
  Tensor a = layer->attention(x);  // B x N x H' x S
  CHECK(a.shape() == Shape{2, 7, 8, 16});
  Tensor rows = sum(a, {-1});
  CHECK(max(abs(sub(rows, 1.0))).item() < 1e-8);
  CHECK(max(rows).item() < 1.0);
  // Before the ℓ1 step each column over N sums to 1.
  Tensor p = layer->attention(x, true);
  CHECK(max(abs(sub(sum(p, {1}), 1.0))).item() < 1e-14);
  // The fused double normalization equals the composite (softmax, then ℓ1 with eps).
  CHECK(max_abs_diff(a, div(p, add(sum(p, {-1}, true), 1e-9))) < 1e-15);
  // Permutation equivariance in N.
  Tensor y = layer->forward(x);
  Tensor perm = from_values({6, 2, 4, 0, 5, 1, 3}, {7}, {.dtype = DType::I64});
  CHECK(max_abs_diff(layer->forward(index_select(x, 1, perm)), index_select(y, 1, perm)) < 1e-14);
  // Batch independence: changing sample 1 leaves sample 0 alone.
  Tensor x2 = cat({narrow(x, 0, 0, 1), testing::randn64({1, 7, 8}, 5, false)}, 0);
  CHECK(max_abs_diff(narrow(layer->forward(x2), 0, 0, 1), narrow(y, 0, 0, 1)) <= 1e-15);
}

TEST_CASE("external attention: the inert biases b_0 and b_t get exactly zero gradients") {
  auto layer = make(8, 2, 16, 3);
  randomize_biases(*layer, 300);
  Tensor x = testing::randn64({2, 9, 8}, 6);
  Tensor w = testing::randn64({2, 9, 8}, 7, false);
  sum(mul(layer->forward(x), w)).backward();
  REQUIRE(layer->linear_0->bias.grad().defined());
  CHECK(max(abs(layer->linear_0->bias.grad())).item() == 0.0);
  CHECK(max(abs(layer->trans_dims->bias.grad())).item() == 0.0);  // b_t·W_0ᵀ is constant over N too
  CHECK(max(abs(layer->linear_0->weight.grad())).item() > 1e-6);  // the rest does learn
  // They are truly inert: changing them leaves the output alone (up to rounding).
  Tensor y = layer->forward(x);
  {
    NoGradGuard no_grad;
    layer->linear_0->bias.copy_(add(layer->linear_0->bias, 3.0));
    layer->trans_dims->bias.copy_(add(layer->trans_dims->bias, -2.0));
  }
  CHECK(max_abs_diff(layer->forward(x), y) < 1e-13);
  // ... in float32 too.
  layer->to(DType::F32);
  layer->zero_grad();
  sum(mul(layer->forward(x.detach().to(DType::F32)), w.to(DType::F32))).backward();
  CHECK(max(abs(layer->linear_0->bias.grad())).item() == 0.0);
  CHECK(max(abs(layer->trans_dims->bias.grad())).item() == 0.0);
}

TEST_CASE("external attention: dropout acts only in training") {
  Generator gen(4);
  auto layer = make_attention(parse_attention_options("external", {{"heads", "2"}, {"attn_drop", "0.5"}, {"proj_drop", "0.2"}}),
                              8, {}, gen);
  auto plain = make(8, 2, 64, 4);
  layer->to(DType::F64);
  NamedTensors sd = plain->state_dict();
  layer->load_state_dict(sd);
  Tensor x = testing::randn64({2, 5, 8}, 8, false);
  CHECK(max_abs_diff(layer->forward(x), plain->forward(x)) > 1e-6);
  layer->eval();
  CHECK(max_abs_diff(layer->forward(x), plain->forward(x)) == 0.0);
}

TEST_CASE("external attention matches the PyTorch reference (goldens)") {
  for (const char* name : {"external_f64", "external_f32"}) {
    INFO("golden " << name);
    // The inert biases' golden gradients are ~1e-17 (rounding of an identically zero value);
    // ours are exactly 0.
    testing::check_registry_layer_golden(name, {"linear_0.bias", "trans_dims.bias"});
  }
}

TEST_CASE("external attention option errors say why") {
  Generator gen(0);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("external", {{"heads", "3"}}), 16, {}, gen),
                       doctest::Contains("dim 16 is not divisible by heads 3"), Error);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("external", {{"S", "0"}}), 16, {}, gen),
                       doctest::Contains("S must be positive"), Error);
  auto layer = make(8, 2, 4);
  Tensor q = testing::randn64({1, 3, 8}, 9, false);
  CHECK_FALSE(layer->supports_cross());
  CHECK_THROWS_WITH_AS(layer->forward_cross(q, q), doctest::Contains("'external' does not support cross-attention"), Error);
  CHECK_THROWS_WITH_AS(layer->forward(testing::randn64({1, 3, 6}, 10, false)), doctest::Contains("expected input (B, N, 8)"),
                       Error);
}

// ---- the single-head 2-D block (§4.1) ---------------------------------------------------------

TEST_CASE("ExternalAttention2d: EANet's names, M_v = M_kᵀ at init, init std √(2/C)") {
  Generator gen(0);
  ExternalAttention2d m(64, {}, gen);
  auto sd = m.state_dict();
  std::vector<std::string> names;
  for (auto& [n, t] : sd) names.push_back(n);
  CHECK(names == std::vector<std::string>{"conv1.weight", "conv1.bias", "linear_0.weight", "linear_1.weight",
                                          "conv2.0.weight", "conv2.1.weight", "conv2.1.bias", "conv2.1.running_mean",
                                          "conv2.1.running_var", "conv2.1.num_batches_tracked"});
  CHECK(m.linear_0->weight.shape() == Shape{64, 64, 1});
  CHECK(m.linear_1->weight.shape() == Shape{64, 64, 1});
  CHECK(max(abs(sub(m.memory_value(), transpose(m.memory_key(), 0, 1)))).item() == 0.0);
  CHECK_FALSE(m.linear_1->weight.shares_storage(m.linear_0->weight));  // tied at init only
  const double target = std::sqrt(2.0 / 64.0);
  for (const Tensor* w : {&m.conv1->weight, &m.conv2->conv->weight, &m.linear_0->weight}) {
    double s = std::sqrt(mean(square(*w)).item());
    CHECK(s > 0.95 * target);
    CHECK(s < 1.05 * target);
  }
  Generator gen2(0);
  ExternalAttention2d shared(8, {.S = 4, .tie = "shared"}, gen2);
  CHECK(shared.linear_1 == nullptr);
  CHECK(shared.state_dict().size() == 9);
  CHECK(max(abs(sub(shared.memory_value(), transpose(shared.memory_key(), 0, 1)))).item() == 0.0);
}

TEST_CASE("ExternalAttention2d gradcheck (tie = init and shared)") {
  for (const char* tie : {"init", "shared"}) {
    INFO("tie " << tie);
    Generator gen(5);
    ExternalAttention2d m(4, {.S = 5, .tie = tie}, gen);
    m.to(DType::F64);
    randomize_biases(m, 400);
    Tensor x = testing::randn64({2, 4, 2, 3}, 11);
    std::vector<Tensor> inputs{x};
    for (auto& p : m.parameters()) inputs.push_back(p);
    // Train-mode BatchNorm uses the batch statistics (the running ones only get updated), and
    // ReLU's kink is met with probability 0 for these random draws.
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return m.forward(x); }, inputs);
  }
}

TEST_CASE("ExternalAttention2d matches the PyTorch reference (goldens, BatchNorm running stats included)") {
  for (const char* name : {"external2d_f64", "external2d_f32"}) {
    INFO("golden " << name);
    testing::GoldenCase g = testing::load_attention_golden(name);
    ExternalAttention2dOptions o;
    o.S = std::stoll(g.options.at("S"));
    o.tie = g.options.at("tie");
    o.bn_eps = std::stod(g.options.at("bn_eps"));
    o.bn_momentum = std::stod(g.options.at("bn_momentum"));
    Generator gen(0);
    ExternalAttention2d m(g.dim, o, gen);
    // conv1.bias is inert (M_k·b is constant over N): its golden gradient is rounding noise.
    testing::check_against_golden(g, m, [&](const std::vector<Tensor>& in) { return m.forward(in[0]); },
                                  {"conv1.bias"});
    CHECK(max(abs(m.conv1->bias.grad())).item() == 0.0);
    CHECK_MATCHES_GOLDEN("after.conv2.1.running_mean", m.conv2->bn->running_mean, g.file.at("after.conv2.1.running_mean"));
    CHECK_MATCHES_GOLDEN("after.conv2.1.running_var", m.conv2->bn->running_var, g.file.at("after.conv2.1.running_var"));
    CHECK(m.conv2->bn->num_batches_tracked.item() == g.file.at("after.conv2.1.num_batches_tracked").item());
  }
}

TEST_CASE("ExternalAttention2d errors say why") {
  Generator gen(0);
  CHECK_THROWS_WITH_AS(ExternalAttention2d(8, {.tie = "both"}, gen), doctest::Contains("tie must be 'init' or 'shared'"),
                       Error);
  ExternalAttention2d m(8, {.S = 4}, gen);
  CHECK_THROWS_WITH_AS(m.forward(testing::randn64({1, 6, 2, 2}, 12, false)), doctest::Contains("expected input (B, 8, H, W)"),
                       Error);
}
