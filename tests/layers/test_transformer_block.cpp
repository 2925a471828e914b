// tests/layers/test_transformer_block.cpp — the encoder and decoder blocks of
// layers/transformer_block.h: parameter names (the ViT's blocks.i.* and the decoder's), pre- and
// post-norm equal to their formulas written out with the blocks' own children, float64
// gradchecks of both blocks in both placements (the decoder with and without a key padding
// mask and query positions), padded memory not reaching the decoder's output, the shared
// attention fix-ups (heads, Linformer's seq_len with a cls token, the cos2d/cls refusal) and the
// shared init.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "layers/attention/options.h"
#include "layers/attention/softmax.h"
#include "layers/init.h"
#include "layers/linear.h"
#include "layers/transformer_block.h"
#include "support/gradcheck.h"

using namespace linattn;
using testing::randn64;

namespace {

constexpr std::int64_t kC = 6, kHidden = 8;

std::shared_ptr<EncoderBlock> encoder(NormPlacement norm, std::uint64_t seed = 0) {
  Generator gen(seed);
  auto block = std::make_shared<EncoderBlock>(
      EncoderBlockOptions{.dim = kC, .hidden = kHidden, .attention = SoftmaxOptions{.heads = 2}, .norm = norm}, gen);
  block->to(DType::F64);
  return block;
}

std::shared_ptr<DecoderBlock> decoder(NormPlacement norm, const AttentionOptions& cross, std::uint64_t seed = 0) {
  Generator gen(seed);
  auto block = std::make_shared<DecoderBlock>(DecoderBlockOptions{.dim = kC, .hidden = kHidden,
                                                                  .self_attention = SoftmaxOptions{.heads = 2},
                                                                  .cross_attention = cross, .norm = norm},
                                              gen);
  block->to(DType::F64);
  return block;
}

std::vector<std::string> names_of(const Module& m) {
  std::vector<std::string> out;
  for (const auto& [name, t] : m.named_parameters()) out.push_back(name);
  return out;
}

// (B, S) = (2, 5) padding mask: sample 0 pads its last key, sample 1 its first two.
Tensor padding_mask() { return from_values({0, 0, 0, 0, 1, 1, 1, 0, 0, 0}, {2, 5}, {.dtype = DType::F64}); }

}  // namespace

TEST_CASE("encoder block: the ViT's parameter names") {
  auto block = encoder(NormPlacement::Pre);
  CHECK(names_of(*block) == std::vector<std::string>{"norm1.weight", "norm1.bias", "attn.qkv.weight", "attn.qkv.bias",
                                                     "attn.proj.weight", "attn.proj.bias", "norm2.weight",
                                                     "norm2.bias", "mlp.fc1.weight", "mlp.fc1.bias", "mlp.fc2.weight",
                                                     "mlp.fc2.bias"});
}

TEST_CASE("encoder block: pre- and post-norm follow their formulas") {
  Tensor x = randn64({2, 4, kC}, 1, false);
  auto pre = encoder(NormPlacement::Pre, 2);
  Tensor h = add(x, pre->attn->forward(pre->norm1->forward(x)));
  CHECK(max(abs(sub(pre->forward(x), add(h, pre->mlp->forward(pre->norm2->forward(h)))))).item() == 0.0);
  auto post = encoder(NormPlacement::Post, 2);
  h = post->norm1->forward(add(x, post->attn->forward(x)));
  CHECK(max(abs(sub(post->forward(x), post->norm2->forward(add(h, post->mlp->forward(h)))))).item() == 0.0);
  CHECK(max(abs(sub(pre->forward(x), post->forward(x)))).item() > 1e-3);  // the placements differ
}

TEST_CASE("encoder block gradcheck, pre- and post-norm") {
  for (auto norm : {NormPlacement::Pre, NormPlacement::Post}) {
    CAPTURE(norm == NormPlacement::Pre);
    auto block = encoder(norm, 3);
    Tensor x = randn64({2, 4, kC}, 4);
    std::vector<Tensor> inputs{x};
    for (auto& p : block->parameters()) inputs.push_back(p);
    CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return block->forward(x); }, inputs);
  }
}

