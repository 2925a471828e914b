// tests/layers/test_linformer_attention.cpp — Linformer attention (docs/attention.md §5): parameter
// names, shapes and defaults (§13, §5.6), float64 gradchecks (self, N < seq_len, kv sharing,
// cross), the §5.7 identities (E = F = I with zero biases is softmax MHA, batch independence,
// rows of A summing to 1 over proj_k), the first-N-columns rule, kv sharing, the public-layout
// bug mode (an explicit index-by-index emulation of §5.4, and that it mixes samples, §10 #11b),
// PyTorch goldens and option errors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "layers/attention/attention.h"
#include "layers/attention/linformer.h"
#include "layers/attention/softmax.h"
#include "support/attention_golden.h"
#include "support/gradcheck.h"

using namespace linattn;

namespace {
std::shared_ptr<LinformerAttention> make(std::int64_t dim, std::int64_t heads, std::map<std::string, std::string> opts,
                                         Grid grid = {}, std::uint64_t seed = 0) {
  Generator gen(seed);
  opts["heads"] = std::to_string(heads);
  auto layer = make_attention(parse_attention_options("linformer", opts), dim, grid, gen);
  layer->to(DType::F64);
  auto lf = std::dynamic_pointer_cast<LinformerAttention>(layer);
  REQUIRE(lf != nullptr);
  return lf;
}

void randomize_biases(Module& m, std::uint64_t seed) {
  NoGradGuard no_grad;
  for (auto& [name, p] : m.named_parameters())
    if (p.dim() == 1) p.copy_(mul(testing::randn64(p.shape(), seed++, false), 0.5));
}

double max_abs_diff(const Tensor& a, const Tensor& b) { return max(abs(sub(a, b))).item(); }

std::vector<Tensor> with_params(std::vector<Tensor> inputs, const Module& m) {
  for (auto& p : m.parameters()) inputs.push_back(p);
  return inputs;
}
}  // namespace

TEST_CASE("linformer attention has the spec's parameter names, shapes and defaults") {
  Generator gen(0);
  auto layer = make_attention(parse_attention_options("linformer", {{"heads", "2"}}), 16, {4, 4}, gen);
  CHECK(layer->type() == "linformer");
  CHECK(layer->supports_cross());
  auto* lf = dynamic_cast<LinformerAttention*>(layer.get());
  REQUIRE(lf != nullptr);
  CHECK(lf->seq_len == 16);  // the grid's H·W
  CHECK(lf->proj_k == 8);    // min(128, seq_len / 2)
  auto sd = layer->state_dict();
  const std::vector<std::pair<std::string, Shape>> expected{
      {"in_proj_weight", {48, 16}}, {"in_proj_bias", {48}}, {"E", {8, 16}},          {"F", {8, 16}},
      {"bias_e", {8}},              {"bias_f", {8}},        {"out_proj.weight", {16, 16}}, {"out_proj.bias", {16}}};
  REQUIRE(sd.size() == expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(sd[i].first == expected[i].first);
    CHECK(sd[i].second.shape() == expected[i].second);
  }
  CHECK(max(abs(lf->in_proj_bias)).item() == 0.0);
  CHECK(max(abs(lf->out_proj->bias)).item() == 0.0);
  CHECK(max(abs(lf->E)).item() <= std::sqrt(6.0 / 24.0));  // xavier_uniform bound
  // kv sharing drops F; a large grid caps proj_k at 128.
  Generator gen2(0);
  auto kv = make_attention(parse_attention_options("linformer", {{"heads", "2"}, {"sharing", "kv"}}), 16, {32, 32}, gen2);
  auto* lkv = dynamic_cast<LinformerAttention*>(kv.get());
  REQUIRE(lkv != nullptr);
  CHECK(lkv->proj_k == 128);
  CHECK_FALSE(lkv->F.defined());
  CHECK(kv->state_dict().size() == 7);
}

TEST_CASE("linformer attention gradcheck (self, N < seq_len, kv sharing, cross)") {
  for (const char* sharing : {"none", "kv"}) {
    INFO("sharing " << sharing);
    auto layer = make(6, 2, {{"seq_len", "7"}, {"proj_k", "3"}, {"sharing", sharing}}, {}, 1);
    randomize_biases(*layer, 10);
    Tensor x = testing::randn64({2, 7, 6}, 3);
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward(x); }, with_params({x}, *layer));
    Tensor xs = testing::randn64({2, 5, 6}, 4);  // N = 5 < seq_len = 7
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward(xs); }, with_params({xs}, *layer));
    Tensor q = testing::randn64({2, 4, 6}, 5), m = testing::randn64({2, 6, 6}, 6);
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return layer->forward_cross(q, m); }, with_params({q, m}, *layer));
  }
}

