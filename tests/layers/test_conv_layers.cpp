// tests/layers/test_conv_layers.cpp — Conv2d, PatchEmbed, BatchNorm2d, pooling modules and
// the 2-D sine position encoding: shapes, values, names and float64 gradients.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "core/ops/conv.h"
#include "layers/batch_norm.h"
#include "layers/patch_embed.h"
#include "layers/pool.h"
#include "layers/position.h"
#include "support/gradcheck.h"

using namespace linattn;

TEST_CASE("PatchEmbed turns images into row-major tokens and gradchecks") {
  Generator gen(0);
  PatchEmbed pe(3, 8, 4, gen);
  CHECK(pe.state_dict()[0].first == "weight");
  CHECK(pe.weight.shape() == Shape{8, 3, 4, 4});
  Tensor img = randn({2, 3, 8, 12}, {}, &gen);
  Tensor tok = pe.forward(img);
  CHECK(tok.shape() == Shape{2, 6, 8});
  // Token n = i·W + j is the conv output at (i, j).
  Tensor maps = conv2d(img, pe.weight, pe.bias, {.stride = {4, 4}});
  CHECK(tok.at({1, 4, 3}) == doctest::Approx(maps.at({1, 3, 1, 1})));
  CHECK(pe.grid_for(32, 32).tokens() == 64);
  CHECK_THROWS_WITH_AS(pe.forward(randn({1, 3, 10, 12})), doctest::Contains("not a multiple of the patch size 4"), Error);
  pe.to(DType::F64);
  Tensor x = testing::randn64({1, 3, 4, 8}, 5);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return pe.forward(x); }, {x, pe.weight, pe.bias});
}

TEST_CASE("BatchNorm2d tracks running statistics and batches") {
  BatchNorm2d bn(2, 0.5);
  auto names = bn.state_dict();
  CHECK(names.size() == 5);
  CHECK(names[4].first == "num_batches_tracked");
  Tensor x = from_values({1, 3, 10, 30, 5, 7, 20, 40}, {2, 2, 2, 1});  // channel 0: 1,3,5,7 ; channel 1: 10,30,20,40
  bn.forward(x);
  CHECK(bn.num_batches_tracked.item() == 1);
  CHECK(bn.running_mean.at({0}) == doctest::Approx(0.5 * 4.0));
  CHECK(bn.running_mean.at({1}) == doctest::Approx(0.5 * 25.0));
  CHECK(bn.running_var.at({0}) == doctest::Approx(0.5 + 0.5 * (20.0 / 3.0)));  // unbiased var of 1,3,5,7
  bn.eval();
  bn.forward(x);
  CHECK(bn.num_batches_tracked.item() == 1);
}

TEST_CASE("pooling modules wrap the ops") {
  Tensor x = arange(0.0, 16.0, 1.0, {.dtype = DType::F32});
  x = reshape(x, {1, 1, 4, 4});
  CHECK(MaxPool2d({2, 2}).forward(x).to_vector<float>() == std::vector<float>{5, 7, 13, 15});
  CHECK(AvgPool2d({2, 2}).forward(x).to_vector<float>() == std::vector<float>{2.5, 4.5, 10.5, 12.5});
}

TEST_CASE("sine_position_2d follows DETR's PositionEmbeddingSine") {
  const std::int64_t H = 3, W = 4, C = 8;
  Tensor pos = sine_position_2d(H, W, C, {}, Tensor(), DType::F64);
  CHECK(pos.shape() == Shape{H * W, C});
  // Token (i=1, j=2): y = 2/3·2π, x = 3/4·2π (cumulative counts normalized, eps 1e-6).
  double y = 2.0 / (3.0 + 1e-6) * 2 * M_PI, x = 3.0 / (4.0 + 1e-6) * 2 * M_PI;
  std::int64_t n = 1 * W + 2;
  CHECK(pos.at({n, 0}) == doctest::Approx(std::sin(y)));
  CHECK(pos.at({n, 1}) == doctest::Approx(std::cos(y)));
  CHECK(pos.at({n, 2}) == doctest::Approx(std::sin(y / std::pow(10000.0, 2.0 / 4))));
  CHECK(pos.at({n, 4}) == doctest::Approx(std::sin(x)));
  CHECK(pos.at({n, 7}) == doctest::Approx(std::cos(x / std::pow(10000.0, 2.0 / 4))));
  // A padded column shifts the normalization: with the last column padded, x counts to 3.
  std::vector<double> m(static_cast<std::size_t>(H * W), 0.0);
  for (std::int64_t i = 0; i < H; ++i) m[static_cast<std::size_t>(i * W + 3)] = 1.0;
  Tensor padded = sine_position_2d(H, W, C, {}, from_values(m, {1, H, W}), DType::F64);
  CHECK(padded.shape() == Shape{1, H * W, C});
  double x2 = 3.0 / (3.0 + 1e-6) * 2 * M_PI;
  CHECK(padded.at({0, n, 4}) == doctest::Approx(std::sin(x2)));
  CHECK_THROWS_AS(sine_position_2d(2, 2, 7), Error);
}
