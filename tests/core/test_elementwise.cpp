// tests/core/test_elementwise.cpp — elementwise ops (core/ops/elementwise.h): float64
// gradchecks for every differentiable op, tensor and scalar forms, broadcasting in both
// directions, and forward values (from PyTorch 1.13 or worked by hand). Kinks (abs, relu,
// clamp, maximum/minimum at ties) follow the policy in tests/support/gradcheck.h.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {
Tensor f64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::F64}); }
}  // namespace

TEST_CASE("gradcheck: binary ops, same shape") {
  Tensor a = randn64({2, 3}, 1), b = randn64({2, 3}, 2);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return add(t[0], t[1]); }, {a, b});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return sub(t[0], t[1]); }, {a, b});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return mul(t[0], t[1]); }, {a, b});
  Tensor bpos = uniform64({2, 3}, 0.5, 2.0, 3);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return div(t[0], t[1]); }, {a, bpos});
  Tensor base = uniform64({2, 3}, 0.5, 2.0, 4), expo = uniform64({2, 3}, -1.5, 1.5, 5);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return pow(t[0], t[1]); }, {base, expo});
}

TEST_CASE("gradcheck: binary ops broadcast both ways") {
  Tensor a = randn64({2, 1, 3}, 6), b = randn64({4, 1}, 7);  // → (2, 4, 3)
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return add(t[0], t[1]); }, {a, b});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return sub(t[1], t[0]); }, {a, b});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return mul(t[0], t[1]); }, {a, b});
  Tensor row = uniform64({3}, 0.5, 2.0, 8);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return div(t[0], t[1]); }, {a, row});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return div(t[1], t[0]); }, {uniform64({2, 1}, 0.5, 2.0, 9), row});
  Tensor base = uniform64({2, 3}, 0.5, 2.0, 10), expo = uniform64({3}, -1.0, 2.0, 11);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return pow(t[0], t[1]); }, {base, expo});
  // A 0-d operand.
  Tensor s = randn64({}, 12);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return mul(t[0], t[1]); }, {a, s});
}

TEST_CASE("gradcheck: maximum and minimum away from ties") {
  // Interleaved distinct values: every |a − b| ≥ 0.1 ≫ eps, so no difference crosses a tie.
  std::vector<double> v = distinct_values({2, 6}, 0.1, 13, false).to_vector<double>();
  Tensor a = leaf64({v.begin(), v.begin() + 6}, {2, 3}), b = leaf64({v.begin() + 6, v.end()}, {2, 3});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return maximum(t[0], t[1]); }, {a, b});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return minimum(t[0], t[1]); }, {a, b});
  Tensor col = leaf64({0.05, -0.25}, {2, 1});  // broadcast against a's distinct multiples of 0.1
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return maximum(t[0], t[1]); }, {a, col});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return minimum(t[1], t[0]); }, {a, col});
}

TEST_CASE("gradcheck: scalar forms") {
  Tensor x = randn64({5}, 14);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return add(t[0], 2.5); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return sub(t[0], 2.5); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return rsub(2.5, t[0]); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return mul(t[0], -3.0); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return div(t[0], 4.0); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return affine(t[0], 1.5, -0.5); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return affine(t[0], 1.0, 2.0); }, {x});
  Tensor pos = uniform64({5}, 0.3, 2.0, 15);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return rdiv(2.0, t[0]); }, {pos});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return pow(t[0], 2.5); }, {pos});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return pow(t[0], -0.5); }, {pos});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return pow(t[0], 3.0); }, {x});  // integer power, any sign
  // clamp: kinks at both bounds.
  Tensor xc = randn_away_from({8}, {-0.5, 0.5}, 0.05, 16);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return clamp(t[0], -0.5, 0.5); }, {xc});
  // operators
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return (2.0 - t[0]) * 3.0 + t[0] / 2.0 - 1.0; }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return 1.0 / t[0] + -t[0]; }, {pos});
}

TEST_CASE("gradcheck: unary math and activations") {
  Tensor x = randn64({2, 3}, 17);
  Tensor pos = uniform64({2, 3}, 0.3, 3.0, 18);
  Tensor off0 = randn_away_from({2, 3}, {0.0}, 0.05, 19);
  using F = Tensor (*)(const Tensor&);
  const std::pair<const char*, F> anywhere[] = {{"neg", neg},   {"exp", exp},         {"square", square},
                                                {"gelu", gelu}, {"sigmoid", sigmoid}, {"tanh", tanh},
                                                {"sin", sin},   {"cos", cos},         {"sign", sign}};
  for (auto [name, f] : anywhere) {
    INFO(name);
    CHECK_GRADCHECK([f](const std::vector<Tensor>& t) { return f(t[0]); }, {x});
  }
  const std::pair<const char*, F> positive[] = {{"log", log}, {"sqrt", sqrt}, {"rsqrt", rsqrt}, {"reciprocal", reciprocal}};
  for (auto [name, f] : positive) {
    INFO(name);
    CHECK_GRADCHECK([f](const std::vector<Tensor>& t) { return f(t[0]); }, {pos});
  }
  const std::pair<const char*, F> kinked[] = {{"abs", abs}, {"relu", relu}, {"reciprocal", reciprocal}};
  for (auto [name, f] : kinked) {
    INFO(name);
    CHECK_GRADCHECK([f](const std::vector<Tensor>& t) { return f(t[0]); }, {off0});
  }
}

