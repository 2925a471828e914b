// tests/support/gradcheck.h — the one finite-difference gradient check every op and layer uses.
//
// gradcheck(f, inputs) compares autograd's gradient of L = Σ f(inputs) ⊙ W (W a fixed random
// tensor, so every output element is weighted differently) with central differences
// (L(x+ε) − L(x−ε)) / 2ε for every element of every input that requires grad, in float64.
// An element passes when |analytic − numeric| ≤ atol + rtol·|numeric|.
//
// Kink policy. Functions with kinks (relu, abs, clamp at its bounds, max/max-pool at ties) are
// checked away from them, never with a looser tolerance: tests draw inputs with
// randn_away_from(kinks, margin) or distinct_values(gap), where margin/gap ≫ ε, so that no
// central difference straddles a kink.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/ops.h"

namespace linattn::testing {

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-7;
  double rtol = 1e-5;
  std::uint64_t seed = 1234;  // for the output weights W
};

struct GradcheckResult {
  bool ok = true;
  std::string message;      // the first failure, with input index, element, both values
  double max_abs_error = 0;
  std::int64_t checked = 0;  // number of elements compared
};

using TensorFn = std::function<Tensor(const std::vector<Tensor>&)>;

GradcheckResult gradcheck(const TensorFn& f, const std::vector<Tensor>& inputs, GradcheckOptions options = {});

// float64 N(0,1) draws, each at least `margin` away from every value in `kinks`.
Tensor randn_away_from(const Shape& shape, const std::vector<double>& kinks, double margin, std::uint64_t seed,
                       bool requires_grad = true);
// float64 values in random order whose pairwise gaps are at least `gap` (no ties anywhere).
Tensor distinct_values(const Shape& shape, double gap, std::uint64_t seed, bool requires_grad = true);
// float64 N(0,1) with requires_grad.
Tensor randn64(const Shape& shape, std::uint64_t seed, bool requires_grad = true);
// float64 U[lo, hi) with requires_grad (for ops defined on part of the line: log, sqrt, pow...).
Tensor uniform64(const Shape& shape, double lo, double hi, std::uint64_t seed, bool requires_grad = true);
// A float64 leaf holding `values` (row-major) with requires_grad: from_values for gradchecks.
Tensor leaf64(const std::vector<double>& values, const Shape& shape, bool requires_grad = true);

}  // namespace linattn::testing

// CHECK that a gradcheck passes, printing its message on failure.
#define CHECK_GRADCHECK(...)                                                \
  do {                                                                      \
    auto gc_result_ = ::linattn::testing::gradcheck(__VA_ARGS__);           \
    INFO(gc_result_.message);                                               \
    CHECK(gc_result_.ok);                                                   \
    CHECK(gc_result_.checked > 0);                                          \
  } while (0)
