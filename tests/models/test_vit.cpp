// tests/models/test_vit.cpp — the §8 ViT: parameter names and the §8.2 parameter count,
// forward shapes (mean and cls pooling), the init recipe, a float64 gradcheck of a tiny ViT,
// and the cls/cos2d incompatibility.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "layers/attention/options.h"
#include "models/vit.h"
#include "support/gradcheck.h"

using namespace linattn;

TEST_CASE("the §8 ViT with softmax attention has 1,806,154 parameters and §13 names") {
  Generator gen(0);
  ViT vit(ViTOptions{}, gen);
  CHECK(vit.num_parameters() == 1806154);
  auto sd = vit.state_dict();
  // Like PyTorch, a module's own parameters come before its children's.
  CHECK(sd[0].first == "pos_embed");
  CHECK(sd[0].second.shape() == Shape{1, 64, 192});
  CHECK(sd[1].first == "patch_embed.weight");
  CHECK(sd[1].second.shape() == Shape{192, 3, 4, 4});
  CHECK(sd[3].first == "blocks.0.norm1.weight");
  CHECK(sd[5].first == "blocks.0.attn.qkv.weight");
  CHECK(sd[9].first == "blocks.0.norm2.weight");
  CHECK(sd[11].first == "blocks.0.mlp.fc1.weight");
  CHECK(sd[11].second.shape() == Shape{384, 192});
  CHECK(sd[sd.size() - 4].first == "norm.weight");
  CHECK(sd[sd.size() - 2].first == "head.weight");
  // Linear weights follow trunc_normal(.02), biases are zero.
  CHECK(std::sqrt(var(vit.blocks[0]->mlp->fc1->weight).item()) == doctest::Approx(0.02).epsilon(0.05));
  CHECK(max(abs(vit.blocks[0]->attn->state_dict()[1].second)).item() == 0.0);
}

TEST_CASE("ViT forward shapes for mean and cls pooling") {
  Generator gen(1);
  ViTOptions o{.image_size = 16, .patch = 4, .dim = 16, .depth = 2, .heads = 2, .num_classes = 5};
  ViT mean_vit(o, gen);
  Tensor img = randn({3, 3, 16, 16}, {}, &gen);
  CHECK(mean_vit.forward(img).shape() == Shape{3, 5});
  o.pool = "cls";
  ViT cls_vit(o, gen);
  CHECK(cls_vit.pos_embed.shape() == Shape{1, 17, 16});
  CHECK(cls_vit.forward(img).shape() == Shape{3, 5});
  o.attention = Cos2dOptions{};
  CHECK_THROWS_WITH_AS(ViT(o, gen), doctest::Contains("cos2d attention cannot use pool: cls"), Error);
}

TEST_CASE("a tiny ViT gradchecks end to end in float64") {
  Generator gen(2);
  ViT vit(ViTOptions{.image_size = 8, .patch = 4, .dim = 4, .depth = 1, .heads = 2, .num_classes = 3}, gen);
  vit.to(DType::F64);
  Tensor img = testing::randn64({2, 3, 8, 8}, 9);
  std::vector<Tensor> inputs{img};
  for (auto& p : vit.parameters()) inputs.push_back(p);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return vit.forward(img); }, inputs);
}