TEST_CASE("linformer with proj_k = N, E = F = I and zero biases is softmax MHA (§10 #10)") {
  const std::int64_t C = 8, N = 5;
  auto lf = make(C, 2, {{"seq_len", "5"}, {"proj_k", "5"}}, {}, 2);
  Generator gen(3);
  auto sm = make_attention(parse_attention_options("softmax", {{"heads", "2"}}), C, {}, gen);
  sm->to(DType::F64);
  auto* s = dynamic_cast<SoftmaxAttention*>(sm.get());
  REQUIRE(s != nullptr);
  {
    NoGradGuard no_grad;
    randomize_biases(*lf, 20);  // in_proj and out_proj biases non-zero ...
    Tensor eye = zeros({N, N}, {.dtype = DType::F64});
    for (std::int64_t i = 0; i < N; ++i) eye.data<double>()[i * N + i] = 1.0;
    lf->E.copy_(eye);
    lf->F.copy_(eye);
    lf->bias_e.zero_();  // ... but the slot biases are zero
    lf->bias_f.zero_();
    s->qkv->weight.copy_(lf->in_proj_weight);
    s->qkv->bias.copy_(lf->in_proj_bias);
    s->proj->weight.copy_(lf->out_proj->weight);
    s->proj->bias.copy_(lf->out_proj->bias);
  }
  Tensor x = testing::randn64({2, N, C}, 7, false);
  CHECK(max_abs_diff(lf->forward(x), sm->forward(x)) < 1e-14);
  Tensor q = testing::randn64({2, 3, C}, 8, false);
  CHECK(max_abs_diff(lf->forward_cross(q, x), sm->forward_cross(q, x)) < 1e-14);
}

TEST_CASE("linformer: rows of A sum to 1 over proj_k, batches are independent, N < seq_len uses E[:, :N]") {
  auto layer = make(8, 2, {{"seq_len", "10"}, {"proj_k", "4"}}, {}, 4);
  randomize_biases(*layer, 30);
  Tensor x = testing::randn64({2, 6, 8}, 9, false);
  Tensor a = layer->attention(x, x);
  CHECK(a.shape() == Shape{2, 2, 6, 4});
  CHECK(max(abs(sub(sum(a, {-1}), 1.0))).item() < 1e-14);
  // Batch independence (§10 #11): changing sample 1 leaves sample 0 unchanged.
  Tensor y = layer->forward(x);
  Tensor x2 = cat({narrow(x, 0, 0, 1), testing::randn64({1, 6, 8}, 10, false)}, 0);
  CHECK(max_abs_diff(narrow(layer->forward(x2), 0, 0, 1), narrow(y, 0, 0, 1)) <= 1e-15);
  // A layer with seq_len = 6 holding the first 6 columns of E and F computes the same.
  auto short_layer = make(8, 2, {{"seq_len", "6"}, {"proj_k", "4"}}, {}, 5);
  NamedTensors sd = layer->state_dict();
  for (auto& [name, t] : sd)
    if (name == "E" || name == "F") t = narrow(t, 1, 0, 6);
  short_layer->load_state_dict(sd);
  CHECK(max_abs_diff(short_layer->forward(x), y) < 1e-15);
}

TEST_CASE("linformer: kv sharing equals separate projections with F = E") {
  auto kv = make(8, 2, {{"seq_len", "6"}, {"proj_k", "3"}, {"sharing", "kv"}}, {}, 6);
  auto none = make(8, 2, {{"seq_len", "6"}, {"proj_k", "3"}}, {}, 7);
  randomize_biases(*kv, 40);
  NamedTensors sd = kv->state_dict();
  sd.emplace_back("F", kv->E.detach());
  none->load_state_dict(sd);
  Tensor x = testing::randn64({2, 6, 8}, 11, false);
  CHECK(max_abs_diff(kv->forward(x), none->forward(x)) < 1e-15);
}

