// core/kernels/optim.h — fused in-place optimizer updates, one parameter tensor per call.
// Used by train/optim (SGD, AdamW); the update rules are PyTorch's, term for term, so golden
// trajectories (tests/reference) match. The scalars are worked out on the host in double by the
// optimizer; the kernels apply them elementwise in the parameter's dtype. Every tensor passed
// has the parameter's shape, dtype and device; the kernels know nothing of autograd.
#pragma once

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

// One AdamW update at step t (t ≥ 1) with decoupled weight decay:
//   p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//   p ← p − step_size · m / (√v / bias_correction2_sqrt + eps)
// with step_size = lr / (1 − β1^t) and bias_correction2_sqrt = √(1 − β2^t).
struct AdamWScalars {
  double lr = 0, weight_decay = 0, beta1 = 0, beta2 = 0, eps = 0;
  double step_size = 0, bias_correction2_sqrt = 1;
};

// One SGD update (torch.optim.SGD): d ← g + wd·p; with momentum μ:
//   buf ← d on the first step, else μ·buf + (1 − dampening)·d;  d ← nesterov ? d + μ·buf : buf
// then p ← p − lr·d. Without momentum the buffer is unused (pass an undefined tensor).
struct SgdScalars {
  double lr = 0, weight_decay = 0, momentum = 0, dampening = 0;
  bool nesterov = false;
  bool first_step = false;  // the momentum buffer is uninitialized and is set to d
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  void adamw_step(Tensor& param, const Tensor& grad, Tensor& exp_avg, Tensor& exp_avg_sq, const AdamWScalars& s);
  void sgd_step(Tensor& param, const Tensor& grad, Tensor& momentum_buffer, const SgdScalars& s);
)
