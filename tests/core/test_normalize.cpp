// tests/core/test_normalize.cpp — the fused normalizations of core/ops/normalize.h:
// l2_normalize (both loop shapes, the ‖x‖ ≤ eps branch of §9) and double_normalize (softmax over
// N, ℓ1 over S): float64 gradchecks, agreement with the composite of primitive ops forward and
// backward, the exactly-zero bias gradient, the streaming max across chunks, float32 accuracy,
// thread-count independence and the error messages.
#include <doctest/doctest.h>

#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {
Tensor f64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::F64}); }

double max_abs_diff(const Tensor& a, const Tensor& b) { return max(abs(sub(a.detach().to(DType::F64), b.detach().to(DType::F64)))).item(); }

struct ThreadCount {
  int saved = num_threads();
  ~ThreadCount() { set_num_threads(saved); }
};

// The composite of primitive ops the fused kernels replace.
Tensor l2_composite(const Tensor& x, std::int64_t axis, double eps) {
  return div(x, maximum(sqrt(sum(square(x), {axis}, true)), full({}, eps, {.dtype = x.dtype()})));
}
Tensor double_composite(const Tensor& x, const Tensor& bias, double eps) {
  Tensor p = softmax(bias.defined() ? add(x, bias) : x, 1);
  return div(p, add(sum(p, {-1}, true), eps));
}
}  // namespace

// ---- l2_normalize -------------------------------------------------------------------------------

TEST_CASE("l2_normalize: values, and the eps branch below it") {
  CHECK_VALUES(l2_normalize(f64({3, 4, 0, 0, 1, 0}, {3, 2})), 1e-15, {0.6, 0.8, 0, 0, 1, 0});
  // Along axis 0 of (2, 2): columns (3, 4) and (0, 2).
  CHECK_VALUES(l2_normalize(f64({3, 0, 4, 2}, {2, 2}), 0), 1e-15, {0.6, 0, 0.8, 1});
  // ‖x‖ = 5 ≤ eps = 10: y = x / eps.
  CHECK_VALUES(l2_normalize(f64({3, 4}, {2}), 0, 10.0), 1e-15, {0.3, 0.4});
}

TEST_CASE("gradcheck: l2_normalize on every axis, above and below eps") {
  Tensor x = randn64({2, 3, 4}, 11);
  for (std::int64_t axis : {-1, 0, 1}) {
    INFO("axis " << axis);
    CHECK_GRADCHECK([axis](const std::vector<Tensor>& t) { return l2_normalize(t[0], axis); }, {x});
    // eps = 50 exceeds every norm here (|x| < 5 per element, ≤ 4 elements): the ḡy/eps branch.
    CHECK_GRADCHECK([axis](const std::vector<Tensor>& t) { return l2_normalize(t[0], axis, 50.0); }, {x});
  }
  // Mixed rows: the first below eps = 1, the second above.
  Tensor m = leaf64({0.3, -0.2, 0.1, 2.0, -1.0, 0.5}, {2, 3});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return l2_normalize(t[0], -1, 1.0); }, {m});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return l2_normalize(t[0], 0, 1.0); }, {m});
}

TEST_CASE("l2_normalize: the eps-branch gradient is exactly ḡy / eps") {
  Tensor x = leaf64({1e-14, -2e-14, 0.0}, {3});  // ‖x‖ ≤ 1e-12
  Tensor g = f64({1, 2, 3}, {3});
  auto gx = grad(l2_normalize(x, 0), {x}, g);
  CHECK_VALUES(gx[0], 1e-3, {1e12, 2e12, 3e12});
  // All-zero input: output 0, no NaN.
  CHECK_VALUES(l2_normalize(zeros({2, 3}, {.dtype = DType::F64})), 0.0, {0, 0, 0, 0, 0, 0});
}

TEST_CASE("l2_normalize matches the composite forward and backward, float32 and float64") {
  for (std::int64_t axis : {-1, 1}) {
    INFO("axis " << axis);
    Tensor x = randn64({3, 70, 5}, 12);  // inner 5 > 1 on axis 1; rows of 5 on axis −1
    Tensor g = randn64({3, 70, 5}, 13, false);
    auto fused = grad(l2_normalize(x, axis), {x}, g);
    auto comp = grad(l2_composite(x, axis, 1e-12), {x}, g);
    CHECK(max_abs_diff(l2_normalize(x, axis), l2_composite(x, axis, 1e-12)) < 1e-15);
    CHECK(max_abs_diff(fused[0], comp[0]) < 1e-13);
    Tensor x32 = x.detach().to(DType::F32).requires_grad_();
    auto f32 = grad(l2_normalize(x32, axis), {x32}, g.to(DType::F32));
    CHECK(max_abs_diff(l2_normalize(x32, axis), l2_normalize(x, axis)) < 1e-6);
    CHECK(max_abs_diff(f32[0], fused[0]) < 1e-4 * max(abs(fused[0])).item());
  }
}

// ---- double_normalize ---------------------------------------------------------------------------

TEST_CASE("gradcheck: double_normalize with and without a slot bias") {
  Tensor x = randn64({2, 5, 3, 4}, 21), b = randn64({4}, 22);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return double_normalize(t[0], t[1]); }, {x, b});
  Tensor bg = randn64({3, 4}, 34);  // one bias row per group
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return double_normalize(t[0], t[1]); }, {x, bg});
  Tensor x3 = randn64({2, 6, 5}, 23);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return double_normalize(t[0]); }, {x3});
  // A large eps makes the ℓ1 denominator's eps term matter.
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return double_normalize(t[0], Tensor(), 0.3); }, {x3});
}

