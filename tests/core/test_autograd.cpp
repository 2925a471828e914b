// tests/core/test_autograd.cpp — the engine: accumulation, explicit upstream gradients,
// NoGradGuard, detach, retain_grad, freed graphs and in-place modification of saved tensors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"

using namespace linattn;

TEST_CASE("backward accumulates into leaves, across paths and across calls") {
  Tensor x = from_values({2.0}, {1}, {.dtype = DType::F64, .requires_grad = true});
  Tensor y = add(mul(x, x), mul(x, 3.0));  // y = x² + 3x, dy/dx = 2x + 3 = 7
  y.backward();
  CHECK(x.grad().item() == 7.0);
  Tensor z = mul(x, x);
  z.backward();  // accumulates: 7 + 4
  CHECK(x.grad().item() == 11.0);
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("backward with an explicit upstream gradient, and its shape check") {
  Tensor x = from_values({1, 2, 3}, {3}, {.dtype = DType::F64, .requires_grad = true});
  Tensor y = mul(x, 2.0);
  y.backward(from_values({1, 10, 100}, {3}, {.dtype = DType::F64}));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 20, 200});
  Tensor y2 = mul(x, 2.0);
  CHECK_THROWS_WITH_AS(y2.backward(), doctest::Contains("one-element output"), Error);
  CHECK_THROWS_WITH_AS(y2.backward(zeros({2}, {.dtype = DType::F64})), doctest::Contains("gradient has shape (2,)"), Error);
}

TEST_CASE("NoGradGuard and detach stop recording") {
  Tensor x = ones({2}, {.requires_grad = true});
  {
    NoGradGuard guard;
    CHECK_FALSE(mul(x, 2.0).requires_grad());
  }
  CHECK(mul(x, 2.0).requires_grad());
  Tensor d = x.detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.shares_storage(x));
  CHECK_THROWS_WITH_AS(sum(d).backward(), doctest::Contains("does not require grad"), Error);
}

TEST_CASE("walking a freed graph twice is a clear error unless retain_graph") {
  Tensor x = ones({2}, {.dtype = DType::F64, .requires_grad = true});
  Tensor y = sum(exp(x));
  y.backward(true);
  y.backward();
  CHECK(x.grad().at({0}) == doctest::Approx(2 * std::exp(1.0)));
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("second time"), Error);
}

TEST_CASE("modifying a saved tensor in place is detected") {
  Tensor x = ones({2}, {.dtype = DType::F64, .requires_grad = true});
  Tensor e = exp(x);      // saves its output
  Tensor y = sum(e);
  e.fill_(0.0);
  CHECK_THROWS_WITH_AS(y.backward(), doctest::Contains("modified in place"), Error);
}

TEST_CASE("retain_grad keeps a non-leaf gradient and grad() leaves .grad alone") {
  Tensor x = from_values({1, 2}, {2}, {.dtype = DType::F64, .requires_grad = true});
  Tensor h = mul(x, 3.0);
  h.retain_grad();
  sum(square(h)).backward();
  CHECK(h.grad().to_vector<double>() == std::vector<double>{6, 12});
  x.zero_grad();
  Tensor out = sum(square(x));
  auto g = grad(out, {x});
  CHECK(g[0].to_vector<double>() == std::vector<double>{2, 4});
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("leaf gradients never alias each other") {
  Tensor a = ones({3}, {.requires_grad = true}), b = ones({3}, {.requires_grad = true});
  sum(add(a, b)).backward();
  CHECK_FALSE(a.grad().shares_storage(b.grad()));
  a.grad().fill_(5.0);
  CHECK(b.grad().at({0}) == 1.0);
}

TEST_CASE("requires_grad_ is for leaves and floats") {
  Tensor x = ones({2}, {.requires_grad = true});
  Tensor y = mul(x, 2.0);
  CHECK_THROWS_WITH_AS(y.requires_grad_(), doctest::Contains("non-leaf"), Error);
  Tensor i = arange(3);
  CHECK_THROWS_WITH_AS(i.requires_grad_(), doctest::Contains("only float tensors"), Error);
}
