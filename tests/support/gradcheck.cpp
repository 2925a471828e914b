// tests/support/gradcheck.cpp — see gradcheck.h.
#include "support/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

namespace linattn::testing {

namespace {

double weighted_sum(const Tensor& out, const std::vector<double>& w) {
  std::vector<double> v = out.to(DType::F64).to_vector<double>();
  double s = 0;
  for (std::size_t i = 0; i < v.size(); ++i) s += v[i] * w[i];
  return s;
}

}  // namespace

GradcheckResult gradcheck(const TensorFn& f, const std::vector<Tensor>& inputs, GradcheckOptions o) {
  GradcheckResult result;
  std::vector<Tensor> diff;
  std::vector<std::size_t> diff_index;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    if (inputs[i].dtype() != DType::F64) {
      result.ok = false;
      result.message = str_cat("gradcheck: input ", i, " is ", dtype_name(inputs[i].dtype()), "; use float64");
      return result;
    }
    diff.push_back(inputs[i]);
    diff_index.push_back(i);
  }

  // Analytic gradients of L = Σ out ⊙ W.
  Tensor out = f(inputs);
  Generator gen(o.seed);
  Tensor w = randn(out.shape(), {.dtype = DType::F64, .device = out.device()}, &gen);
  std::vector<double> wv = w.to_vector<double>();
  std::vector<Tensor> analytic = grad(out, diff, w.to(out.dtype()));

  NoGradGuard no_grad;
  for (std::size_t d = 0; d < diff.size(); ++d) {
    Tensor x = diff[d];
    LINATTN_CHECK(x.device().is_cpu(), "gradcheck runs on the CPU");
    double* p = x.data<double>();
    std::vector<double> a = analytic[d].defined() ? analytic[d].to_vector<double>()
                                                  : std::vector<double>(static_cast<std::size_t>(x.numel()), 0.0);
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const double orig = p[i];
      p[i] = orig + o.eps;
      x.bump_version();
      double plus = weighted_sum(f(inputs), wv);
      p[i] = orig - o.eps;
      x.bump_version();
      double minus = weighted_sum(f(inputs), wv);
      p[i] = orig;
      x.bump_version();
      double numeric = (plus - minus) / (2 * o.eps);
      double analytic_i = a[static_cast<std::size_t>(i)];
      double err = std::abs(analytic_i - numeric);
      result.max_abs_error = std::max(result.max_abs_error, err);
      ++result.checked;
      if (!(err <= o.atol + o.rtol * std::abs(numeric)) && result.ok) {
        result.ok = false;
        std::ostringstream m;
        m.precision(12);
        m << "gradcheck failed for input " << diff_index[d] << " (shape " << shape_str(x.shape())
          << ") at flat element " << i << ": analytic " << analytic_i << ", numeric " << numeric << ", |diff| "
          << err << " > atol " << o.atol << " + rtol " << o.rtol << "·|numeric|";
        result.message = m.str();
      }
    }
  }
  if (result.ok) result.message = str_cat("gradcheck ok: ", result.checked, " elements, max |diff| ", result.max_abs_error);
  return result;
}

Tensor randn64(const Shape& shape, std::uint64_t seed, bool requires_grad) {
  Generator gen(seed);
  return randn(shape, {.dtype = DType::F64, .requires_grad = requires_grad}, &gen);
}

Tensor uniform64(const Shape& shape, double lo, double hi, std::uint64_t seed, bool requires_grad) {
  Generator gen(seed);
  return uniform(shape, lo, hi, {.dtype = DType::F64, .requires_grad = requires_grad}, &gen);
}

Tensor leaf64(const std::vector<double>& values, const Shape& shape, bool requires_grad) {
  return from_values(values, shape, {.dtype = DType::F64, .requires_grad = requires_grad});
}

Tensor randn_away_from(const Shape& shape, const std::vector<double>& kinks, double margin, std::uint64_t seed,
                       bool requires_grad) {
  Generator gen(seed);
  std::vector<double> v(static_cast<std::size_t>(numel(shape)));
  for (double& x : v) {
    do x = gen.normal();
    while (std::any_of(kinks.begin(), kinks.end(), [&](double k) { return std::abs(x - k) < margin; }));
  }
  return from_values(v, shape, {.dtype = DType::F64, .requires_grad = requires_grad});
}

Tensor distinct_values(const Shape& shape, double gap, std::uint64_t seed, bool requires_grad) {
  Generator gen(seed);
  auto n = static_cast<std::size_t>(numel(shape));
  std::vector<double> v(n);
  std::iota(v.begin(), v.end(), 0.0);
  for (std::size_t i = n; i > 1; --i) std::swap(v[i - 1], v[static_cast<std::size_t>(gen.randint(0, static_cast<std::int64_t>(i)))]);
  double center = static_cast<double>(n) / 2;
  for (double& x : v) x = (x - center) * gap;
  return from_values(v, shape, {.dtype = DType::F64, .requires_grad = requires_grad});
}

}  // namespace linattn::testing
