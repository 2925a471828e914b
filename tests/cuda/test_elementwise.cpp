// tests/cuda/test_elementwise.cpp — CUDA elementwise kernels (core/cuda/elementwise.cu) against
// the CPU: every binary op over every broadcast pattern the plan distinguishes, every unary op
// and its fused backward, where/masked_fill, forward and backward through the ops.
//
// Tolerances (float32):
//  - kExact: +, −, ·, /, max/min, comparisons and selection are correctly rounded IEEE on both
//    backends, so they must agree bit for bit.
//  - kMath (rtol 1e-6, atol 1e-6): exp, log, erf, pow, sin... come from different math libraries
//    (a few ulp apart) and the GPU may fuse a·x + b into one FMA; atol covers results that
//    cancel to near 0 (GELU of large negative x).
//  - kGrad (rtol 1e-5, atol 1e-6): gradients chain several such ops and sum broadcast axes.
//  - kF64 (rtol 1e-12): the same in float64.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>

#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"
#if LINATTN_HAS_CUDA
#include "core/kernels/elementwise.h"
#endif

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kExact{};
constexpr Tolerance kMath{.rtol = 1e-6, .atol = 1e-6};
constexpr Tolerance kGrad{.rtol = 1e-5, .atol = 1e-6};
constexpr Tolerance kF64{.rtol = 1e-12, .atol = 1e-12};

Tensor positive32(const Shape& shape, std::uint64_t seed, bool requires_grad = true) {
  Generator gen(seed);
  return uniform(shape, 0.5, 2.0, {.dtype = DType::F32, .requires_grad = requires_grad}, &gen);
}

// Integers in [-2, 2] (so comparisons see many ties), in `dtype`.
Tensor small_ints(const Shape& shape, std::uint64_t seed, DType dtype = DType::F32) {
  Generator gen(seed);
  std::vector<double> v = uniform(shape, -2.0, 3.0, {.dtype = DType::F64}, &gen).to_vector<double>();
  for (double& x : v) x = std::floor(x);
  return from_values(v, shape, {.dtype = dtype});
}

// The broadcast patterns core/cuda/broadcast.cuh distinguishes (collapsed axes in comments).
struct BroadcastCase {
  Shape a, b;
  const char* name;
};
const std::vector<BroadcastCase> kBroadcastCases = {
    {{4, 5, 6}, {4, 5, 6}, "same shape (1 axis)"},
    {{4, 5, 6}, {}, "tensor and scalar (1 axis)"},
    {{1}, {4, 5, 6}, "scalar and tensor (1 axis)"},
    {{4, 5, 6}, {6}, "row bias (2 axes)"},
    {{4, 5, 6}, {4, 5, 1}, "per-row scale (2 axes)"},
    {{2, 3, 7, 7}, {2, 1, 1, 7}, "attention mask (3 axes)"},
    {{2, 3, 4, 5}, {2, 1, 4, 1}, "alternating (4 axes)"},
    {{3, 1, 5}, {1, 4, 1}, "outer product, both broadcast"},
    {{0, 3}, {3}, "empty"},
};

using BinaryFnT = std::function<Tensor(const Tensor&, const Tensor&)>;

}  // namespace

TEST_CASE("binary ops match the CPU on every broadcast pattern, forward and backward") {
  REQUIRE_CUDA();
  struct Op {
    const char* name;
    BinaryFnT fn;
    Tolerance fwd;
    bool positive_a = false, positive_b = false;
  };
  const std::vector<Op> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }, kExact},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }, kExact},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }, kExact},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }, kExact, false, true},
      {"maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); }, kExact},
      {"minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); }, kExact},
      {"pow", [](const Tensor& a, const Tensor& b) { return pow(a, b); }, kMath, true, false},
  };
  std::uint64_t seed = 1;
  for (const auto& op : ops) {
    for (const auto& c : kBroadcastCases) {
      Tensor a = op.positive_a ? positive32(c.a, ++seed) : randn_t(c.a, ++seed);
      Tensor b = op.positive_b ? positive32(c.b, ++seed) : randn_t(c.b, ++seed);
      check_parity([&](const std::vector<Tensor>& in) { return op.fn(in[0], in[1]); }, {a, b}, op.fwd, kGrad,
                   str_cat(op.name, ": ", c.name, " ", shape_str(c.a), " and ", shape_str(c.b)));
    }
  }
}

