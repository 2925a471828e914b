// tests/core/test_nn.cpp — fused nn ops (core/ops/nn.h): float64 gradchecks of softmax,
// log_softmax, cross_entropy, layer_norm and dropout on both loop shapes (reduced axis last, and
// strided), forward values and gradients from PyTorch 1.13, agreement of each fused kernel with
// the composite of primitive ops, float32 accuracy (fast exp), thread-count independence and
// the error messages.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "core/cpu/vec_math.h"
#include "core/ops.h"
#include "support/gradcheck.h"
#include "support/values.h"

using namespace linattn;
using namespace linattn::testing;

namespace {
Tensor f64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::F64}); }
Tensor i64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::I64}); }

double max_abs_diff(const Tensor& a, const Tensor& b) {
  std::vector<double> x = a.detach().to(DType::F64).to_vector<double>(), y = b.detach().to(DType::F64).to_vector<double>();
  REQUIRE(x.size() == y.size());
  double m = 0;
  for (std::size_t i = 0; i < x.size(); ++i) m = std::max(m, std::abs(x[i] - y[i]));
  return m;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) { return a.to_vector<float>() == b.to_vector<float>(); }

// Restores the thread count when a test changes it.
struct ThreadCount {
  int saved = num_threads();
  ~ThreadCount() { set_num_threads(saved); }
};
}  // namespace

// ---- softmax / log_softmax ----------------------------------------------------------------------

TEST_CASE("gradcheck: softmax and log_softmax on every axis") {
  Tensor x = randn64({2, 3, 4}, 71);
  for (std::int64_t axis : {-1, 0, 1}) {
    INFO("axis ", axis);
    CHECK_GRADCHECK([axis](const std::vector<Tensor>& t) { return softmax(t[0], axis); }, {x});
    CHECK_GRADCHECK([axis](const std::vector<Tensor>& t) { return log_softmax(t[0], axis); }, {x});
  }
  // Second-order use: the softmax output feeding another op (the saved output must not be
  // confused with the upstream gradient).
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { Tensor p = softmax(t[0], -1); return mul(p, p); }, {x});
}

TEST_CASE("softmax and log_softmax: values from PyTorch") {
  Tensor x = f64({1, 2, 3, 1, 1, 1}, {2, 3});
  CHECK_VALUES(softmax(x), 1e-11, {0.0900305731704, 0.244728471055, 0.665240955775, 1.0 / 3, 1.0 / 3, 1.0 / 3});
  CHECK_VALUES(log_softmax(x), 1e-11, {-2.40760596444, -1.40760596444, -0.407605964444, -1.09861228867, -1.09861228867,
                                       -1.09861228867});
  std::vector<double> v(12);
  for (int i = 0; i < 12; ++i) v[static_cast<std::size_t>(i)] = i * 0.5 - 2;
  Tensor y = f64(v, {2, 3, 2});
  CHECK_VALUES(softmax(y, 1), 1e-11, {0.0900305731704, 0.0900305731704, 0.244728471055, 0.244728471055, 0.665240955775,
                                      0.665240955775, 0.0900305731704, 0.0900305731704, 0.244728471055, 0.244728471055,
                                      0.665240955775, 0.665240955775});
  CHECK_VALUES(log_softmax(y, 0), 1e-11, {-3.04858735157, -3.04858735157, -3.04858735157, -3.04858735157,
                                          -3.04858735157, -3.04858735157, -0.0485873515737, -0.0485873515737,
                                          -0.0485873515737, -0.0485873515737, -0.0485873515737, -0.0485873515737});
}

TEST_CASE("softmax: masked (-inf) entries are exactly 0 and large logits do not overflow") {
  const double inf = std::numeric_limits<double>::infinity();
  for (DType dt : {DType::F64, DType::F32}) {
    Tensor m = from_values({0, -inf, 1000, 999}, {1, 4}, {.dtype = dt});
    CHECK_VALUES(softmax(m), 1e-7, {0, 0, 0.73105857863, 0.26894142137});
    CHECK(softmax(m).at({0, 1}) == 0.0);
    CHECK(std::isinf(log_softmax(m).at({0, 1})));
    Tensor col = from_values({0, -inf, 1000, 999}, {4, 1}, {.dtype = dt});  // the strided path
    CHECK_VALUES(softmax(col, 0), 1e-7, {0, 0, 0.73105857863, 0.26894142137});
  }
}

