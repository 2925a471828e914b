// tests/core/test_reduce.cpp — reductions (core/ops/reduce.h): float64 gradchecks over single
// axes, axis sets, all axes and keepdim; max/min on tie-free inputs (kink policy) plus the
// documented even split at ties; forward values from PyTorch 1.13.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {
// (2, 3, 4): (i·7 mod 11) − 5 for i = 0..23 (the PyTorch reference input).
Tensor sample() {
  std::vector<double> v(24);
  for (int i = 0; i < 24; ++i) v[static_cast<std::size_t>(i)] = static_cast<double>((i * 7) % 11) - 5.0;
  return from_values(v, {2, 3, 4}, {.dtype = DType::F64});
}
}  // namespace

TEST_CASE("gradcheck: sum and mean over axes, with and without keepdim") {
  Tensor x = randn64({2, 3, 4}, 31);
  for (bool keep : {false, true}) {
    for (const Axes& axes : {Axes{}, Axes{0}, Axes{1}, Axes{-1}, Axes{0, 2}, Axes{2, 0, 1}}) {
      INFO("keepdim ", keep, ", ", axes.size(), " axes");
      CHECK_GRADCHECK([axes, keep](const std::vector<Tensor>& t) { return sum(t[0], axes, keep); }, {x});
      CHECK_GRADCHECK([axes, keep](const std::vector<Tensor>& t) { return mean(t[0], axes, keep); }, {x});
    }
  }
}

TEST_CASE("gradcheck: max and min away from ties") {
  Tensor x = distinct_values({2, 3, 4}, 0.1, 32);
  for (bool keep : {false, true}) {
    for (const Axes& axes : {Axes{}, Axes{1}, Axes{-1}, Axes{0, 2}}) {
      CHECK_GRADCHECK([axes, keep](const std::vector<Tensor>& t) { return max(t[0], axes, keep); }, {x});
      CHECK_GRADCHECK([axes, keep](const std::vector<Tensor>& t) { return min(t[0], axes, keep); }, {x});
    }
  }
}

TEST_CASE("gradcheck: var with both corrections") {
  Tensor x = randn64({3, 4}, 33);
  for (int correction : {0, 1}) {
    for (const Axes& axes : {Axes{}, Axes{0}, Axes{1}}) {
      CHECK_GRADCHECK([axes, correction](const std::vector<Tensor>& t) { return var(t[0], axes, false, correction); }, {x});
      CHECK_GRADCHECK([axes, correction](const std::vector<Tensor>& t) { return var(t[0], axes, true, correction); }, {x});
    }
  }
}

TEST_CASE("gradcheck: sum_to (the backward of broadcasting)") {
  Tensor x = randn64({2, 3, 4}, 34);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return sum_to(t[0], {3, 1}); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return sum_to(t[0], {2, 1, 4}); }, {x});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return sum_to(t[0], {}); }, {x});
}

TEST_CASE("reductions: values from PyTorch") {
  Tensor a = sample();
  CHECK_VALUES(sum(a, {1}), 0, {-8, 2, 1, 0, 2, 1, 0, -1});
  Tensor s02 = sum(a, {0, 2}, true);
  CHECK(s02.shape() == Shape{1, 3, 1});
  CHECK_VALUES(s02, 0, {6, -1, -8});
  CHECK_VALUES(mean(a, {-1}), 1e-15, {0.0, 0.5, -1.75, 1.5, -0.75, -0.25});
  CHECK_VALUES(max(a, {1}), 0, {1, 3, 4, 5, 3, 4, 5, 2});
  CHECK_VALUES(min(a, {0, 1}), 0, {-5, -3, -5, -5});
  CHECK_VALUES(var(a, {2}), 1e-12, {19.333333333333332, 8.333333333333332, 12.916666666666666, 8.333333333333332,
                                    12.916666666666666, 12.916666666666666});
  CHECK_VALUES(var(a, {0, 2}, false, 0), 1e-12, {10.9375, 8.359375, 10.25});
  CHECK_VALUES(argmax(a, 1), 0, {1, 2, 1, 0, 2, 1, 0, 2});
  CHECK(argmax(a, 1, true).shape() == Shape{2, 1, 4});
  CHECK(sum(a).shape() == Shape{});
  CHECK(sum(a).item() == -3.0);
  // float32 sums accumulate in double
  Tensor big = full({1 << 20}, 0.1);
  CHECK(sum(big).item() == doctest::Approx(104857.6).epsilon(1e-7));
}

TEST_CASE("max and min split the gradient evenly at ties (torch.amax)") {
  Tensor t = leaf64({1, 3, 3, 2, 2, 2}, {2, 3});
  CHECK_VALUES(grad(sum(max(t, {1})), {t})[0], 1e-15, {0, 0.5, 0.5, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  CHECK_VALUES(grad(sum(min(t, {0})), {t})[0], 1e-15, {1, 0, 0, 0, 1, 1});
}

TEST_CASE("reductions report bad axes and empty inputs") {
  Tensor a = sample();
  CHECK_THROWS_WITH_AS(sum(a, {3}), doctest::Contains("axis 3 is out of range"), Error);
  CHECK_THROWS_WITH_AS(sum(a, {1, -2}), doctest::Contains("repeated"), Error);
  CHECK_THROWS_WITH_AS(max(zeros({0, 2})), doctest::Contains("empty"), Error);
  CHECK_THROWS_WITH_AS(var(zeros({1, 3}), {0}), doctest::Contains("degrees of freedom"), Error);
}

TEST_CASE("a reduction over no axis of a 0-d tensor is a copy, not an alias") {
  Tensor s = leaf64({2.5}, {});
  Tensor out = sum(s);
  CHECK_FALSE(out.shares_storage(s));
  CHECK_VALUES(grad(mul(out, 3.0), {s})[0], 0, {3});
}