TEST_CASE("linformer: the public-layout bug mode reproduces §5.4 and mixes samples (§10 #11b)") {
  const std::int64_t B = 2, N = 5, C = 6, h = 2, d = 3, k = 4;
  auto bug = make(C, h, {{"seq_len", "5"}, {"proj_k", "4"}, {"emulate_public_layout_bug", "true"}}, {}, 8);
  randomize_biases(*bug, 50);
  Tensor x = testing::randn64({B, N, C}, 12, false);
  // Explicit emulation: K̃ (B, k, C) laid out as the (B, C, k) buffer, read as (k, B·h, d).
  auto scrambled = [&](const Tensor& weight_rows, const Tensor& bias_rows, const Tensor& P, const Tensor& slot_bias) {
    Tensor t = add(bmm(P, linear(x, weight_rows, bias_rows)), reshape(slot_bias, {k, 1}));  // B x k x C
    std::vector<double> buf = transpose(t, 1, 2).to_vector<double>();                       // B x C x k, flat
    std::vector<double> out(static_cast<std::size_t>(B * h * k * d));
    for (std::int64_t b = 0; b < B; ++b)
      for (std::int64_t hh = 0; hh < h; ++hh)
        for (std::int64_t r = 0; r < k; ++r)
          for (std::int64_t l = 0; l < d; ++l)
            out[static_cast<std::size_t>(((b * h + hh) * k + r) * d + l)] =
                buf[static_cast<std::size_t>(r * (B * C) + (b * h + hh) * d + l)];
    return from_values(out, {B, h, k, d}, {.dtype = DType::F64});
  };
  Tensor W = bug->in_proj_weight.detach(), bias = bug->in_proj_bias.detach();
  Tensor kt = scrambled(narrow(W, 0, C, C), narrow(bias, 0, C, C), bug->E.detach(), bug->bias_e.detach());
  Tensor vt = scrambled(narrow(W, 0, 2 * C, C), narrow(bias, 0, 2 * C, C), bug->F.detach(), bug->bias_f.detach());
  Tensor q = mul(linear(x, narrow(W, 0, 0, C), narrow(bias, 0, 0, C)), 1.0 / std::sqrt(static_cast<double>(d)));
  Tensor qh = permute(reshape(q, {B, N, h, d}), {0, 2, 1, 3});
  Tensor a = softmax(bmm(qh, kt, false, true), -1);
  CHECK(max_abs_diff(bug->attention(x, x), a) < 1e-14);
  Tensor o = reshape(permute(bmm(a, vt), {0, 2, 1, 3}), {B, N, C});
  CHECK(max_abs_diff(bug->forward(x), bug->out_proj->forward(o)) < 1e-14);
  // Sample 0 depends on sample 1 in this mode.
  Tensor x2 = cat({narrow(x, 0, 0, 1), testing::randn64({1, N, C}, 13, false)}, 0);
  CHECK(max_abs_diff(narrow(bug->forward(x2), 0, 0, 1), narrow(bug->forward(x), 0, 0, 1)) > 1e-3);
}

TEST_CASE("linformer attention matches the PyTorch reference (goldens)") {
  for (const char* name : {"linformer_f64", "linformer_f32", "linformer_short_f64", "linformer_kv_f64",
                           "linformer_cross_f64", "linformer_cross_f32"}) {
    INFO("golden " << name);
    testing::check_registry_layer_golden(name);
  }
}

TEST_CASE("linformer option errors say why") {
  Generator gen(0);
  auto layer = make(8, 2, {{"seq_len", "4"}, {"proj_k", "2"}});
  CHECK_THROWS_WITH_AS(layer->forward(testing::randn64({1, 5, 8}, 14, false)),
                       doctest::Contains("5 key tokens exceed seq_len = 4"), Error);
  CHECK_THROWS_WITH_AS(layer->forward_cross(testing::randn64({1, 2, 8}, 15, false), testing::randn64({1, 6, 8}, 16, false)),
                       doctest::Contains("6 key tokens exceed seq_len = 4"), Error);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("linformer", {{"heads", "3"}}), 8, {2, 2}, gen),
                       doctest::Contains("dim 8 is not divisible by heads 3"), Error);
  CHECK_THROWS_WITH_AS(parse_attention_options("linformer", {{"sharing", "layerwise"}}),
                       doctest::Contains("'sharing' must be one of none, kv"), Error);
  LinformerOptions bad;
  bad.heads = 2;
  bad.sharing = "headwise";
  CHECK_THROWS_WITH_AS(LinformerAttention(8, bad, {2, 2}, gen), doctest::Contains("sharing must be 'none' or 'kv'"), Error);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("linformer", {{"heads", "2"}}), 8, {}, gen),
                       doctest::Contains("seq_len is not set"), Error);
  CHECK_THROWS_WITH_AS(make_attention(parse_attention_options("linformer", {{"heads", "2"}, {"seq_len", "1"}}), 8, {}, gen),
                       doctest::Contains("set proj_k explicitly"), Error);
}