TEST_CASE("comparisons match the CPU exactly, ties included, in float32 and int64") {
  REQUIRE_CUDA();
  const std::vector<std::pair<const char*, BinaryFnT>> ops = {
      {"eq", [](const Tensor& a, const Tensor& b) { return eq(a, b); }},
      {"ne", [](const Tensor& a, const Tensor& b) { return ne(a, b); }},
      {"lt", [](const Tensor& a, const Tensor& b) { return lt(a, b); }},
      {"le", [](const Tensor& a, const Tensor& b) { return le(a, b); }},
      {"gt", [](const Tensor& a, const Tensor& b) { return gt(a, b); }},
      {"ge", [](const Tensor& a, const Tensor& b) { return ge(a, b); }},
  };
  std::uint64_t seed = 100;
  for (DType dtype : {DType::F32, DType::I64}) {
    for (const auto& [name, fn] : ops) {
      for (const auto& c : kBroadcastCases) {
        Tensor a = small_ints(c.a, ++seed, dtype), b = small_ints(c.b, ++seed, dtype);
        check_parity([&](const std::vector<Tensor>& in) { return fn(in[0], in[1]); }, {a, b}, kExact, kExact,
                     str_cat(name, " ", dtype_name(dtype), ": ", c.name));
      }
    }
  }
}

TEST_CASE("int64 arithmetic and float64 binary ops match the CPU") {
  REQUIRE_CUDA();
  Tensor ia = small_ints({3, 4}, 1, DType::I64), ib = small_ints({4}, 2, DType::I64);
  check_parity([](const std::vector<Tensor>& in) { return add(in[0], in[1]); }, {ia, ib}, kExact, kExact, "int64 add");
  check_parity([](const std::vector<Tensor>& in) { return mul(in[0], in[1]); }, {ia, ib}, kExact, kExact, "int64 mul");
  check_parity([](const std::vector<Tensor>& in) { return maximum(in[0], in[1]); }, {ia, ib}, kExact, kExact,
               "int64 maximum");
  Tensor a = randn64({5, 1, 6}, 3), b = randn64({4, 6}, 4);
  check_parity([](const std::vector<Tensor>& in) { return div(mul(in[0], in[1]), add(square(in[1]), 1.0)); }, {a, b},
               kF64, kF64, "float64 composite");
}

TEST_CASE("unary ops match the CPU, forward and backward through autograd") {
  REQUIRE_CUDA();
  using UnaryFnT = std::function<Tensor(const Tensor&)>;
  struct Op {
    const char* name;
    UnaryFnT fn;
    bool positive = false;
  };
  const std::vector<Op> ops = {
      {"neg", [](const Tensor& x) { return neg(x); }},
      {"exp", [](const Tensor& x) { return exp(x); }},
      {"log", [](const Tensor& x) { return log(x); }, true},
      {"sqrt", [](const Tensor& x) { return sqrt(x); }, true},
      {"rsqrt", [](const Tensor& x) { return rsqrt(x); }, true},
      {"abs", [](const Tensor& x) { return abs(x); }},
      {"sign", [](const Tensor& x) { return sign(x); }},
      {"square", [](const Tensor& x) { return square(x); }},
      {"reciprocal", [](const Tensor& x) { return reciprocal(x); }, true},
      {"relu", [](const Tensor& x) { return relu(x); }},
      {"gelu", [](const Tensor& x) { return gelu(mul(x, 3.0)); }},  // wide range: both tails
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }},
      {"tanh", [](const Tensor& x) { return tanh(x); }},
      {"sin", [](const Tensor& x) { return sin(x); }},
      {"cos", [](const Tensor& x) { return cos(x); }},
      {"affine", [](const Tensor& x) { return affine(x, -1.5, 0.25); }},
      {"rsub", [](const Tensor& x) { return rsub(2.0, x); }},
      {"rdiv", [](const Tensor& x) { return rdiv(3.0, x); }, true},
      {"pow scalar", [](const Tensor& x) { return pow(x, 2.5); }, true},
      {"clamp", [](const Tensor& x) { return clamp(x, -0.5, 0.75); }},
  };
  std::uint64_t seed = 200;
  for (const auto& op : ops) {
    Tensor x = op.positive ? positive32({7, 33, 5}, ++seed) : randn_t({7, 33, 5}, ++seed);
    check_parity([&](const std::vector<Tensor>& in) { return op.fn(in[0]); }, {x}, kMath, kGrad, op.name);
  }
  Tensor x64 = randn64({4, 9}, 300);
  check_parity([](const std::vector<Tensor>& in) { return gelu(in[0]) * tanh(in[0]) + exp(sin(in[0])); }, {x64}, kF64,
               kF64, "float64 gelu·tanh + exp(sin)");
}

