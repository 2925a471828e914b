// core/kernels/nn.h — fused neural-network kernels: softmax / log-softmax, cross-entropy,
// layer norm and dropout, each with its backward. Used by core/ops/nn.cpp; CPU versions in
// core/cpu/nn_softmax.cpp, nn_layer_norm.cpp and nn_dropout.cpp.
//
// "Along an axis" kernels view a contiguous tensor as (outer, size, inner) (core/shape.h:
// axis_view); inner == 1 is the common, contiguous-row case. No kernel uses atomics: every
// output element is written by one thread, and cross-row sums (layer norm's weight and bias
// gradients) are reduced in a fixed order that does not depend on the thread count.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

// Logits viewed as (batch, classes, inner): classes on axis 1, like PyTorch's (B, K, d1...).
// Targets are int64 (batch, inner), each in [0, classes) or equal to ignore_index (the op
// checks this before calling a kernel).
struct CrossEntropyShape {
  std::int64_t batch = 0, classes = 0, inner = 1;
  double label_smoothing = 0.0;
  std::int64_t ignore_index = -100;
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  // y = softmax(x), or log_softmax(x) when `log`, along the middle axis of (outer, size, inner);
  // max-subtracted.
  void softmax_forward(const Tensor& x, std::int64_t outer, std::int64_t size, std::int64_t inner, bool log,
                       Tensor& y);
  // From the forward output y: softmax      grad_x = y ⊙ (grad_y − Σ grad_y ⊙ y)
  //                            log_softmax  grad_x = grad_y − exp(y) · Σ grad_y
  void softmax_backward(const Tensor& grad_y, const Tensor& y, std::int64_t outer, std::int64_t size,
                        std::int64_t inner, bool log, Tensor& grad_x);

  // Per-position loss (batch·inner; 0 where the target is ignored) and log-sum-exp of the
  // logits (batch·inner, saved for backward):
  //   loss = (1 − ε)·(lse − x_t) + ε·(lse − mean_k x_k)      (ε = label_smoothing)
  void cross_entropy_forward(const CrossEntropyShape& s, const Tensor& logits, const Tensor& targets,
                             Tensor& loss, Tensor& lse);
  // grad_logits[k] = w · (softmax_k − (1 − ε)·[k = t] − ε/K) with w = grad_scale · grad_loss
  // (grad_loss has one element, broadcast, or batch·inner); 0 at ignored positions.
  void cross_entropy_backward(const CrossEntropyShape& s, const Tensor& logits, const Tensor& targets,
                              const Tensor& lse, const Tensor& grad_loss, double grad_scale, Tensor& grad_logits);

  // x (rows, C) → y = (x − mean)·rstd·weight + bias, rstd = 1/√(var + eps) (population var);
  // weight and bias (C) may be undefined. Saves mean and rstd (rows) in x's dtype.
  void layer_norm_forward(const Tensor& x, const Tensor& weight, const Tensor& bias, std::int64_t rows,
                          std::int64_t C, double eps, Tensor& y, Tensor& mean, Tensor& rstd);
  // One pass over (rows, C) for all three gradients; each output may be undefined (not needed).
  // With x̂ = (x − mean)·rstd and ĝ = grad_y ⊙ weight:
  //   grad_x = rstd · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂)),  grad_weight = Σ_rows grad_y ⊙ x̂,
  //   grad_bias = Σ_rows grad_y.
  void layer_norm_backward(const Tensor& grad_y, const Tensor& x, const Tensor& weight, const Tensor& mean,
                           const Tensor& rstd, std::int64_t rows, std::int64_t C, Tensor& grad_x,
                           Tensor& grad_weight, Tensor& grad_bias);

  // out[i] = keep(i) ? x[i] / (1 − p) : 0, where keep(i) ⇔ uniform_f32(philox(offset + i, seed))
  // ≥ p (core/philox.h), the same rule for every dtype and device. Forward and backward both
  // call it, so the mask is regenerated instead of stored.
  void dropout(const Tensor& x, std::uint64_t seed, std::uint64_t offset, double p, Tensor& out);
)
