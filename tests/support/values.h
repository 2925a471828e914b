// tests/support/values.h — CHECK_VALUES(tensor, tol, {expected...}): a forward-value check that
// compares every element (as float64, row-major) and prints the first mismatch with its index.
// For literal numbers taken from PyTorch or worked by hand in the test's comments.
#pragma once
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace linattn::testing {

// Empty when every |actual − expected| ≤ tol (NaN matches NaN); else the first mismatch.
inline std::string compare_values(const Tensor& t, const std::vector<double>& expected, double tol) {
  std::vector<double> v = t.detach().to(DType::F64).to_vector<double>();
  if (v.size() != expected.size())
    return str_cat("tensor of shape ", shape_str(t.shape()), " has ", v.size(), " elements, expected ", expected.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    bool both_nan = std::isnan(v[i]) && std::isnan(expected[i]);
    if (!both_nan && !(std::abs(v[i] - expected[i]) <= tol))
      return str_cat("element ", i, " of shape ", shape_str(t.shape()), ": got ", v[i], ", expected ", expected[i],
                     " (tol ", tol, ")");
  }
  return "";
}

}  // namespace linattn::testing

#define CHECK_VALUES(tensor, tol, ...)                                                            \
  do {                                                                                            \
    std::string cv_msg_ = ::linattn::testing::compare_values((tensor), std::vector<double> __VA_ARGS__, (tol)); \
    INFO(cv_msg_);                                                                              \
    CHECK(cv_msg_.empty());                                                                     \
  } while (0)