TEST_CASE("softmax float32 matches float64 over row lengths that exercise vector tails") {
  Generator gen(72);
  for (std::int64_t n : {1, 7, 16, 17, 100, 1000}) {
    Tensor x = mul(randn({3, n}, {.dtype = DType::F64}, &gen), 4.0);
    Tensor x32 = x.to(DType::F32);
    INFO("row length ", n);
    CHECK(max_abs_diff(softmax(x32), softmax(x)) < 1e-6);
    CHECK(max_abs_diff(log_softmax(x32), log_softmax(x)) < 1e-5);
    // the strided path with more positions than one column block (kCols = 64)
    Tensor xt = mul(randn({1, n, 70}, {.dtype = DType::F64}, &gen), 4.0);
    CHECK(max_abs_diff(softmax(xt.to(DType::F32), 1), softmax(xt, 1)) < 1e-6);
    CHECK(max_abs_diff(log_softmax(xt.to(DType::F32), 1), log_softmax(xt, 1)) < 1e-5);
  }
}

TEST_CASE("fused softmax backward equals the composite of primitive ops") {
  Generator gen(73);
  Tensor x = randn({5, 33}, {.dtype = DType::F64, .requires_grad = true}, &gen);
  Tensor g = randn({5, 33}, {.dtype = DType::F64}, &gen);
  Tensor e = exp(sub(x, max(x, {-1}, true)));
  Tensor composite = div(e, sum(e, {-1}, true));
  CHECK(max_abs_diff(softmax(x), composite) < 1e-15);
  CHECK(max_abs_diff(grad(softmax(x), {x}, g)[0], grad(composite, {x}, g)[0]) < 1e-14);
  Tensor log_composite = sub(x, log(sum(exp(x), {-1}, true)));
  CHECK(max_abs_diff(grad(log_softmax(x), {x}, g)[0], grad(log_composite, {x}, g)[0]) < 1e-13);
}

TEST_CASE("fast_exp: at most 2 ulp over the float range, exact special values") {
  using cpu::fast_exp;
  double worst = 0;
  // Every 20011th float bit pattern in [ln FLT_MIN, 88.37] (~10⁵ of them, spread over all exponents).
  for (std::uint32_t bits = 0; bits < 0xFF800000u; bits += 20011u) {
    float x = std::bit_cast<float>(bits);
    if (!(x >= -87.33f && x <= 88.37f)) continue;
    double ref = std::exp(static_cast<double>(x));
    float r = static_cast<float>(ref);
    double ulp = static_cast<double>(std::nextafter(r, std::numeric_limits<float>::infinity()) - r);
    worst = std::max(worst, std::abs(static_cast<double>(fast_exp(x)) - ref) / ulp);
  }
  CHECK(worst <= 2.0);
  CHECK(fast_exp(0.0f) == 1.0f);
  CHECK(fast_exp(-std::numeric_limits<float>::infinity()) == 0.0f);
  CHECK(fast_exp(-100.0f) == 0.0f);
  CHECK(std::isinf(fast_exp(std::numeric_limits<float>::infinity())));
  CHECK(std::isnan(fast_exp(std::numeric_limits<float>::quiet_NaN())));
}

// ---- cross_entropy ------------------------------------------------------------------------------

TEST_CASE("gradcheck: cross_entropy, every reduction, smoothing and ignore_index") {
  Tensor logits = randn64({4, 5}, 74);
  Tensor targets = i64({0, 4, -100, 2}, {4});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    for (double eps : {0.0, 0.15}) {
      INFO(reduction_name(r), " label_smoothing ", eps);
      CrossEntropyOptions o{.label_smoothing = eps, .reduction = r};
      CHECK_GRADCHECK([targets, o](const std::vector<Tensor>& t) { return cross_entropy(t[0], targets, o); }, {logits});
    }
  }
  // (B, K, d1, d2): classes on axis 1, the strided path; a custom ignore_index.
  Tensor spatial = randn64({2, 3, 2, 2}, 75);
  Tensor st = i64({0, 2, 7, 1, 1, 1, 0, 7}, {2, 2, 2});
  CHECK_GRADCHECK([st](const std::vector<Tensor>& t) {
    return cross_entropy(t[0], st, {.label_smoothing = 0.1, .ignore_index = 7});
  }, {spatial});
  CHECK_GRADCHECK([st](const std::vector<Tensor>& t) {
    return cross_entropy(t[0], st, {.ignore_index = 7, .reduction = Reduction::None});
  }, {spatial});
  // (K) logits with a 0-d target
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return cross_entropy(t[0], i64({2}, {})); }, {randn64({4}, 76)});
}

