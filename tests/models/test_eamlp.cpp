// tests/models/test_eamlp.cpp — EAMLP (models/eamlp.h): the token EA block against values
// computed in PyTorch, its tie-at-init, the stem's grids and shapes, the parameter count of the
// documented configuration, the fixed sinusoidal position encoding, the cls-token readout, the
// logits of tiny models (external and softmax blocks) with closed-form weights against
// tests/reference/eamlp_ref.py, and float64 gradchecks of the token EA and a tiny EAMLP.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>

#include "core/ops.h"
#include "models/eamlp.h"
#include "support/gradcheck.h"
#include "support/values.h"
#include "tiny_eamlp.h"

using namespace linattn;
using linattn::testing::tiny_eamlp_options;

namespace {

void set_values(const Tensor& t, const std::vector<double>& values) {
  t.copy_(from_values(values, t.shape(), {.dtype = DType::F64}));
}


// eamlp_ref.py's spot_fill_: the k-th parameter in sorted-name order, element i:
// s = sin(0.37·i + 1.3·k + 0.5); ≥2-D tensors (but cls_token) s/√(last axis), LayerNorm weights
// 1 + 0.2·s, the other 1-D tensors 0.3·s.
void spot_fill(Module& m) {
  NamedTensors params = m.named_parameters();
  std::sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t k = 0; k < params.size(); ++k) {
    const auto& [name, p] = params[k];
    const bool is_norm_weight = name.ends_with("weight") && ("." + name).find(".norm") != std::string::npos;
    std::vector<double> v(static_cast<std::size_t>(p.numel()));
    for (std::size_t i = 0; i < v.size(); ++i) {
      const double s = std::sin(0.37 * static_cast<double>(i) + 1.3 * static_cast<double>(k) + 0.5);
      if (p.dim() >= 2 && name != "cls_token") v[i] = s / std::sqrt(static_cast<double>(p.shape().back()));
      else v[i] = is_norm_weight ? 1 + 0.2 * s : 0.3 * s;
    }
    set_values(p, v);
  }
}

Tensor spot_image(const Shape& shape) {  // image[i] = sin(0.11·i)
  std::vector<double> v(static_cast<std::size_t>(numel(shape)));
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(0.11 * static_cast<double>(i));
  return from_values(v, shape, {.dtype = DType::F64});
}

}  // namespace

TEST_CASE("token external attention matches values computed in PyTorch") {
  // /usr/bin/python3: the formulas of docs/attention.md §4.3 on these weights (LayerNorms 1/0).
  Generator gen(0);
  TokenExternalAttention block(3, 2, 3, 0.1, 0.1, gen);
  block.to(DType::F64);
  block.eval();
  TokenExternalMemory& a = *block.attn;
  set_values(a.q_linear->weight, {0.3, -0.2, 0.6, 0.1, 0.4, -0.5});
  set_values(a.q_linear->bias, {0.05, -0.1});
  set_values(a.linear_0->weight, {0.5, -0.3, 0.2, 0.8, -0.6, 0.1});
  set_values(a.linear_1->weight, {0.7, -0.1, 0.3, 0.2, 0.5, -0.4});
  set_values(a.linear_1->bias, {0.01, 0.02});
  set_values(a.proj->weight, {0.9, 0.1, -0.2, 0.6});
  set_values(a.proj->bias, {0.03, -0.04});
  set_values(block.mlp->fc1->weight, {1.1, -0.5, 0.4, 0.7});
  set_values(block.mlp->fc1->bias, {0.2, -0.3});
  set_values(block.mlp->fc2->weight, {-0.8, 0.6, 0.3, 0.9});
  set_values(block.mlp->fc2->bias, {0.05, 0.15});
  Tensor x = from_values({0.5, -1.0, 0.2, 1.5, 0.25, -0.6, -0.75, 2.0, 0.9}, {1, 3, 3}, {.dtype = DType::F64});
  // q_linear → softmax over the 3 tokens → ℓ1 over the 3 slots → linear_1 → proj, + q.
  CHECK_VALUES(a.forward(x), 1e-12, {0.9341358722888973, -0.5978007295295814, 0.35624062625312325, 0.444401828317765,
                                     0.2589483215801063, 0.1352270488002129});
  // The block: attn(norm1 x), then + mlp(norm2 ·).
  CHECK_VALUES(block.forward(x), 1e-12, {-0.0891466051044754, -0.3012308669947591, 0.1639153443296793,
                                         0.6513789986863344, -0.05474448878492205, 0.198310811170273});
  // Dropout (0.1 on the attention map and after proj) acts in training mode only.
  block.train();
  CHECK(max(abs(sub(block.forward(x), block.forward(x)))).item() > 0.0);
}