TEST_CASE("double_normalize: worked values") {
  // B = 1, N = 2, S = 2: x = [[0, 0], [ln 3, 0]] → softmax over N: [[1/4, 1/2], [3/4, 1/2]];
  // ℓ1 over S (eps 0): [[1/3, 2/3], [3/5, 2/5]].
  Tensor x = f64({0, 0, std::log(3.0), 0}, {1, 2, 2});
  CHECK_VALUES(double_normalize(x, Tensor(), 0.0), 1e-15, {1.0 / 3, 2.0 / 3, 0.6, 0.4});
}

TEST_CASE("double_normalize matches the composite, and the bias gradient is exactly zero") {
  Tensor x = randn64({2, 150, 3, 8}, 24), g = randn64({2, 150, 3, 8}, 26, false);  // N = 150: three row chunks
  Tensor y;
  for (const Tensor& b : {randn64({8}, 25), randn64({3, 8}, 35)}) {  // one bias row for all groups, or one each
    INFO("bias " << shape_str(b.shape()));
    y = double_normalize(x, b);
    CHECK(max_abs_diff(y, double_composite(x, b, 1e-9)) < 1e-15);  // y ≤ 1: a few ulps
    auto fused = grad(y, {x, b}, g);
    auto comp = grad(double_composite(x, b, 1e-9), {x, b}, g);
    CHECK(max_abs_diff(fused[0], comp[0]) < 1e-14 * max(abs(comp[0])).item());
    CHECK(fused[1].shape() == b.shape());
    CHECK(max(abs(fused[1])).item() == 0.0);
    CHECK(max(abs(comp[1])).item() < 1e-12);  // the composite's bias gradient is rounding noise
  }
  // Rows over S sum to 1 − eps/(eps + Σ P); columns of the softmax over N sum to 1.
  Tensor rows = sum(y, {-1});
  CHECK(max(abs(sub(rows, 1.0))).item() < 1e-6);
  CHECK(min(rows).item() < 1.0);
}

TEST_CASE("double_normalize: a maximum that grows across row chunks, float32 accuracy, no overflow") {
  // Logits rising along N (the running max is rescaled at every chunk) up to 500: exp would
  // overflow without the max subtraction.
  std::vector<double> v(2 * 200 * 3);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = 2.5 * static_cast<double>((i / 3) % 200) + 0.1 * static_cast<double>(i % 3);
  Tensor x = from_values(v, {2, 200, 3}, {.dtype = DType::F64});
  Tensor ref = double_composite(x, Tensor(), 1e-9);
  CHECK(max_abs_diff(double_normalize(x), ref) < 1e-15);
  Tensor x32 = randn64({4, 300, 2, 16}, 27, false).to(DType::F32);
  Tensor g32 = randn64({4, 300, 2, 16}, 28, false).to(DType::F32);
  Tensor x32g = x32.clone().requires_grad_();
  auto gf = grad(double_normalize(x32g), {x32g}, g32);
  Tensor x64 = x32.to(DType::F64).requires_grad_();
  auto gd = grad(double_composite(x64, Tensor(), 1e-9), {x64}, g32.to(DType::F64));
  CHECK(max_abs_diff(double_normalize(x32), double_composite(x64, Tensor(), 1e-9)) < 1e-6);
  CHECK(max_abs_diff(gf[0], gd[0]) < 1e-5 * max(abs(gd[0])).item());
}

TEST_CASE("double_normalize and l2_normalize do not depend on the thread count") {
  ThreadCount restore;
  // B = 1 splits the heads into 2 blocks on 1 thread and 4 on 2 threads; B = 4 keeps whole rows.
  for (std::int64_t B : {1, 4}) {
    INFO("B " << B);
    Tensor x = randn64({B, 300, 4, 16}, 29, false).to(DType::F32).requires_grad_();
    Tensor g = randn64({B, 300, 4, 16}, 30, false).to(DType::F32);
    set_num_threads(1);
    Tensor y1 = double_normalize(x), n1 = l2_normalize(x, 1);
    auto g1 = grad(double_normalize(x), {x}, g);
    set_num_threads(2);
    Tensor y2 = double_normalize(x), n2 = l2_normalize(x, 1);
    auto g2 = grad(double_normalize(x), {x}, g);
    CHECK(y1.to_vector<float>() == y2.to_vector<float>());
    CHECK(n1.to_vector<float>() == n2.to_vector<float>());
    CHECK(g1[0].to_vector<float>() == g2[0].to_vector<float>());
  }
}

TEST_CASE("normalize ops: errors name the op and the shapes") {
  Tensor x = randn64({2, 3}, 31, false);
  CHECK_THROWS_WITH_AS(double_normalize(x), doctest::Contains("double_normalize: expected (B, N, ..., S)"), Error);
  CHECK_THROWS_WITH_AS(double_normalize(randn64({2, 3, 4}, 32, false), randn64({3}, 33, false)),
                       doctest::Contains("bias of shape (3,) must be (4,)"), Error);
  CHECK_THROWS_AS(l2_normalize(x, 2), Error);
  CHECK_THROWS_WITH_AS(l2_normalize(x, -1, 0.0), doctest::Contains("eps must be positive"), Error);
  CHECK_THROWS_WITH_AS(l2_normalize(zeros({2}, {.dtype = DType::I64})), doctest::Contains("float32 or float64"), Error);
}