TEST_CASE("cross_entropy: values and gradients from PyTorch") {
  Tensor L = leaf64({1, 2, 0.5, -1, 0, 0, 3, 1, 2, -2, 1, 0}, {3, 4});
  Tensor t = i64({0, 3, -100}, {3});
  CHECK_VALUES(cross_entropy(L, t), 1e-10, {1.85308976066});
  CHECK_VALUES(cross_entropy(L, t, {.reduction = Reduction::Sum}), 1e-10, {3.70617952132});
  CHECK_VALUES(cross_entropy(L, t, {.reduction = Reduction::None}), 1e-10, {1.49518189809, 2.21099762324, 0.0});
  CHECK_VALUES(cross_entropy(L, t, {.label_smoothing = 0.1}), 1e-10, {1.87183976066});
  CHECK_VALUES(cross_entropy(L, t, {.label_smoothing = 0.1, .reduction = Reduction::Sum}), 1e-10, {3.74367952132});
  CHECK_VALUES(cross_entropy(L, t, {.label_smoothing = 0.1, .reduction = Reduction::None}), 1e-10,
               {1.53268189809, 2.21099762324, 0.0});
  CHECK(cross_entropy(L, t).shape() == Shape{});
  CHECK_VALUES(grad(cross_entropy(L, t), {L})[0], 1e-10,
               {-0.387896090976, 0.304730018799, 0.0679944578968, 0.0151716142797, 0.0201581863263, 0.0201581863263,
                0.404887995762, -0.445204368414, 0, 0, 0, 0});
  CHECK_VALUES(grad(cross_entropy(L, t, {.label_smoothing = 0.1}), {L})[0], 1e-10,
               {-0.350396090976, 0.292230018799, 0.0554944578968, 0.00267161427971, 0.00765818632632,
                0.00765818632632, 0.392387995762, -0.407704368414, 0, 0, 0, 0});
  // (B, K, d): logits (2, 3, 2) = (0.7·i) mod 2.3
  std::vector<double> v(12);
  for (int i = 0; i < 12; ++i) v[static_cast<std::size_t>(i)] = std::fmod(0.7 * i, 2.3);
  Tensor L3 = leaf64(v, {2, 3, 2});
  Tensor t3 = i64({0, 2, 1, -100}, {2, 2});
  CHECK_VALUES(cross_entropy(L3, t3, {.reduction = Reduction::None}), 1e-10,
               {1.90269261453, 1.40269261453, 1.35226506962, 0.0});
  CHECK_VALUES(cross_entropy(L3, t3, {.label_smoothing = 0.2}), 1e-10, {1.50143898845});
  CHECK_VALUES(grad(cross_entropy(L3, t3, {.label_smoothing = 0.2}), {L3})[0], 1e-10,
               {-0.239166745456, 0.0274999212103, 0.179411012177, 0.179411012177, 0.0597557332797, -0.206910933387,
                0.189839615751, 0.0, -0.20267097958, 0.0, 0.012831363829, 0.0});
}

TEST_CASE("cross_entropy float32 equals the composite log_softmax + gather") {
  Generator gen(77);
  for (std::int64_t K : {3, 10, 1000}) {
    Tensor x = mul(randn({9, K}, {.dtype = DType::F64}, &gen), 3.0);
    x.requires_grad_();
    std::vector<double> tv(9);
    for (int i = 0; i < 9; ++i) tv[static_cast<std::size_t>(i)] = static_cast<double>((i * 37) % K);
    Tensor t = i64(tv, {9});
    Tensor composite = neg(mean(gather(log_softmax(x, 1), 1, reshape(t, {9, 1}))));
    INFO("K ", K);
    CHECK(max_abs_diff(cross_entropy(x, t), composite) < 1e-13);
    CHECK(max_abs_diff(grad(cross_entropy(x, t), {x})[0], grad(composite, {x})[0]) < 1e-14);
    Tensor x32 = x.detach().to(DType::F32);
    CHECK(max_abs_diff(cross_entropy(x32, t), composite) < 1e-5);
  }
}