TEST_CASE("token external attention ties linear_1 to linear_0 transposed at init only") {
  Generator gen(1);
  TokenExternalMemory a(27, 64, 128, 0.1, 0.1, gen);
  CHECK(a.linear_0->weight.shape() == Shape{128, 64});
  CHECK(a.linear_1->weight.shape() == Shape{64, 128});
  CHECK(!a.linear_0->bias.defined());
  CHECK(a.linear_1->bias.defined());
  CHECK(a.linear_1->weight.to_vector<float>() == transpose(a.linear_0->weight, 0, 1).to_vector<float>());
  CHECK(!a.linear_1->weight.shares_storage(a.linear_0->weight));  // two parameters: they train apart
  // In the model the tie survives T2T-ViT's re-initialization (trunc_normal on every Linear).
  EAMLPOptions o = tiny_eamlp_options(SoftmaxOptions{});
  EAMLP model(o, gen);
  for (auto& t : model.tokens_to_token->attentions) {
    const TokenExternalMemory& m = *t->attn;
    CHECK(m.linear_1->weight.to_vector<float>() == transpose(m.linear_0->weight, 0, 1).to_vector<float>());
    CHECK(std::sqrt(var(m.linear_0->weight).item()) < 0.05);  // trunc_normal(.02), not the default init
  }
  // Independent after init: gradients differ, and a write to one leaves the other alone.
  Tensor x = randn({2, 10, 27}, {}, &gen);
  sum(square(a.forward(x))).backward();
  CHECK(max(abs(sub(a.linear_1->weight.grad(), transpose(a.linear_0->weight.grad(), 0, 1)))).item() > 0.0);
  a.linear_0->weight.fill_(0.5);
  CHECK(max(abs(a.linear_1->weight)).item() < 0.5);
}

TEST_CASE("the EAMLP stem turns 32x32 images into an 8x8 grid of tokens") {
  Generator gen(2);
  EAMLPOptions o;
  o.embed_dim = 32;
  o.depth = 1;
  o.heads = 2;
  o.attention = SoftmaxOptions{};
  TokensToToken stem(o, gen);
  REQUIRE(stem.grids.size() == 3);
  CHECK(stem.grids[0].H == 32);  // k3 s1 p1: 1024 tokens of 3·3·3 = 27
  CHECK(stem.grids[1].H == 16);  // k3 s2 p1: 256 tokens of 64·3·3 = 576
  CHECK(stem.grids[2].H == 8);   // k3 s2 p1: 64 tokens of 576, projected to embed_dim
  CHECK(stem.grid.tokens() == 64);
  REQUIRE(stem.attentions.size() == 2);
  CHECK(stem.attentions[0]->attn->q_linear->weight.shape() == Shape{64, 27});
  CHECK(stem.attentions[1]->attn->q_linear->weight.shape() == Shape{64, 576});
  CHECK(stem.project->weight.shape() == Shape{32, 576});
  CHECK(stem.forward(randn({2, 3, 32, 32}, {}, &gen)).shape() == Shape{2, 64, 32});
  CHECK_THROWS_WITH_AS(stem.forward(zeros({2, 3, 16, 16})), doctest::Contains("expected images (B, 3, 32, 32)"), Error);
}

