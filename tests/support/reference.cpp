// tests/support/reference.cpp — see reference.h.
#include "support/reference.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace linattn::testing {

std::string golden_dir() {
  if (const char* env = std::getenv("LINATTN_GOLDEN_DIR"); env && *env) return env;
  return LINATTN_BINARY_DIR "/tests/goldens";
}

void skip_test(const std::string& reason) {
  std::printf("SKIP: %s\n", reason.c_str());
  std::fflush(stdout);
  std::exit(77);
}

SafetensorsFile load_golden_or_skip(const std::string& file) {
  std::string path = golden_dir() + "/" + file;
  if (!std::filesystem::exists(path))
    skip_test(str_cat("golden file ", path, " does not exist (it is written by the ctest fixture "
                      "tests/reference/make_core_goldens.py when /usr/bin/python3 can import torch)"));
  return load_safetensors(path);
}

double golden_tolerance(DType dtype) {
  switch (dtype) {
    case DType::F64: return 1e-10;
    case DType::F32: return 1e-5;
    case DType::I64: return 0.0;
  }
  return 0.0;
}

double relative_error(const Tensor& actual, const Tensor& expected) {
  std::vector<double> a = actual.detach().to(DType::F64).to_vector<double>();
  std::vector<double> b = expected.detach().to(DType::F64).to_vector<double>();
  double diff = 0, scale = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) return NAN;
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / std::max(scale, 1e-30);
}

GoldenComparison compare_to_golden(const std::string& name, const Tensor& actual, const Tensor& expected,
                                   double tolerance) {
  GoldenComparison r;
  if (!actual.defined() || !expected.defined()) {
    r.ok = false;
    r.message = str_cat(name, ": ", actual.defined() ? "the golden" : "linattn's", " tensor is undefined");
    return r;
  }
  if (actual.shape() != expected.shape() || actual.dtype() != expected.dtype()) {
    r.ok = false;
    r.message = str_cat(name, ": linattn gives ", shape_str(actual.shape()), " ", dtype_name(actual.dtype()),
                        ", PyTorch ", shape_str(expected.shape()), " ", dtype_name(expected.dtype()));
    return r;
  }
  if (tolerance < 0) tolerance = golden_tolerance(expected.dtype());
  r.error = relative_error(actual, expected);
  r.ok = r.error <= tolerance;  // false for NaN
  r.message = str_cat(name, ": relative error ", r.error, " (max|a-b| / max|b|), tolerance ", tolerance,
                      " for ", dtype_name(expected.dtype()));
  return r;
}

}  // namespace linattn::testing
