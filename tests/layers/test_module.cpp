// tests/layers/test_module.cpp — Module: names, state_dict round trip and its strict errors,
// train/eval, dtype moves, parameter counts; Linear and MLP forward values and gradients.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "layers/init.h"
#include "layers/mlp.h"
#include "support/gradcheck.h"

using namespace linattn;

TEST_CASE("state_dict uses PyTorch names in registration order") {
  Generator gen(0);
  MLP mlp(4, 8, gen);
  auto sd = mlp.state_dict();
  REQUIRE(sd.size() == 4);
  CHECK(sd[0].first == "fc1.weight");
  CHECK(sd[1].first == "fc1.bias");
  CHECK(sd[2].first == "fc2.weight");
  CHECK(sd[3].first == "fc2.bias");
  CHECK(sd[0].second.shape() == Shape{8, 4});
  CHECK(mlp.num_parameters() == 8 * 4 + 8 + 4 * 8 + 4);
}

TEST_CASE("load_state_dict copies values and lists every problem") {
  Generator g1(1), g2(2);
  MLP a(3, 5, g1), b(3, 5, g2);
  b.load_state_dict(a.state_dict());
  CHECK(b.fc1->weight.to_vector<float>() == a.fc1->weight.to_vector<float>());
  NamedTensors bad = a.state_dict();
  bad.erase(bad.begin());                                   // fc1.weight missing
  bad.emplace_back("fc3.weight", zeros({1}));               // unexpected
  bad[1].second = zeros({7});                               // fc2.weight wrong shape
  try {
    b.load_state_dict(bad);
    FAIL("expected an error");
  } catch (const Error& e) {
    std::string m = e.what();
    CHECK(m.find("missing keys: fc1.weight") != std::string::npos);
    CHECK(m.find("unexpected keys: fc3.weight") != std::string::npos);
    CHECK(m.find("fc2.weight (expected (3, 5), got (7,))") != std::string::npos);
  }
}

TEST_CASE("train, eval and dtype moves reach every child and keep handles valid") {
  Generator gen(0);
  MLP mlp(2, 3, gen);
  Tensor w = mlp.fc1->weight;
  mlp.eval();
  CHECK_FALSE(mlp.fc2->is_training());
  mlp.to(DType::F64);
  CHECK(w.dtype() == DType::F64);             // the member handle sees the move
  CHECK(mlp.fc1->weight.requires_grad());
  Tensor y = mlp.forward(ones({1, 2}, {.dtype = DType::F64}));
  CHECK(y.dtype() == DType::F64);
}

TEST_CASE("Linear default init is U(plus-minus 1/sqrt(in)) and seeded") {
  Generator g1(5), g2(5);
  Linear a(100, 50, true, g1), b(100, 50, true, g2);
  CHECK(a.weight.to_vector<float>() == b.weight.to_vector<float>());
  CHECK(max(abs(a.weight)).item() <= 0.1);
  CHECK(max(abs(a.weight)).item() > 0.09);
  CHECK(std::abs(mean(a.weight).item()) < 0.005);
}

TEST_CASE("Linear and MLP gradcheck in float64") {
  Generator gen(3);
  MLP mlp(3, 4, gen);
  mlp.to(DType::F64);
  Tensor x = testing::randn64({2, 3}, 11);
  auto params = mlp.parameters();
  std::vector<Tensor> inputs{x};
  inputs.insert(inputs.end(), params.begin(), params.end());
  CHECK_GRADCHECK([&](const std::vector<Tensor>&) { return mlp.forward(x); }, inputs);
}

TEST_CASE("initializers have the documented spreads") {
  Generator gen(9);
  Tensor w = empty({256, 128}, {.dtype = DType::F64});
  init::trunc_normal_(w, 0.02, gen);
  double s = std::sqrt(var(w).item());
  CHECK(s == doctest::Approx(0.02).epsilon(0.03));
  init::xavier_uniform_(w, gen);
  double bound = std::sqrt(6.0 / (256 + 128));
  CHECK(max(abs(w)).item() <= bound);
  CHECK(max(abs(w)).item() > 0.95 * bound);
  init::kaiming_normal_(w, gen);
  CHECK(std::sqrt(var(w).item()) == doctest::Approx(std::sqrt(2.0 / 128)).epsilon(0.03));
  auto [fi, fo] = init::fan_in_out(empty({8, 3, 4, 4}));
  CHECK(fi == 48);
  CHECK(fo == 128);
}