TEST_CASE("decoder block: parameter names and the cross-attention type check") {
  auto block = decoder(NormPlacement::Pre, SoftmaxOptions{.heads = 2});
  auto names = names_of(*block);
  CHECK(names.front() == "self_attn.qkv.weight");
  CHECK(std::find(names.begin(), names.end(), "cross_attn.qkv.weight") != names.end());
  CHECK(std::find(names.begin(), names.end(), "norm3.weight") != names.end());
  CHECK(names.back() == "norm3.bias");
  Generator gen(0);
  CHECK_THROWS_WITH_AS(DecoderBlock(DecoderBlockOptions{.dim = kC, .hidden = kHidden,
                                                        .self_attention = SoftmaxOptions{.heads = 2},
                                                        .cross_attention = ExternalOptions{.heads = 2}},
                                    gen),
                       doctest::Contains("'external' does not support cross-attention"), Error);
}

TEST_CASE("decoder block: pre- and post-norm follow their formulas, keys and values apart") {
  Tensor t = randn64({2, 3, kC}, 5, false), k = randn64({2, 5, kC}, 6, false), v = randn64({2, 5, kC}, 7, false);
  Tensor pos = randn64({2, 3, kC}, 8, false), mask = padding_mask();
  auto pre = decoder(NormPlacement::Pre, SoftmaxOptions{.heads = 2}, 9);
  Tensor u = pre->norm1->forward(t);
  Tensor x = add(t, pre->self_attn->forward_cross(add(u, pos), add(u, pos), u));
  x = add(x, pre->cross_attn->forward_cross(add(pre->norm2->forward(x), pos), k, v, mask));
  x = add(x, pre->mlp->forward(pre->norm3->forward(x)));
  CHECK(max(abs(sub(pre->forward(t, k, v, mask, pos), x))).item() == 0.0);
  auto post = decoder(NormPlacement::Post, SoftmaxOptions{.heads = 2}, 9);
  x = post->norm1->forward(add(t, post->self_attn->forward(t)));
  x = post->norm2->forward(add(x, post->cross_attn->forward_cross(x, k, v)));
  x = post->norm3->forward(add(x, post->mlp->forward(x)));
  CHECK(max(abs(sub(post->forward(t, k, v), x))).item() == 0.0);
}

TEST_CASE("decoder block gradcheck: pre/post-norm, with and without a mask, every cross type") {
  for (const std::string cross : {"softmax", "linformer", "efficient"}) {
    for (auto norm : {NormPlacement::Pre, NormPlacement::Post}) {
      for (bool masked : {false, true}) {
        CAPTURE(cross);
        CAPTURE(norm == NormPlacement::Pre);
        CAPTURE(masked);
        std::map<std::string, std::string> o{{"heads", "2"}};
        if (cross == "linformer") o["seq_len"] = "5", o["proj_k"] = "3";
        auto block = decoder(norm, parse_attention_options(cross, o), 10);
        Tensor t = randn64({2, 3, kC}, 11), k = randn64({2, 5, kC}, 12), v = randn64({2, 5, kC}, 13);
        Tensor pos = masked ? randn64({2, 3, kC}, 14, false) : Tensor();  // query positions with the mask case
        Tensor mask = masked ? padding_mask() : Tensor();
        std::vector<Tensor> inputs{t, k, v};
        for (auto& p : block->parameters()) inputs.push_back(p);
        CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return block->forward(t, k, v, mask, pos); }, inputs);
      }
    }
  }
}