TEST_CASE("EAMLP-7 for CIFAR-10 has T2T-like names and 5,833,856 parameters") {
  // tests/reference/eamlp_ref.py: stem 245,750 (attention1 30,902, attention2 67,136, project
  // 147,712) + cls 256 + 7 × (external 533,888 + LNs 1,024 + MLP 262,912) + norm 512 + head
  // 2,570. With softmax blocks instead (attention = SoftmaxOptions{}): 3,938,816.
  Generator gen(3);
  EAMLP model(EAMLPOptions{}, gen);
  CHECK(model.num_parameters() == 5833856);
  CHECK(model.blocks[0]->attn->type() == "external");
  CHECK(model.grid.tokens() == 64);
  auto sd = model.state_dict();
  CHECK(sd[0].first == "cls_token");
  CHECK(sd[1].first == "pos_embed");  // a buffer: in the state_dict, not among the parameters
  CHECK(sd[1].second.shape() == Shape{1, 65, 256});
  CHECK(sd[2].first == "tokens_to_token.attention1.norm1.weight");
  CHECK(sd[2].second.shape() == Shape{27});
  CHECK(sd[4].first == "tokens_to_token.attention1.attn.q_linear.weight");
  CHECK(sd[6].first == "tokens_to_token.attention1.attn.linear_0.weight");
  CHECK(sd[7].first == "tokens_to_token.attention1.attn.linear_1.weight");
  CHECK(sd[8].first == "tokens_to_token.attention1.attn.linear_1.bias");
  CHECK(sd[9].first == "tokens_to_token.attention1.attn.proj.weight");
  CHECK(sd[13].first == "tokens_to_token.attention1.mlp.fc1.weight");
  CHECK(sd[17].first == "tokens_to_token.attention2.norm1.weight");
  CHECK(sd[32].first == "tokens_to_token.project.weight");
  CHECK(sd[34].first == "blocks.0.norm1.weight");
  CHECK(sd[36].first == "blocks.0.attn.trans_dims.weight");
  CHECK(sd[36].second.shape() == Shape{1024, 256});
  CHECK(sd[38].first == "blocks.0.attn.linear_0.weight");
  CHECK(sd[38].second.shape() == Shape{64, 64});  // S x d', d' = 256 / 4 heads
  CHECK(sd[sd.size() - 2].first == "head.weight");
  for (const auto& [name, p] : model.named_parameters()) CHECK(name != "pos_embed");
  // T2T-ViT init: Linear weights trunc_normal(.02), biases 0.
  CHECK(std::sqrt(var(model.tokens_to_token->project->weight).item()) == doctest::Approx(0.02).epsilon(0.05));
  CHECK(max(abs(model.tokens_to_token->attentions[0]->attn->q_linear->bias)).item() == 0.0);
  CHECK(std::sqrt(var(model.cls_token).item()) == doctest::Approx(0.02).epsilon(0.3));
}

TEST_CASE("EAMLP's position encoding is T2T-ViT's fixed sinusoid table") {
  Tensor e = sinusoid_encoding(3, 4, DType::F64);  // angle(p, j) = p / 10000^(2⌊j/2⌋/4)
  CHECK_VALUES(e, 1e-15, {0, 1, 0, 1, std::sin(1.0), std::cos(1.0), std::sin(0.01), std::cos(0.01), std::sin(2.0),
                          std::cos(2.0), std::sin(0.02), std::cos(0.02)});
  Generator gen(4);
  EAMLP model(tiny_eamlp_options(SoftmaxOptions{}), gen);
  CHECK(model.pos_embed.shape() == Shape{1, 5, 8});
  CHECK(!model.pos_embed.requires_grad());
  CHECK(model.pos_embed.to(DType::F64).to_vector<double>() ==
        sinusoid_encoding(5, 8).to(DType::F64).to_vector<double>());
}

TEST_CASE("EAMLP reads the logits out of the cls token") {
  Generator gen(5);
  EAMLP model(tiny_eamlp_options(SoftmaxOptions{}), gen);
  model.to(DType::F64);
  model.eval();
  Tensor img = testing::randn64({3, 3, 8, 8}, 6, false);
  Tensor logits = model.forward(img);
  CHECK(logits.shape() == Shape{3, 3});
  // The same pipeline by hand, reading token 0 after the final norm.
  Tensor x = model.tokens_to_token->forward(img);  // 3 x 4 x 8
  x = add(cat({expand(model.cls_token, {3, 1, 8}), x}, 1), model.pos_embed);
  for (auto& b : model.blocks) x = b->forward(x);
  x = model.norm->forward(x);
  Tensor cls = model.head->forward(reshape(narrow(x, 1, 0, 1), {3, 8}));
  Tensor other = model.head->forward(reshape(narrow(x, 1, 1, 1), {3, 8}));
  CHECK(max(abs(sub(logits, cls))).item() == 0.0);
  CHECK(max(abs(sub(logits, other))).item() > 1e-3);
  // The cls token gets a gradient; the fixed position encoding is not a parameter.
  sum(logits).backward();
  CHECK(model.cls_token.grad().defined());
}