TEST_CASE("cross_entropy: all targets ignored gives NaN for mean, 0 for sum") {
  Tensor L = leaf64({1, 2, 3, 4}, {2, 2});
  Tensor t = i64({-100, -100}, {2});
  CHECK(std::isnan(cross_entropy(L, t).item()));
  CHECK(cross_entropy(L, t, {.reduction = Reduction::Sum}).item() == 0.0);
  CHECK_VALUES(grad(cross_entropy(L, t, {.reduction = Reduction::Sum}), {L})[0], 0, {0, 0, 0, 0});
}

TEST_CASE("cross_entropy reports bad targets and shapes") {
  Tensor L = f64({1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK_THROWS_WITH_AS(cross_entropy(L, i64({0, 3}, {2})),
                       doctest::Contains("target 3 (at flat position 1 of the targets) is out of range for 3 classes"),
                       Error);
  CHECK_THROWS_WITH_AS(cross_entropy(L, i64({-1, 0}, {2})), doctest::Contains("target -1"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(L, f64({0, 1}, {2})), doctest::Contains("targets must be int64"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(L, i64({0, 1, 2}, {3})), doctest::Contains("expected targets of shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(cross_entropy(L, i64({0, 1}, {2}), {.label_smoothing = 1.5}),
                       doctest::Contains("label_smoothing must be in [0, 1]"), Error);
  CHECK(parse_reduction("sum") == Reduction::Sum);
  CHECK_THROWS_WITH_AS(parse_reduction("avg"), doctest::Contains("valid: mean, sum, none"), Error);
}

// ---- layer_norm ---------------------------------------------------------------------------------

TEST_CASE("gradcheck: layer_norm with and without weight and bias") {
  Tensor x = randn64({3, 5}, 78), w = randn64({5}, 79), b = randn64({5}, 80);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return layer_norm(t[0], {5}, t[1], t[2]); }, {x, w, b});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return layer_norm(t[0], {5}, t[1]); }, {x, w});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return layer_norm(t[0], {5}, Tensor(), t[1]); }, {x, b});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return layer_norm(t[0], {5}); }, {x});
  // weight and bias only (x constant), two trailing axes, and enough rows for several
  // backward blocks (rows ≥ 16).
  Tensor x3 = randn64({2, 9, 2, 3}, 81), w2 = randn64({2, 3}, 82), b2 = randn64({2, 3}, 83);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return layer_norm(t[0], {2, 3}, t[1], t[2], 1e-3); },
                  {x3, w2, b2});
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) { return layer_norm(t[0], {5}, t[1], t[2]); },
                  {randn64({3, 5}, 84, false), w, b});
}

TEST_CASE("layer_norm: values and gradients from PyTorch") {
  Tensor x = leaf64({1, 2, 3, 4, -1, 0, 0, 5}, {2, 4});
  Tensor w = leaf64({1, 0.5, 2, -1}, {4}), b = leaf64({0, 1, 0, -1}, {4});
  Tensor y = layer_norm(x, {4}, w, b);
  CHECK_VALUES(y, 1e-10, {-1.34163541997, 0.776394096672, 0.894423613313, -2.34163541997, -0.852802090148,
                          0.786799477463, -0.852802090148, -2.7056041803});
  CHECK_VALUES(layer_norm(x, {4}), 1e-10, {-1.34163541997, -0.447211806656, 0.447211806656, 1.34163541997,
                                           -0.852802090148, -0.426401045074, -0.426401045074, 1.7056041803});
  Tensor go = f64({1, 0, -1, 2, 0.5, 0.5, 1, 0}, {2, 4});
  auto g = grad(y, {x, w, b}, go);
  CHECK_VALUES(g[0], 1e-10, {0.0894541676285, 0.178888658095, -0.626100464751, 0.357757639028, -0.205932093847,
                             -0.249541406168, 0.496660422712, -0.041186922697});
  CHECK_VALUES(g[1], 1e-10, {-1.76803646504, -0.213200522537, -0.87361285173, 2.68327083994});
  CHECK_VALUES(g[2], 1e-12, {1.5, 0.5, 0.0, 2.0});
}

