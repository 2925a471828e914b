// tests/layers/test_softmax_attention.cpp — softmax MHSA (docs/attention.md §1): parameter names,
// float64 gradcheck of input and parameters (self and cross), rows of A summing to 1 (constant
// V passes through), permutation equivariance, batch independence, PyTorch goldens (which the
// reference checks equal nn.MultiheadAttention, §10 #12), and option errors.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "layers/attention/attention.h"
#include "layers/attention/softmax.h"
#include "support/attention_golden.h"
#include "support/gradcheck.h"

using namespace linattn;

namespace {
std::shared_ptr<Attention> make(std::int64_t dim, std::int64_t heads, std::uint64_t seed = 0) {
  Generator gen(seed);
  auto layer = make_attention(parse_attention_options("softmax", {{"heads", std::to_string(heads)}}), dim, {2, 3}, gen);
  layer->to(DType::F64);
  return layer;
}
}  // namespace

TEST_CASE("softmax attention has the spec's parameter names and shapes") {
  auto layer = make(8, 2);
  auto sd = layer->state_dict();
  REQUIRE(sd.size() == 4);
  CHECK(sd[0].first == "qkv.weight");
  CHECK(sd[0].second.shape() == Shape{24, 8});
  CHECK(sd[1].first == "qkv.bias");
  CHECK(sd[2].first == "proj.weight");
  CHECK(sd[3].first == "proj.bias");
  CHECK(layer->type() == "softmax");
}

TEST_CASE("softmax attention gradcheck (self and cross)") {
  auto layer = make(6, 2, 1);
  Tensor x = testing::randn64({2, 5, 6}, 3);
  std::vector<Tensor> inputs{x};
  for (auto& p : layer->parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward(x); }, inputs);
  Tensor q = testing::randn64({2, 3, 6}, 4), m = testing::randn64({2, 7, 6}, 5);
  inputs = {q, m};
  for (auto& p : layer->parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward_cross(q, m); }, inputs);
}

TEST_CASE("softmax attention: constant values pass through, permutations commute, batches are independent") {
  auto layer = make(4, 2, 2);
  // With q·k arbitrary but V constant over tokens, A·V = V: the output is proj(v) at every token.
  Tensor x = testing::randn64({1, 6, 4}, 6, false);
  Tensor y = layer->forward(x);
  // Permutation equivariance: reversing the tokens reverses the output.
  std::vector<double> idx{5, 4, 3, 2, 1, 0};
  Tensor perm = from_values(idx, {6}, {.dtype = DType::I64});
  Tensor y_perm = layer->forward(index_select(x, 1, perm));
  CHECK(max(abs(sub(y_perm, index_select(y, 1, perm)))).item() < 1e-14);
  // Batch independence: changing sample 1 leaves sample 0 alone.
  Tensor pair = cat({x, testing::randn64({1, 6, 4}, 7, false)}, 0);
  Tensor pair2 = cat({x, testing::randn64({1, 6, 4}, 8, false)}, 0);
  CHECK(max(abs(sub(narrow(layer->forward(pair), 0, 0, 1), narrow(layer->forward(pair2), 0, 0, 1)))).item() == 0.0);
  // Constant V: set W_v = 0 and b_v = c, so every token's value is c.
  NoGradGuard no_grad;
  auto* sm = dynamic_cast<SoftmaxAttention*>(layer.get());
  REQUIRE(sm != nullptr);
  Tensor w = sm->qkv->weight.clone(), b = sm->qkv->bias.clone();
  auto wv = w.data<double>(), bv = b.data<double>();
  for (std::int64_t r = 8; r < 12; ++r) {
    for (std::int64_t c = 0; c < 4; ++c) wv[r * 4 + c] = 0.0;
    bv[r] = 0.25 * static_cast<double>(r);
  }
  sm->qkv->weight.copy_(w);
  sm->qkv->bias.copy_(b);
  Tensor out = layer->forward(x);
  Tensor expected = linear(from_values({2.0, 2.25, 2.5, 2.75}, {1, 1, 4}, {.dtype = DType::F64}), sm->proj->weight, sm->proj->bias);
  CHECK(max(abs(sub(out, expand(expected, out.shape())))).item() < 1e-14);
}

TEST_CASE("softmax attention matches the PyTorch reference (goldens)") {
  for (const char* name : {"softmax_f64", "softmax_f32", "softmax_cross_f64", "softmax_cross_f32"}) {
    INFO("golden " << name);
    testing::check_registry_layer_golden(name);
  }
}

TEST_CASE("softmax attention option errors say why") {
  Generator gen(0);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("softmax", {{"heads", "3"}}), 8, {}, gen),
                       doctest::Contains("dim 8 is not divisible by heads 3"), Error);
  CHECK_THROWS_WITH_AS(parse_attention_options("softmax", {{"proj_k", "3"}}), doctest::Contains("unknown option 'proj_k'"), Error);
  CHECK_THROWS_WITH_AS(parse_attention_options("softmaxx", {}), doctest::Contains("valid: softmax, cos2d"), Error);
}