TEST_CASE("a tiny EAMLP matches the PyTorch reference's logits") {
  // tests/reference/eamlp_ref.py: tiny (external, {'S': 6}) logits.
  Generator gen(6);
  EAMLP model(tiny_eamlp_options(ExternalOptions{.S = 6}), gen);
  model.to(DType::F64);
  model.eval();
  spot_fill(model);
  CHECK_VALUES(model.forward(spot_image({2, 3, 8, 8})), 1e-12,
               {-0.682162977952492, 0.28829296898303, -0.127155410242403, -0.682237093008313, 0.288372554070488,
                -0.127237848176139});
}

TEST_CASE("a tiny EAMLP with softmax blocks matches the PyTorch reference's logits") {
  // tests/reference/eamlp_ref.py: tiny (softmax, {}) logits.
  Generator gen(7);
  EAMLP model(tiny_eamlp_options(SoftmaxOptions{}), gen);
  model.to(DType::F64);
  model.eval();
  spot_fill(model);
  CHECK_VALUES(model.forward(spot_image({2, 3, 8, 8})), 1e-12,
               {0.0974391341264341, 0.71440203828553, -0.436624286020617, 0.0992182616370403, 0.714480751323567,
                -0.438558251099609});
}

TEST_CASE("token external attention gradchecks in float64") {
  Generator gen(8);
  TokenExternalAttention block(6, 4, 5, 0.1, 0.1, gen);
  block.to(DType::F64);
  block.eval();
  std::uint64_t seed = 9;
  for (auto& p : block.parameters()) set_values(p, testing::randn64(p.shape(), seed++, false).to_vector<double>());
  Tensor x = testing::randn64({2, 7, 6}, 10);
  std::vector<Tensor> inputs{x};
  for (auto& p : block.parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return block.forward(x); }, inputs);
}

TEST_CASE("a tiny EAMLP gradchecks end to end in float64") {
  Generator gen(11);
  EAMLPOptions o = tiny_eamlp_options(ExternalOptions{.S = 3});
  o.in_channels = 1;
  o.token_dim = 3;
  o.token_memory = 4;
  o.depth = 1;
  EAMLP model(o, gen);
  model.to(DType::F64);
  model.eval();
  spot_fill(model);  // O(1) weights: trunc_normal(.02) would leave the gradients tiny
  Tensor img = testing::randn64({2, 1, 8, 8}, 12);
  std::vector<Tensor> inputs{img};
  for (auto& p : model.parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return model.forward(img); }, inputs);
}

TEST_CASE("EAMLP options that do not fit are errors that say why") {
  Generator gen(13);
  EAMLPOptions o = tiny_eamlp_options(Cos2dOptions{});
  CHECK_THROWS_WITH_AS(EAMLP(o, gen), doctest::Contains("cos2d attention cannot run on EAMLP's tokens"), Error);
  o = tiny_eamlp_options(SoftmaxOptions{});
  o.soft_splits = {{3, 2, 1}, {3, 2, 1}, {3, 2, 1}, {5, 1, 0}};  // 8 → 4 → 2 → 1, then k5 on 1×1
  CHECK_THROWS_WITH_AS(EAMLP(o, gen), doctest::Contains("soft split 3 (kernel 5, stride 1, padding 0) does not fit"),
                       Error);
  o = tiny_eamlp_options(SoftmaxOptions{});
  o.heads = 3;
  CHECK_THROWS_WITH_AS(EAMLP(o, gen), doctest::Contains("embed_dim 8 must be positive and divisible by heads 3"), Error);
}