TEST_CASE("layer_norm float32 equals the composite; weight gradients do not depend on threads") {
  Generator gen(85);
  Tensor x = mul(randn({300, 96}, {.dtype = DType::F64}, &gen), 2.0);
  Tensor w = randn({96}, {.dtype = DType::F64}, &gen), b = randn({96}, {.dtype = DType::F64}, &gen);
  Tensor centered = sub(x, mean(x, {-1}, true));
  Tensor composite = add(mul(div(centered, sqrt(add(var(x, {-1}, true, 0), 1e-5))), w), b);
  CHECK(max_abs_diff(layer_norm(x, {96}, w, b), composite) < 1e-12);
  Tensor x32 = x.to(DType::F32), w32 = w.to(DType::F32), b32 = b.to(DType::F32);
  CHECK(max_abs_diff(layer_norm(x32, {96}, w32, b32), composite) < 1e-5);

  w32.requires_grad_();
  b32.requires_grad_();
  x32.requires_grad_();
  Tensor g = randn({300, 96}, {}, &gen);
  ThreadCount restore;
  set_num_threads(1);
  auto one = grad(layer_norm(x32, {96}, w32, b32), {x32, w32, b32}, g);
  set_num_threads(2);
  auto two = grad(layer_norm(x32, {96}, w32, b32), {x32, w32, b32}, g);
  CHECK(bitwise_equal(one[0], two[0]));
  CHECK(bitwise_equal(one[1], two[1]));
  CHECK(bitwise_equal(one[2], two[2]));
}

TEST_CASE("layer_norm reports bad shapes") {
  Tensor x = zeros({2, 4}, {.dtype = DType::F64});
  CHECK_THROWS_WITH_AS(layer_norm(x, {3}), doctest::Contains("must be the trailing axes"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {4}, zeros({3}, {.dtype = DType::F64})),
                       doctest::Contains("weight of shape (3,) does not match normalized_shape (4,)"), Error);
  CHECK_THROWS_WITH_AS(layer_norm(x, {4}, Tensor(), zeros({4})), doctest::Contains("bias is float32"), Error);
}

// ---- dropout ------------------------------------------------------------------------------------

TEST_CASE("gradcheck: dropout with a fixed generator state") {
  Tensor x = randn64({4, 5}, 86);
  CHECK_GRADCHECK([](const std::vector<Tensor>& t) {
    Generator gen(7);  // same mask on every call
    return dropout(t[0], 0.4, true, &gen);
  }, {x});
}

TEST_CASE("dropout: the mask is rand < p for the same generator state, scaled by 1/(1-p)") {
  const double p = 0.3;
  Tensor x = ones({100000});
  Generator gen(11);
  Generator twin = gen;
  Tensor y = dropout(x, p, true, &gen);
  CHECK(gen.offset() == 100000);  // advanced by numel
  Tensor u = rand({100000}, {}, &twin);
  std::vector<float> yv = y.to_vector<float>(), uv = u.to_vector<float>();
  std::int64_t kept = 0, mismatches = 0;
  for (std::size_t i = 0; i < yv.size(); ++i) {
    bool keep = !(uv[i] < p);
    kept += keep;
    mismatches += keep ? yv[i] != static_cast<float>(1.0 / (1.0 - p)) : yv[i] != 0.0f;
  }
  CHECK(mismatches == 0);
  CHECK(static_cast<double>(kept) / 1e5 == doctest::Approx(0.7).epsilon(0.01));
  // float64 drops the same elements
  Generator again(11);
  Tensor y64 = dropout(ones({100000}, {.dtype = DType::F64}), p, true, &again);
  CHECK(max_abs_diff(y64, y) < 1e-6);
}

TEST_CASE("dropout backward applies the forward's mask; p = 0 and eval are the identity") {
  Generator gen(12);
  Tensor x = randn({1000}, {.requires_grad = true}, &gen);
  Tensor y = dropout(x, 0.5, true, &gen);
  Tensor gx = grad(y, {x}, ones({1000}))[0];
  std::vector<float> yv = y.to_vector<float>(), gv = gx.to_vector<float>();
  std::int64_t bad = 0;
  for (std::size_t i = 0; i < yv.size(); ++i) bad += (yv[i] == 0.0f) != (gv[i] == 0.0f) || (gv[i] != 0 && gv[i] != 2.0f);
  CHECK(bad == 0);
  const std::uint64_t offset = gen.offset();
  CHECK(dropout(x, 0.0, true, &gen).shares_storage(x));
  CHECK(dropout(x, 0.5, false, &gen).shares_storage(x));
  CHECK(gen.offset() == offset);
  CHECK_THROWS_WITH_AS(dropout(x, 1.0, true), doctest::Contains("p must be in [0, 1), got 1"), Error);
  CHECK_THROWS_WITH_AS(dropout(x, -0.1, false), doctest::Contains("p must be in [0, 1)"), Error);
}
