// tests/cuda/test_pool.cpp — max_pool2d and avg_pool2d on CUDA (core/cuda/pool.cu) against the
// CPU, forward and backward: stride = kernel, overlapping windows (stride < kernel), padding,
// non-square kernels, strides and inputs, count_include_pad on and off, float32 and float64;
// max pooling with many ties (the gradient goes to the first maximum) and with NaN.
//
// Tolerance: exact everywhere. The CUDA kernels do the CPU's arithmetic element for element:
// the same window walk in the same type, the same divisor, and backward gathers that add each
// pixel's contributions in the order the CPU scatters them (ascending output position).
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kExact{};

using Pair = std::array<std::int64_t, 2>;

struct PoolCase {
  Shape x;
  Pair kernel, stride, padding;
  const char* name;
};

const std::vector<PoolCase> kCases = {
    {{2, 3, 8, 8}, {2, 2}, {0, 0}, {0, 0}, "2x2, stride = kernel"},
    {{2, 3, 9, 11}, {3, 3}, {2, 2}, {1, 1}, "3x3 stride 2 padding 1, odd sizes"},
    {{1, 4, 7, 10}, {3, 2}, {1, 2}, {1, 1}, "non-square kernel (3, 2), stride (1, 2)"},
    {{2, 2, 10, 10}, {3, 3}, {1, 1}, {0, 0}, "3x3 stride 1, overlapping windows"},
    {{3, 2, 13, 6}, {4, 2}, {3, 1}, {2, 1}, "kernel (4, 2), stride (3, 1), padding (2, 1)"},
    {{2, 16, 32, 32}, {2, 2}, {2, 2}, {0, 0}, "larger: 16 channels of 32x32"},
};

}  // namespace

TEST_CASE("max_pool2d matches the CPU exactly, forward and backward, float32 and float64") {
  REQUIRE_CUDA();
  std::uint64_t seed = 1;
  for (DType dtype : {DType::F32, DType::F64}) {
    for (const PoolCase& c : kCases) {
      Tensor x = randn_t(c.x, ++seed, dtype);
      check_parity([&c](const std::vector<Tensor>& in) { return max_pool2d(in[0], c.kernel, c.stride, c.padding); }, {x},
                   kExact, kExact, str_cat("max_pool2d ", dtype_name(dtype), ": ", c.name));
    }
  }
}

TEST_CASE("max_pool2d on CUDA sends the gradient to the first maximum on ties, like the CPU") {
  REQUIRE_CUDA();
  // Values in {-2, ..., 2}: most windows hold several equal maxima; overlapping windows make
  // pixels collect gradient from several outputs.
  for (const PoolCase& c : kCases) {
    std::vector<double> v(static_cast<std::size_t>(numel(c.x)));
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 7919 + i / 3) % 5) - 2;
    Tensor x = from_values(v, c.x, {.dtype = DType::F32, .requires_grad = true});
    check_parity([&c](const std::vector<Tensor>& in) { return max_pool2d(in[0], c.kernel, c.stride, c.padding); }, {x},
                 kExact, kExact, str_cat("max_pool2d with ties: ", c.name));
  }
  // All equal: every window's gradient goes to its first (top-left) element.
  Tensor ones = full({1, 1, 5, 5}, 1.0, {.requires_grad = true});
  check_parity([](const std::vector<Tensor>& in) { return max_pool2d(in[0], {3, 3}, {1, 1}, {1, 1}); }, {ones}, kExact,
               kExact, "max_pool2d of a constant image");
}

TEST_CASE("max_pool2d on CUDA propagates NaN like the CPU") {
  REQUIRE_CUDA();
  std::vector<double> v(36);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = std::sin(static_cast<double>(i));
  v[7] = std::numeric_limits<double>::quiet_NaN();
  v[30] = std::numeric_limits<double>::quiet_NaN();
  Tensor x = from_values(v, {1, 1, 6, 6}, {.dtype = DType::F32});
  for (const Pair& k : {Pair{2, 2}, Pair{3, 3}}) {
    Tensor cpu = max_pool2d(x, k, {1, 1}), gpu = max_pool2d(to_cuda(x), k, {1, 1});
    CHECK_CLOSE(gpu, cpu, kExact);
  }
}

TEST_CASE("avg_pool2d matches the CPU exactly with and without counting the padding") {
  REQUIRE_CUDA();
  std::uint64_t seed = 200;
  for (DType dtype : {DType::F32, DType::F64}) {
    for (bool include_pad : {true, false}) {
      for (const PoolCase& c : kCases) {
        Tensor x = randn_t(c.x, ++seed, dtype);
        check_parity(
            [&c, include_pad](const std::vector<Tensor>& in) {
              return avg_pool2d(in[0], c.kernel, c.stride, c.padding, include_pad);
            },
            {x}, kExact, kExact,
            str_cat("avg_pool2d ", dtype_name(dtype), include_pad ? " count_include_pad: " : " real elements only: ",
                    c.name));
      }
    }
  }
}
