// tests/support/parity.cpp — see parity.h.
#include "support/parity.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace linattn::testing {

namespace {
std::vector<double> host_values(const Tensor& t) {
  NoGradGuard no_grad;
  return t.detach().to(Device::cpu()).to(DType::F64).to_vector<double>();
}
}  // namespace

Comparison compare(const Tensor& actual, const Tensor& expected, Tolerance tol) {
  Comparison c;
  if (actual.shape() != expected.shape() || actual.dtype() != expected.dtype()) {
    c.ok = false;
    c.message = str_cat("shape/dtype mismatch: ", shape_str(actual.shape()), " ", dtype_name(actual.dtype()),
                        " vs expected ", shape_str(expected.shape()), " ", dtype_name(expected.dtype()));
    return c;
  }
  std::vector<double> a = host_values(actual), e = host_values(expected);
  double scale = 0;
  for (double v : e)
    if (std::isfinite(v)) scale = std::max(scale, std::abs(v));
  for (std::size_t i = 0; i < a.size(); ++i) {
    bool same = a[i] == e[i] || (std::isnan(a[i]) && std::isnan(e[i]));
    double err = same ? 0.0 : std::abs(a[i] - e[i]);
    if (!std::isnan(err)) c.max_abs_error = std::max(c.max_abs_error, err);
    double allowed = tol.atol + tol.rtol * std::abs(e[i]) + tol.max_rel * scale;
    if (!same && !(err <= allowed) && c.ok) {
      c.ok = false;
      std::ostringstream m;
      m.precision(10);
      m << "mismatch at flat element " << i << " of " << shape_str(expected.shape()) << ": got " << a[i]
        << ", expected " << e[i] << ", |diff| " << err << " > allowed " << allowed << " (rtol " << tol.rtol
        << ", atol " << tol.atol << ", max_rel " << tol.max_rel << " of max|expected| " << scale << ")";
      c.message = m.str();
    }
  }
  if (c.ok) c.message = str_cat("match: ", a.size(), " elements, max |diff| ", c.max_abs_error);
  return c;
}

Tensor to_cuda(const Tensor& cpu) {
  Tensor t = cpu.detach().to(Device::cuda());
  if (cpu.requires_grad()) t.requires_grad_();
  return t;
}

void check_parity(const TensorFn& f, const std::vector<Tensor>& cpu_inputs, Tolerance forward, Tolerance backward,
                  const std::string& what, std::uint64_t grad_seed) {
  INFO(what);
  std::vector<Tensor> gpu_inputs;
  std::vector<Tensor> cpu_diff, gpu_diff;
  for (const Tensor& t : cpu_inputs) {
    gpu_inputs.push_back(t.defined() ? to_cuda(t) : Tensor());
    if (t.defined() && t.requires_grad()) {
      cpu_diff.push_back(t);
      gpu_diff.push_back(gpu_inputs.back());
    }
  }
  Tensor out_cpu = f(cpu_inputs);
  Tensor out_gpu = f(gpu_inputs);
  REQUIRE(out_gpu.is_cuda());
  CHECK_CLOSE(out_gpu, out_cpu, forward);
  if (cpu_diff.empty() || !out_cpu.requires_grad()) return;

  Generator gen(grad_seed);
  Tensor g_cpu = randn(out_cpu.shape(), {.dtype = out_cpu.dtype()}, &gen);
  std::vector<Tensor> grads_cpu = grad(out_cpu, cpu_diff, g_cpu);
  std::vector<Tensor> grads_gpu = grad(out_gpu, gpu_diff, g_cpu.to(Device::cuda()));
  for (std::size_t i = 0; i < grads_cpu.size(); ++i) {
    INFO("gradient of differentiable input ", i);
    REQUIRE(grads_cpu[i].defined() == grads_gpu[i].defined());
    if (!grads_cpu[i].defined()) continue;
    CHECK(grads_gpu[i].is_cuda());
    CHECK_CLOSE(grads_gpu[i], grads_cpu[i], backward);
  }
}

}  // namespace linattn::testing
