// tests/support/parity.h — the CPU-vs-CUDA parity harness every CUDA kernel test uses (the CPU
// backend is the oracle; STYLE.md habit 2).
//
// compare(actual, expected, tol) checks every element: |actual − expected| ≤ atol +
// rtol·|expected| + max_rel·max|expected| (NaN must meet NaN, ±inf the same inf).
// check_parity(f, inputs, fwd, bwd) runs f on the given CPU inputs and on copies of them on
// cuda:0 (same requires_grad), checks that the CUDA result stayed on the GPU and matches, then
// backpropagates one random upstream gradient through both graphs with linattn::grad and
// compares the gradient of every input that requires grad. Tests state their tolerances per op.
#pragma once
#include <string>
#include <vector>

#include "support/gradcheck.h"

namespace linattn::testing {

struct Tolerance {
  double rtol = 0;     // relative to the expected element
  double atol = 0;     // absolute
  double max_rel = 0;  // relative to the largest |expected| of the whole tensor
};

struct Comparison {
  bool ok = true;
  double max_abs_error = 0;
  std::string message;  // the first failing element, or a summary
};

Comparison compare(const Tensor& actual, const Tensor& expected, Tolerance tol);

// A copy of a CPU tensor on cuda:0 with the same requires_grad (a new leaf).
Tensor to_cuda(const Tensor& cpu);

// A seeded standard-normal CPU tensor (float32 unless told), the inputs of the parity tests.
inline Tensor randn_t(const Shape& shape, std::uint64_t seed, DType dtype = DType::F32, bool requires_grad = true) {
  Generator gen(seed);
  return randn(shape, {.dtype = dtype, .requires_grad = requires_grad}, &gen);
}

void check_parity(const TensorFn& f, const std::vector<Tensor>& cpu_inputs, Tolerance forward, Tolerance backward,
                  const std::string& what, std::uint64_t grad_seed = 99);

}  // namespace linattn::testing

// CHECK that `actual` matches `expected` within `tol`, printing the first mismatch on failure.
#define CHECK_CLOSE(actual, expected, tol)                                          \
  do {                                                                              \
    auto cmp_result_ = ::linattn::testing::compare((actual), (expected), (tol));    \
    INFO(cmp_result_.message);                                                      \
    CHECK(cmp_result_.ok);                                                          \
  } while (0)
