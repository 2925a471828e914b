// tests/support/reference.h — comparing linattn against PyTorch golden files.
//
// Golden files are safetensors written by the scripts in tests/reference/ (run by ctest as a
// fixture setup test into <build>/tests/goldens, or $LINATTN_GOLDEN_DIR). A golden test loads
// its file with load_golden_or_skip: where the file is absent (no PyTorch on this machine) the
// test prints "SKIP: ..." and exits 77, which ctest reports as skipped.
//
// The metric, per tensor: relative_error(a, b) = max|a − b| / max(max|b|, tiny), tiny = 1e-30,
// with b the PyTorch value. It must be ≤ 1e-10 in float64 and ≤ 1e-5 in float32
// (golden_tolerance). Shapes and dtypes must match exactly; a NaN anywhere is a failure.
#pragma once
#include <string>

#include "core/safetensors.h"
#include "core/tensor.h"

namespace linattn::testing {

std::string golden_dir();
// Prints "SKIP: <reason>" and exits with 77 (ctest's SKIP_RETURN_CODE for our tests).
[[noreturn]] void skip_test(const std::string& reason);
// Loads <golden_dir()>/<file>, or skips the test when the file does not exist.
SafetensorsFile load_golden_or_skip(const std::string& file);

double golden_tolerance(DType dtype);  // 1e-10 (float64), 1e-5 (float32), 0 (int64)
double relative_error(const Tensor& actual, const Tensor& expected);

struct GoldenComparison {
  bool ok = true;
  double error = 0;
  std::string message;  // names the tensor, the error and the tolerance; or the mismatch
};
// tolerance < 0 picks golden_tolerance(expected.dtype()).
GoldenComparison compare_to_golden(const std::string& name, const Tensor& actual, const Tensor& expected,
                                   double tolerance = -1);

}  // namespace linattn::testing

// CHECK that `actual` matches the golden tensor `expected`; `name` appears in the message.
#define CHECK_MATCHES_GOLDEN(name, actual, expected)                                     \
  do {                                                                                   \
    auto golden_result_ = ::linattn::testing::compare_to_golden(name, actual, expected); \
    INFO(golden_result_.message);                                                        \
    CHECK(golden_result_.ok);                                                            \
  } while (0)
