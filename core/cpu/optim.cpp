// core/cpu/optim.cpp — CPU kernels of core/kernels/optim.h: one pass over the elements, each
// element updated independently (so the result never depends on the thread count).
#include <cmath>

#include "core/cpu/parallel.h"
#include "core/kernels/optim.h"

namespace linattn::cpu {

namespace {

template <class T>
void adamw_typed(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, const AdamWScalars& s) {
  T* p = param.data<T>();
  const T* g = grad.data<T>();
  T* m = exp_avg.data<T>();
  T* v = exp_avg_sq.data<T>();
  const auto decay = static_cast<T>(1.0 - s.lr * s.weight_decay);
  const auto b1 = static_cast<T>(s.beta1), one_minus_b1 = static_cast<T>(1.0 - s.beta1);
  const auto b2 = static_cast<T>(s.beta2), one_minus_b2 = static_cast<T>(1.0 - s.beta2);
  const auto bc2_sqrt = static_cast<T>(s.bias_correction2_sqrt), eps = static_cast<T>(s.eps);
  const auto neg_step = static_cast<T>(-s.step_size);
  parallel_for(param.numel(), kElementwiseGrain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      const T gi = g[i];
      const T pi = p[i] * decay;
      const T mi = m[i] * b1 + gi * one_minus_b1;
      const T vi = v[i] * b2 + one_minus_b2 * gi * gi;
      const T denom = std::sqrt(vi) / bc2_sqrt + eps;
      m[i] = mi;
      v[i] = vi;
      p[i] = pi + neg_step * mi / denom;
    }
  });
}

template <class T>
void sgd_typed(Tensor& param, const Tensor& grad, Tensor& buffer, const SgdScalars& s) {
  T* p = param.data<T>();
  const T* g = grad.data<T>();
  T* buf = s.momentum != 0.0 ? buffer.data<T>() : nullptr;
  const auto wd = static_cast<T>(s.weight_decay), mu = static_cast<T>(s.momentum);
  const auto one_minus_damp = static_cast<T>(1.0 - s.dampening), neg_lr = static_cast<T>(-s.lr);
  const bool decay = s.weight_decay != 0.0, first = s.first_step, nesterov = s.nesterov;
  parallel_for(param.numel(), kElementwiseGrain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i) {
      T d = decay ? g[i] + wd * p[i] : g[i];
      if (buf) {
        buf[i] = first ? d : buf[i] * mu + one_minus_damp * d;
        d = nesterov ? d + mu * buf[i] : buf[i];
      }
      p[i] = p[i] + neg_lr * d;
    }
  });
}

}  // namespace

void adamw_step(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, const AdamWScalars& s) {
  LINATTN_FLOAT_TYPES(param.dtype(), "adamw_step", [&] { adamw_typed<scalar_t>(param, grad, exp_avg, exp_avg_sq, s); });
}

void sgd_step(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, const SgdScalars& s) {
  LINATTN_FLOAT_TYPES(param.dtype(), "sgd_step", [&] { sgd_typed<scalar_t>(param, grad, momentum_buffer, s); });
}

}  // namespace linattn::cpu