TEST_CASE("gradcheck: where and masked_fill with broadcasting") {
  Tensor a = randn64({2, 3}, 20), b = randn64({3}, 21);
  Tensor cond = f64({1, 0, 1, 0, 0, 1}, {2, 3});
  CHECK_GRADCHECK([cond](const std::vector<Tensor>& t) { return where(cond, t[0], t[1]); }, {a, b});
  Tensor cond_col = from_values({1, 0}, {2, 1}, {.dtype = DType::I64});  // any dtype; broadcasts
  CHECK_GRADCHECK([cond_col](const std::vector<Tensor>& t) { return where(cond_col, t[1], t[0]); }, {a, b});
  Tensor mask = f64({0, 1, 0}, {3});
  CHECK_GRADCHECK([mask](const std::vector<Tensor>& t) { return masked_fill(t[0], mask, -7.0); }, {a});
}

TEST_CASE("gradcheck: a composite expression reusing inputs") {
  Tensor x = uniform64({4}, 0.5, 1.5, 22), y = randn64({4}, 23);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) {
    return add(mul(exp(t[1]), log(t[0])), div(sigmoid(mul(t[0], t[1])), t[0]));
  }, {x, y});
}

// ---- forward values -------------------------------------------------------------------------

TEST_CASE("unary ops: values from PyTorch") {
  Tensor x = f64({-2.0, -0.5, 0.0, 1.5}, {4});
  CHECK_VALUES(relu(x), 0, {0, 0, 0, 1.5});
  CHECK_VALUES(abs(x), 0, {2, 0.5, 0, 1.5});
  CHECK_VALUES(sign(x), 0, {-1, -1, 0, 1});
  CHECK_VALUES(square(x), 0, {4, 0.25, 0, 2.25});
  CHECK_VALUES(gelu(x), 1e-9, {-0.0455002639, -0.1542687694, 0.0, 1.3997891981});
  CHECK_VALUES(sigmoid(x), 1e-9, {0.119202922, 0.3775406688, 0.5, 0.8175744762});
  CHECK_VALUES(tanh(x), 1e-9, {-0.9640275801, -0.4621171573, 0.0, 0.9051482536});
  CHECK_VALUES(sin(x), 1e-9, {-0.9092974268, -0.4794255386, 0.0, 0.9974949866});
  CHECK_VALUES(cos(x), 1e-9, {-0.4161468365, 0.8775825619, 1.0, 0.0707372017});
  CHECK_VALUES(exp(x), 1e-9, {0.1353352832, 0.6065306597, 1.0, 4.4816890703});
  CHECK_VALUES(clamp(x, -1.0, 1.0), 0, {-1, -0.5, 0, 1});
  CHECK_VALUES(affine(x, 2.0, 1.0), 0, {-3, 0, 1, 4});
  Tensor p = f64({0.25, 1.0, 4.0}, {3});
  CHECK_VALUES(sqrt(p), 1e-15, {0.5, 1, 2});
  CHECK_VALUES(rsqrt(p), 1e-15, {2, 1, 0.5});
  CHECK_VALUES(log(p), 1e-15, {-1.3862943611198906, 0, 1.3862943611198906});
  CHECK_VALUES(reciprocal(p), 0, {4, 1, 0.25});
  CHECK_VALUES(rdiv(2.0, p), 0, {8, 2, 0.5});
  CHECK_VALUES(pow(p, 1.5), 1e-15, {0.125, 1, 8});
  CHECK_VALUES(rsub(1.0, p), 0, {0.75, 0, -3});
}

TEST_CASE("unary gradients: values") {
  // d/dx gelu at the same points (PyTorch); relu'(0) = 0 and abs'(0) = 0 by convention.
  Tensor x = leaf64({-2.0, -0.5, 0.0, 1.5}, {4});
  CHECK_VALUES(grad(sum(gelu(x)), {x})[0], 1e-9, {-0.0852318011, 0.1325048753, 0.5, 1.1274691922});
  CHECK_VALUES(grad(sum(relu(x)), {x})[0], 0, {0, 0, 0, 1});
  CHECK_VALUES(grad(sum(abs(x)), {x})[0], 0, {-1, -1, 0, 1});
  CHECK_VALUES(grad(sum(clamp(x, -0.5, 1.0)), {x})[0], 0, {0, 0, 1, 0});  // 1 strictly inside only
}

