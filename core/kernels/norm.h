// core/kernels/norm.h — fused batch-normalization kernels, used by core/ops/norm.cpp.
// x is viewed as (B, C, S): S = H·W for images, 1 for (B, C) features. Per-channel statistics
// are reduced over (B, S) by one thread per channel, in order, accumulating in double: results
// never depend on the thread count.
#pragma once
#include <cstdint>

#include "core/dispatch.h"
#include "core/tensor.h"

namespace linattn {

struct BatchNormGeometry {
  std::int64_t B = 0, C = 0, S = 1;
};

}  // namespace linattn

LINATTN_DECLARE_KERNELS(
  // training: mean / invstd (C) from the batch (biased variance), and, where running_mean /
  // running_var (C) are defined, those updated in place: r ← (1 − momentum)·r + momentum·stat,
  // with the unbiased variance for running_var. Otherwise mean / invstd come from the running
  // statistics. Then out = (x − mean)·invstd·weight + bias; weight / bias may be undefined
  // (1 and 0). save_mean / save_invstd (C) receive the statistics used.
  void batch_norm_forward(const BatchNormGeometry& g, const Tensor& x, const Tensor& weight, const Tensor& bias,
                          const Tensor& running_mean, const Tensor& running_var, bool training, double momentum,
                          double eps, Tensor& out, Tensor& save_mean, Tensor& save_invstd);
  // Gradients from grad_out (x's shape) given the saved statistics; each output may be
  // undefined (not wanted). training: the statistics depend on x (full batch-norm backward);
  // otherwise they are constants. weight may be undefined (1).
  void batch_norm_backward(const BatchNormGeometry& g, const Tensor& grad_out, const Tensor& x, const Tensor& weight,
                           const Tensor& save_mean, const Tensor& save_invstd, bool training, Tensor& grad_x,
                           Tensor& grad_weight, Tensor& grad_bias);
)
