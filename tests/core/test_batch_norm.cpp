// tests/core/test_batch_norm.cpp — batch_norm: training and evaluation forward values against
// direct per-channel loops, running-statistic updates against hand-computed numbers (PyTorch
// semantics: biased variance to normalize, unbiased in running_var), float64 gradchecks in
// both modes, float32 against float64, and argument errors.
#include <doctest/doctest.h>

#include <cmath>

#include "core/ops.h"
#include "support/gradcheck.h"

using namespace linattn;
using testing::randn64;

namespace {

// y[b, c, s] = (x − m[c]) / √(v[c] + eps) · w[c] + bias[c], with m, v the batch mean and biased
// variance (training) or the given running statistics.
std::vector<double> batch_norm_direct(const Tensor& xt, const std::vector<double>& w, const std::vector<double>& bias,
                                      const std::vector<double>& rm, const std::vector<double>& rv, bool training,
                                      double eps) {
  const auto x = xt.to(DType::F64).to_vector<double>();
  const std::int64_t B = xt.size(0), C = xt.size(1), S = xt.numel() / (B * C);
  std::vector<double> out(x.size());
  for (std::int64_t c = 0; c < C; ++c) {
    auto at = [&](std::int64_t b, std::int64_t s) { return static_cast<std::size_t>((b * C + c) * S + s); };
    double m = 0, v = 0;
    if (training) {
      for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t s = 0; s < S; ++s) m += x[at(b, s)];
      m /= static_cast<double>(B * S);
      for (std::int64_t b = 0; b < B; ++b)
        for (std::int64_t s = 0; s < S; ++s) v += (x[at(b, s)] - m) * (x[at(b, s)] - m);
      v /= static_cast<double>(B * S);
    } else {
      m = rm[static_cast<std::size_t>(c)];
      v = rv[static_cast<std::size_t>(c)];
    }
    const auto cc = static_cast<std::size_t>(c);
    for (std::int64_t b = 0; b < B; ++b)
      for (std::int64_t s = 0; s < S; ++s)
        out[at(b, s)] = (x[at(b, s)] - m) / std::sqrt(v + eps) * (w.empty() ? 1.0 : w[cc]) + (bias.empty() ? 0.0 : bias[cc]);
  }
  return out;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element ", i, ": got ", got[i], ", want ", want[i]);
    CHECK(std::abs(got[i] - want[i]) <= tol * (1.0 + std::abs(want[i])));
  }
}

Tensor f64(const std::vector<double>& v, const Shape& s) { return from_values(v, s, {.dtype = DType::F64}); }

}  // namespace

TEST_CASE("batch_norm training updates the running statistics like PyTorch") {
  // (B, C) = (4, 2): channel 0 holds 1, 2, 3, 4 (mean 2.5, biased var 1.25, unbiased 5/3),
  // channel 1 holds 2, 4, 6, 8 (mean 5, biased var 5, unbiased 20/3).
  Tensor x = f64({1, 2, 2, 4, 3, 6, 4, 8}, {4, 2});
  Tensor w = f64({2, -1}, {2}), b = f64({0.5, 1}, {2});
  Tensor rm = f64({0, 0}, {2}), rv = f64({1, 1}, {2});
  Tensor y = batch_norm(x, w, b, rm, rv, true);
  check_close(rm.to_vector<double>(), {0.25, 0.5}, 1e-15);                      // 0.9·0 + 0.1·mean
  check_close(rv.to_vector<double>(), {0.9 + 0.5 / 3, 0.9 + 2.0 / 3}, 1e-15);    // 0.9·1 + 0.1·unbiased var
  const double s0 = 1 / std::sqrt(1.25 + 1e-5), s1 = 1 / std::sqrt(5 + 1e-5);
  check_close(y.to_vector<double>(),
              {-1.5 * s0 * 2 + 0.5, -3 * s1 * -1 + 1, -0.5 * s0 * 2 + 0.5, -1 * s1 * -1 + 1, 0.5 * s0 * 2 + 0.5,
               1 * s1 * -1 + 1, 1.5 * s0 * 2 + 0.5, 3 * s1 * -1 + 1},
              1e-14);
  // A second step with momentum 0.3 blends again.
  batch_norm(x, w, b, rm, rv, true, 0.3);
  check_close(rm.to_vector<double>(), {0.7 * 0.25 + 0.3 * 2.5, 0.7 * 0.5 + 0.3 * 5}, 1e-15);
  check_close(rv.to_vector<double>(), {0.7 * (0.9 + 0.5 / 3) + 0.3 * 5.0 / 3, 0.7 * (0.9 + 2.0 / 3) + 0.3 * 20.0 / 3},
              1e-15);
}

TEST_CASE("batch_norm training forward matches a direct loop on images, float64 and float32") {
  Tensor x = randn64({3, 4, 2, 5}, 1, false);
  auto w = randn64({4}, 2, false).to_vector<double>(), bias = randn64({4}, 3, false).to_vector<double>();
  auto want = batch_norm_direct(x, w, bias, {}, {}, true, 1e-5);
  check_close(batch_norm(x, f64(w, {4}), f64(bias, {4}), Tensor(), Tensor(), true).to_vector<double>(), want, 1e-13);
  Tensor y32 = batch_norm(x.to(DType::F32), f64(w, {4}).to(DType::F32), f64(bias, {4}).to(DType::F32), Tensor(),
                          Tensor(), true);
  check_close(y32.to(DType::F64).to_vector<double>(), want, 1e-5);
  // Without weight and bias: plain standardization; (B, C, L) inputs too.
  check_close(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-3).to_vector<double>(),
              batch_norm_direct(x, {}, {}, {}, {}, true, 1e-3), 1e-13);
  Tensor x3 = reshape(x, {3, 4, 10});
  check_close(batch_norm(x3, f64(w, {4}), f64(bias, {4}), Tensor(), Tensor(), true).to_vector<double>(), want, 1e-13);
}