TEST_CASE("unary kernels, every op, match the CPU kernels, also in place") {
  REQUIRE_CUDA();
#if LINATTN_HAS_CUDA
  constexpr double a = 0.7, b = 1.3;  // the ops' scalar parameters (clamp bounds a < b)
  for (int i = 0; i <= static_cast<int>(UnaryOp::Clamp); ++i) {
    auto op = static_cast<UnaryOp>(i);
    INFO("unary op ", unary_op_name(op));
    Tensor x = positive32({1000}, 400 + static_cast<std::uint64_t>(i), false);
    Tensor y_cpu = empty_like(x);
    cpu::unary(op, x, y_cpu, a, b);
    Tensor x_gpu = to_cuda(x), y_gpu = empty_like(x_gpu);
    cuda::unary(op, x_gpu, y_gpu, a, b);
    CHECK_CLOSE(y_gpu, y_cpu, kMath);
    Tensor in_place = x_gpu.clone();
    cuda::unary(op, in_place, in_place, a, b);
    CHECK_CLOSE(in_place, y_gpu, kExact);

    Tensor g = randn_t({1000}, 500 + static_cast<std::uint64_t>(i), DType::F32, false);
    Tensor gx_cpu = empty_like(g), gx_gpu = empty_like(to_cuda(g));
    bool fused = true;
    try {
      cpu::unary_backward(op, g, x, y_cpu, gx_cpu, a, b);
    } catch (const Error&) {
      fused = false;  // no fused backward (neg, affine...): CUDA must refuse the same way
    }
    if (fused) {
      cuda::unary_backward(op, to_cuda(g), x_gpu, y_gpu, gx_gpu, a, b);
      CHECK_CLOSE(gx_gpu, gx_cpu, kMath);
    } else {
      CHECK_THROWS_WITH_AS(cuda::unary_backward(op, to_cuda(g), x_gpu, y_gpu, gx_gpu, a, b),
                           doctest::Contains("no fused backward"), Error);
    }
  }
#endif
}

TEST_CASE("where and masked_fill match the CPU for any condition dtype, forward and backward") {
  REQUIRE_CUDA();
  std::uint64_t seed = 600;
  for (DType cond_dtype : {DType::F32, DType::F64, DType::I64}) {
    Tensor cond = gt(small_ints({4, 1, 6}, ++seed, cond_dtype), small_ints({1}, 7, cond_dtype));
    Tensor a = randn_t({4, 5, 6}, ++seed), b = randn_t({6}, ++seed);
    check_parity([](const std::vector<Tensor>& in) { return where(in[0], in[1], in[2]); }, {cond, a, b}, kExact, kGrad,
                 str_cat("where, condition ", dtype_name(cond_dtype)));
  }
  Tensor x = randn_t({2, 3, 7, 7}, ++seed);
  Tensor mask = gt(randn_t({2, 1, 1, 7}, ++seed, DType::F32, false), scalar(0.0));
  check_parity([](const std::vector<Tensor>& in) { return masked_fill(in[0], in[1], -1e9); }, {x, mask}, kExact, kGrad,
               "masked_fill with an attention-style mask");
}

TEST_CASE("elementwise ops on a 1M-element tensor") {
  REQUIRE_CUDA();
  // 2^20 elements on the row-bias path (one thread per element, 4096 blocks).
  Tensor x = randn_t({256, 4096}, 700, DType::F32, false), bias = randn_t({4096}, 701, DType::F32, false);
  check_parity([](const std::vector<Tensor>& in) { return gelu(add(in[0], in[1])); }, {x, bias}, kMath, kGrad,
               "gelu(x + bias), 1M elements");
}
