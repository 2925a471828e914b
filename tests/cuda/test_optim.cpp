// tests/cuda/test_optim.cpp — CUDA optimizer kernels (core/cuda/optim.cu) against the CPU:
// several AdamW steps (with and without weight decay, PyTorch's bias corrections worked out as
// train/optim/adamw.cpp does) and several SGD steps (plain, weight decay, momentum with and
// without dampening, Nesterov), comparing the parameter and every state buffer after each step,
// in float32 and float64, on an odd-sized and an empty parameter. The kernels are called through
// LINATTN_DISPATCH, as the optimizers call them.
//
// Tolerances: both backends apply the same formula in the same order with the same scalars, and
// / and sqrt are correctly rounded on both; only where the compilers fuse a·b + c into an FMA
// (nvcc and GCC may pick different products) can a step round differently, by half an ulp of
// an operand. The operands are bounded by the tensor's largest element, and a result that
// cancels to near 0 (m ← β1·m + (1 − β1)·g) keeps that absolute error, hence max_rel; over
// kSteps steps it may add up to a few ulp:
//  - kOptim (rtol 1e-6, 1e-6 of the largest |value|): ~8 float32 ulp. A wrong term (weight
//    decay lr·wd·p ≈ 5e-4·p, a bias correction, a momentum) is orders of magnitude larger.
//  - kF64 (rtol 1e-14, 1e-14 of the largest): the same in float64.
#include <doctest/doctest.h>

#include <cmath>

#include "core/kernels/optim.h"
#include "core/ops.h"
#include "support/cuda.h"
#include "support/parity.h"

using namespace linattn;
using namespace linattn::testing;

namespace {

constexpr Tolerance kOptim{.rtol = 1e-6, .max_rel = 1e-6};
constexpr Tolerance kF64{.rtol = 1e-14, .max_rel = 1e-14};
constexpr int kSteps = 5;

// The same tensors on the CPU and on cuda:0.
struct Twin {
  Tensor cpu, gpu;
  static Twin of(const Tensor& t) { return {t.clone(), t.to(Device::cuda())}; }
};

AdamWScalars adamw_scalars(double lr, double wd, int step) {
  AdamWScalars s;
  s.lr = lr;
  s.weight_decay = wd;
  s.beta1 = 0.9;
  s.beta2 = 0.999;
  s.eps = 1e-8;
  s.step_size = lr / (1.0 - std::pow(s.beta1, step));
  s.bias_correction2_sqrt = std::sqrt(1.0 - std::pow(s.beta2, step));
  return s;
}

}  // namespace

TEST_CASE("adamw_step matches the CPU over several steps, float32 and float64") {
  REQUIRE_CUDA();
  for (DType dtype : {DType::F32, DType::F64}) {
    const Tolerance tol = dtype == DType::F32 ? kOptim : kF64;
    for (const Shape& shape : {Shape{1001}, Shape{7, 33}, Shape{0}}) {
      for (double wd : {0.0, 0.05}) {
        INFO(dtype_name(dtype), " ", shape_str(shape), " weight decay ", wd);
        Twin p = Twin::of(randn_t(shape, 1, dtype, false));
        Twin m = Twin::of(zeros(shape, {.dtype = dtype})), v = Twin::of(zeros(shape, {.dtype = dtype}));
        for (int step = 1; step <= kSteps; ++step) {
          Twin g = Twin::of(randn_t(shape, 100 + static_cast<std::uint64_t>(step), dtype, false));
          const AdamWScalars s = adamw_scalars(1e-2, wd, step);
          LINATTN_DISPATCH(p.cpu.device(), adamw_step, p.cpu, g.cpu, m.cpu, v.cpu, s);
          LINATTN_DISPATCH(p.gpu.device(), adamw_step, p.gpu, g.gpu, m.gpu, v.gpu, s);
          INFO("after step ", step);
          CHECK_CLOSE(p.gpu, p.cpu, tol);
          CHECK_CLOSE(m.gpu, m.cpu, tol);
          CHECK_CLOSE(v.gpu, v.cpu, tol);
        }
      }
    }
  }
}

TEST_CASE("sgd_step matches the CPU over several steps: weight decay, momentum, dampening, Nesterov") {
  REQUIRE_CUDA();
  struct SgdCase {
    double weight_decay, momentum, dampening;
    bool nesterov;
    const char* what;
  };
  const std::vector<SgdCase> cases = {
      {0.0, 0.0, 0.0, false, "plain"},
      {0.01, 0.0, 0.0, false, "weight decay, no momentum"},
      {0.0, 0.9, 0.0, false, "momentum"},
      {0.01, 0.9, 0.1, false, "momentum with dampening and weight decay"},
      {0.01, 0.9, 0.0, true, "Nesterov with weight decay"},
  };
  for (DType dtype : {DType::F32, DType::F64}) {
    const Tolerance tol = dtype == DType::F32 ? kOptim : kF64;
    for (const Shape& shape : {Shape{1001}, Shape{0}}) {
      for (const auto& c : cases) {
        INFO(dtype_name(dtype), " ", shape_str(shape), " ", c.what);
        Twin p = Twin::of(randn_t(shape, 2, dtype, false));
        const bool has_buffer = c.momentum != 0.0;
        Twin buf = has_buffer ? Twin::of(zeros(shape, {.dtype = dtype})) : Twin{};
        for (int step = 1; step <= kSteps; ++step) {
          Twin g = Twin::of(randn_t(shape, 200 + static_cast<std::uint64_t>(step), dtype, false));
          SgdScalars s;
          s.lr = 0.05;
          s.weight_decay = c.weight_decay;
          s.momentum = c.momentum;
          s.dampening = c.dampening;
          s.nesterov = c.nesterov;
          s.first_step = step == 1;
          LINATTN_DISPATCH(p.cpu.device(), sgd_step, p.cpu, g.cpu, buf.cpu, s);
          LINATTN_DISPATCH(p.gpu.device(), sgd_step, p.gpu, g.gpu, buf.gpu, s);
          INFO("after step ", step);
          CHECK_CLOSE(p.gpu, p.cpu, tol);
          if (has_buffer) CHECK_CLOSE(buf.gpu, buf.cpu, tol);
        }
      }
    }
  }
}

TEST_CASE("adamw_step is bit-identical run to run on the GPU") {
  REQUIRE_CUDA();
  auto run = [] {
    Tensor p = randn_t({5000}, 3, DType::F32, false).to(Device::cuda());
    Tensor m = zeros({5000}, {.device = Device::cuda()}), v = zeros({5000}, {.device = Device::cuda()});
    for (int step = 1; step <= kSteps; ++step) {
      Tensor g = randn_t({5000}, 300 + static_cast<std::uint64_t>(step), DType::F32, false).to(Device::cuda());
      LINATTN_DISPATCH(p.device(), adamw_step, p, g, m, v, adamw_scalars(1e-3, 0.05, step));
    }
    return p.cpu().to_vector<float>();
  };
  const auto first = run();
  CHECK(run() == first);
}
