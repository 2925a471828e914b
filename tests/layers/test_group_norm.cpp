// tests/layers/test_group_norm.cpp — GroupNorm (layers/group_norm.h): values worked by hand,
// agreement with a per-(sample, group) loop at a larger size, the 3-D and 4-D layouts, the
// channel check, and a float64 gradcheck of x, weight and bias.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "layers/group_norm.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;

TEST_CASE("GroupNorm normalizes each (sample, group) and applies the per-channel affine") {
  GroupNorm gn(2, 4);
  CHECK(gn.state_dict().size() == 2);
  CHECK(gn.state_dict()[0].first == "weight");
  CHECK(gn.state_dict()[1].first == "bias");
  CHECK(gn.weight.to_vector<float>() == std::vector<float>{1, 1, 1, 1});
  gn.weight.copy_(from_values({1, 2, -1, 0.5}, {4}));
  gn.bias.copy_(from_values({0, 1, 0, -1}, {4}));
  // x (1, 4, 1, 2): group 0 = channels 0, 1 = {1, 3, 5, 7} (mean 4, variance 5); group 1 =
  // channels 2, 3 = {2, 2, 2, 10} (mean 4, variance 12). y = (x − 4)/√(var + 1e-5)·w[c] + b[c].
  Tensor x = from_values({1, 3, 5, 7, 2, 2, 2, 10}, {1, 4, 1, 2});
  Tensor y = gn.forward(x);
  CHECK(y.shape() == Shape{1, 4, 1, 2});
  CHECK_VALUES(y, 1e-5, {-1.3416394, -0.4472131, 1.8944263, 3.6832789, 0.5773500, 0.5773500, -1.2886750, -0.1339750});
  // The same numbers from (B, C, L).
  CHECK_VALUES(gn.forward(reshape(x, {1, 4, 2})), 1e-5,
               {-1.3416394, -0.4472131, 1.8944263, 3.6832789, 0.5773500, 0.5773500, -1.2886750, -0.1339750});
}

TEST_CASE("GroupNorm agrees with a loop over samples and groups") {
  const std::int64_t B = 3, C = 6, G = 3, H = 4, W = 5, per = C / G;
  Generator gen(4);
  GroupNorm gn(G, C);
  gn.to(DType::F64);
  gn.weight.copy_(randn({C}, {.dtype = DType::F64}, &gen));
  gn.bias.copy_(randn({C}, {.dtype = DType::F64}, &gen));
  Tensor x = add(mul(randn({B, C, H, W}, {.dtype = DType::F64}, &gen), 3.0), 2.0);
  std::vector<double> xv = x.to_vector<double>(), w = gn.weight.to_vector<double>(), b = gn.bias.to_vector<double>();
  std::vector<double> expected(xv.size());
  const std::int64_t group_size = per * H * W;
  for (std::int64_t n = 0; n < B; ++n)
    for (std::int64_t g = 0; g < G; ++g) {
      const std::int64_t start = (n * C + g * per) * H * W;  // the group's elements are contiguous
      double mean = 0, var = 0;
      for (std::int64_t i = 0; i < group_size; ++i) mean += xv[static_cast<std::size_t>(start + i)];
      mean /= static_cast<double>(group_size);
      for (std::int64_t i = 0; i < group_size; ++i) var += std::pow(xv[static_cast<std::size_t>(start + i)] - mean, 2);
      var /= static_cast<double>(group_size);
      for (std::int64_t i = 0; i < group_size; ++i) {
        const auto c = static_cast<std::size_t>(g * per + i / (H * W));
        const auto at = static_cast<std::size_t>(start + i);
        expected[at] = (xv[at] - mean) / std::sqrt(var + 1e-5) * w[c] + b[c];
      }
    }
  CHECK_VALUES(gn.forward(x), 1e-12, (expected));
  // float32 agrees with float64 to float precision.
  GroupNorm gn32(G, C);
  gn32.weight.copy_(gn.weight);
  gn32.bias.copy_(gn.bias);
  CHECK_VALUES(gn32.forward(x.to(DType::F32)), 1e-5, (expected));
}

TEST_CASE("GroupNorm refuses channels that do not split into its groups") {
  CHECK_THROWS_WITH_AS(GroupNorm(3, 8), doctest::Contains("8 channels must split evenly into 3 groups"), Error);
  GroupNorm gn(2, 4);
  CHECK_THROWS_WITH_AS(gn.forward(zeros({1, 6, 2, 2})), doctest::Contains("expected (B, 4, ...) input"), Error);
}

TEST_CASE("GroupNorm gradchecks in float64") {
  GroupNorm gn(2, 4);
  gn.to(DType::F64);
  Generator gen(7);
  gn.weight.copy_(randn({4}, {.dtype = DType::F64}, &gen));
  gn.bias.copy_(randn({4}, {.dtype = DType::F64}, &gen));
  Tensor x = testing::randn64({2, 4, 3, 3}, 11);
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return gn.forward(x); }, {x, gn.weight, gn.bias});
}