TEST_CASE("decoder block: padded memory does not reach the output") {
  auto block = decoder(NormPlacement::Pre, SoftmaxOptions{.heads = 2}, 15);
  Tensor t = randn64({2, 3, kC}, 16, false), k = randn64({2, 5, kC}, 17, false), v = randn64({2, 5, kC}, 18, false);
  Tensor padded = reshape(padding_mask(), {2, 5, 1});
  Tensor k2 = where(padded, randn64({2, 5, kC}, 19, false), k), v2 = where(padded, randn64({2, 5, kC}, 20, false), v);
  CHECK(max(abs(sub(block->forward(t, k, v, padding_mask()), block->forward(t, k2, v2, padding_mask())))).item() <=
        1e-14);
  CHECK(max(abs(sub(block->forward(t, k, v), block->forward(t, k2, v2)))).item() > 1e-3);
}

TEST_CASE("decoder block: query positions need a self-attention that takes keys and values apart") {
  Generator gen(0);
  DecoderBlock block(DecoderBlockOptions{.dim = kC, .hidden = kHidden, .self_attention = ExternalOptions{.heads = 2},
                                         .cross_attention = SoftmaxOptions{.heads = 2}},
                     gen);
  Tensor t = randn64({1, 3, kC}, 1, false).to(DType::F32), m = randn64({1, 4, kC}, 2, false).to(DType::F32);
  CHECK(block.forward(t, m, m).shape() == Shape{1, 3, kC});  // without positions: forward(x)
  CHECK_THROWS_WITH_AS(block.forward(t, m, m, Tensor(), t), doctest::Contains("'external' does not"), Error);
}

TEST_CASE("encoder_attention_options: heads, Linformer's cls token, the cos2d refusal") {
  const AttentionSite site{.dim = 8, .heads = 4, .grid = {2, 3}, .cls_token = true};
  AttentionOptions lin = encoder_attention_options(LinformerOptions{}, site, "M", "x", "y");
  CHECK(lin.get<LinformerOptions>().heads == 4);
  CHECK(lin.get<LinformerOptions>().seq_len == 7);  // 2·3 grid cells + the cls token
  CHECK(encoder_attention_options(LinformerOptions{.seq_len = 9}, site, "M", "x", "y").get<LinformerOptions>().seq_len ==
        9);
  CHECK(encoder_attention_options(AdditiveOptions{}, site, "M", "x", "y") == AttentionOptions(AdditiveOptions{}));
  CHECK_THROWS_WITH_AS(encoder_attention_options(Cos2dOptions{}, site, "Model", "cannot use pool: cls", "use mean"),
                       doctest::Contains("Model: cos2d attention cannot use pool: cls — the cls token has no grid "
                                         "position (docs/attention.md §3.3). ---> HINT: use mean"),
                       Error);
  AttentionSite no_cls = site;
  no_cls.cls_token = false;
  CHECK(encoder_attention_options(Cos2dOptions{}, no_cls, "M", "x", "y").get<Cos2dOptions>().heads == 4);
}

TEST_CASE("init_transformer_weights: every Linear trunc_normal(.02) with bias 0, LayerNorm 1/0") {
  auto block = encoder(NormPlacement::Pre, 21);
  NoGradGuard no_grad;
  block->norm1->weight.copy_(full({kC}, 3.0, {.dtype = DType::F64}));
  Generator gen(22);
  init_transformer_weights(*block, gen);
  CHECK(max(abs(sub(block->norm1->weight, 1.0))).item() == 0.0);
  CHECK(max(abs(block->mlp->fc1->bias)).item() == 0.0);
  // Module order, parents first: attn.qkv is the first Linear, so it takes the first draws.
  Generator same(22);
  Tensor expected = zeros({3 * kC, kC}, {.dtype = DType::F64});
  init::trunc_normal_(expected, 0.02, same);
  auto qkv = std::dynamic_pointer_cast<SoftmaxAttention>(block->attn)->qkv;
  CHECK(max(abs(sub(qkv->weight, expected))).item() == 0.0);
  CHECK(max(abs(qkv->bias)).item() == 0.0);
}