TEST_CASE("batch_norm evaluation uses the running statistics and leaves them alone") {
  Tensor x = randn64({2, 3, 2, 2}, 4, false);
  std::vector<double> w{1.5, -0.5, 2}, bias{0.1, 0.2, 0.3}, m{0.5, -1, 0}, v{2, 0.5, 1};
  Tensor rm = f64(m, {3}), rv = f64(v, {3});
  Tensor y = batch_norm(x, f64(w, {3}), f64(bias, {3}), rm, rv, false);
  check_close(y.to_vector<double>(), batch_norm_direct(x, w, bias, m, v, false, 1e-5), 1e-14);
  CHECK(rm.to_vector<double>() == m);
  CHECK(rv.to_vector<double>() == v);
  // Training bumps the running statistics' version (they are written in place).
  const auto version = rm.version();
  batch_norm(x, Tensor(), Tensor(), rm, rv, true);
  CHECK(rm.version() > version);
}

TEST_CASE("batch_norm gradcheck in training mode") {
  for (const Shape& shape : {Shape{3, 2, 2, 3}, Shape{5, 3}, Shape{2, 3, 4}}) {
    INFO("input ", shape_str(shape));
    Tensor x = randn64(shape, 11), w = randn64({shape[1]}, 12), b = randn64({shape[1]}, 13);
    CHECK_GRADCHECK(
        [](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true); },
        {x, w, b});
    CHECK_GRADCHECK(
        [](const std::vector<Tensor>& in) { return batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true); },
        {x});
  }
  // With running statistics being updated on every call (they do not change the output).
  Tensor x = randn64({4, 2, 3, 3}, 14), w = randn64({2}, 15), b = randn64({2}, 16);
  Tensor rm = zeros({2}, {.dtype = DType::F64}), rv = ones({2}, {.dtype = DType::F64});
  CHECK_GRADCHECK([rm, rv](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], rm, rv, true); },
                  {x, w, b});
}

TEST_CASE("batch_norm gradcheck in evaluation mode") {
  Tensor x = randn64({3, 2, 2, 3}, 21), w = randn64({2}, 22), b = randn64({2}, 23);
  Tensor rm = f64({0.3, -0.2}, {2}), rv = f64({1.7, 0.4}, {2});
  CHECK_GRADCHECK([rm, rv](const std::vector<Tensor>& in) { return batch_norm(in[0], in[1], in[2], rm, rv, false); },
                  {x, w, b});
}

TEST_CASE("batch_norm float32 gradients agree with float64 and repeat bit for bit") {
  Tensor x = randn64({4, 3, 3, 3}, 31), w = randn64({3}, 32), b = randn64({3}, 33);
  Tensor gy = randn64(x.shape(), 34, false);
  auto g64 = grad(batch_norm(x, w, b, Tensor(), Tensor(), true), {x, w, b}, gy);
  Tensor x32 = x.detach().to(DType::F32).requires_grad_(), w32 = w.detach().to(DType::F32).requires_grad_();
  Tensor b32 = b.detach().to(DType::F32).requires_grad_();
  auto run = [&] { return grad(batch_norm(x32, w32, b32, Tensor(), Tensor(), true), {x32, w32, b32}, gy.to(DType::F32)); };
  auto g32 = run(), again = run();
  for (std::size_t i = 0; i < 3; ++i) {
    check_close(g32[i].to(DType::F64).to_vector<double>(), g64[i].to_vector<double>(), 1e-4);
    CHECK(g32[i].to_vector<float>() == again[i].to_vector<float>());
  }
}

TEST_CASE("batch_norm argument errors name the shapes") {
  Tensor x = zeros({2, 3, 4, 4});
  CHECK_THROWS_WITH_AS(batch_norm(x, zeros({4}), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("batch_norm: weight of shape (4,) does not match the 3 channels of input (2, "
                                         "3, 4, 4)"),
                       Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), zeros({3}), zeros({2}), true),
                       doctest::Contains("running_var of shape (2,)"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), Tensor(), Tensor(), false),
                       doctest::Contains("evaluation mode needs running_mean and running_var"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, Tensor(), Tensor(), zeros({3}), Tensor(), true),
                       doctest::Contains("both be defined or both undefined"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(zeros({1, 3}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("more than one value per channel, got input (1, 3)"), Error);
  CHECK_NOTHROW(batch_norm(zeros({1, 3}), Tensor(), Tensor(), zeros({3}), ones({3}), false));
  CHECK_THROWS_WITH_AS(batch_norm(zeros({6}), Tensor(), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("input must be (B, C), (B, C, L) or (B, C, H, W), got shape (6,)"), Error);
  CHECK_THROWS_WITH_AS(batch_norm(x, zeros({3}, {.dtype = DType::F64}), Tensor(), Tensor(), Tensor(), true),
                       doctest::Contains("weight is float64"), Error);
}