TEST_CASE("binary ops broadcast: values") {
  Tensor a = f64({1, 2, 3, 4, 5, 6}, {2, 3}), row = f64({10, 20, 30}, {3}), col = f64({1, 2}, {2, 1});
  CHECK_VALUES(add(a, row), 0, {11, 22, 33, 14, 25, 36});
  CHECK_VALUES(sub(a, col), 0, {0, 1, 2, 2, 3, 4});
  CHECK_VALUES(mul(col, row), 0, {10, 20, 30, 20, 40, 60});
  CHECK_VALUES(div(row, a), 1e-15, {10, 10, 10, 2.5, 4, 5});
  CHECK_VALUES(pow(a, col), 0, {1, 2, 3, 16, 25, 36});
  CHECK_VALUES(maximum(a, f64({3.5}, {1})), 0, {3.5, 3.5, 3.5, 4, 5, 6});
  CHECK_VALUES(minimum(a, f64({3.5}, {1})), 0, {1, 2, 3, 3.5, 3.5, 3.5});
  CHECK(add(a, row).shape() == Shape{2, 3});
  CHECK(mul(f64({1, 2}, {2, 1, 1}), f64({1, 2, 3}, {3})).shape() == Shape{2, 1, 3});
  CHECK_THROWS_WITH_AS(add(a, f64({1, 2}, {2})), doctest::Contains("cannot be broadcast"), Error);
}

TEST_CASE("binary gradients sum back over broadcast axes") {
  Tensor a = leaf64({1, 2, 3, 4, 5, 6}, {2, 3}), col = leaf64({1, 2}, {2, 1});
  auto g = grad(sum(mul(a, col)), {a, col});
  CHECK_VALUES(g[0], 0, {1, 1, 1, 2, 2, 2});
  CHECK_VALUES(g[1], 0, {6, 15});
  CHECK(g[1].shape() == Shape{2, 1});
  // maximum gives a tie to its first argument (a ≥ b), minimum likewise (a ≤ b).
  Tensor p = leaf64({1, 2}, {2}), q = leaf64({1, 3}, {2});
  auto gm = grad(sum(maximum(p, q)), {p, q});
  CHECK_VALUES(gm[0], 0, {1, 0});
  CHECK_VALUES(gm[1], 0, {0, 1});
}

TEST_CASE("pow: the exponent's gradient is 0 where the base is 0 (PyTorch)") {
  Tensor base = leaf64({0.0, 2.0}, {2}), expo = leaf64({2.0, 3.0}, {2});
  auto g = grad(sum(pow(base, expo)), {base, expo});
  CHECK_VALUES(g[0], 1e-12, {0, 12});
  CHECK_VALUES(g[1], 1e-12, {0, 8 * std::log(2.0)});
}

TEST_CASE("comparisons, where and masked_fill: values") {
  Tensor a = f64({1, 2, 3}, {3}), b = f64({2, 2, 2}, {3});
  CHECK_VALUES(eq(a, b), 0, {0, 1, 0});
  CHECK_VALUES(ne(a, b), 0, {1, 0, 1});
  CHECK_VALUES(lt(a, b), 0, {1, 0, 0});
  CHECK_VALUES(le(a, b), 0, {1, 1, 0});
  CHECK_VALUES(gt(a, b), 0, {0, 0, 1});
  CHECK_VALUES(ge(a, b), 0, {0, 1, 1});
  CHECK_FALSE(eq(leaf64({1}, {1}), b).requires_grad());
  CHECK_VALUES(where(f64({1, 0, 1}, {3}), a, b), 0, {1, 2, 3});
  CHECK_VALUES(where(f64({0}, {1}), a, b), 0, {2, 2, 2});
  CHECK_VALUES(masked_fill(a, f64({0, 1, 0}, {3}), -1e9), 0, {1, -1e9, 3});
  CHECK_THROWS_WITH_AS(masked_fill(a, f64({0, 1, 0, 1}, {2, 2}), 0.0), doctest::Contains("cannot be broadcast"), Error);
}

TEST_CASE("elementwise ops check dtypes and float32 matches float64") {
  Tensor a = f64({1, 2}, {2});
  Tensor b = from_values({1, 2}, {2});
  CHECK_THROWS_WITH_AS(add(a, b), doctest::Contains("dtypes differ"), Error);
  CHECK_THROWS_WITH_AS(exp(arange(3)), doctest::Contains("float"), Error);
  Tensor x = randn64({64}, 24, false);
  Tensor x32 = x.to(DType::F32);
  using F = Tensor (*)(const Tensor&);
  for (F f : {F(gelu), F(sigmoid), F(tanh), F(exp), F(sin)}) {
    std::vector<double> r64 = f(x).to_vector<double>();
    CHECK_VALUES(f(x32), 1e-6, (std::vector<double>(r64.begin(), r64.end())));
  }
}
