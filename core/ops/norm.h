// core/ops/norm.h — differentiable batch normalization (PyTorch's F.batch_norm), used by the
// BatchNorm layers of CNN backbones.
//
// x (B, C, H, W), (B, C, L) or (B, C); weight, bias, running_mean, running_var (C) or
// undefined. training: normalizes with the batch statistics over every axis but C (biased
// variance) and, where the running statistics are defined, updates them in place with
// r ← (1 − momentum)·r + momentum·stat, using the unbiased variance for running_var.
// Evaluation: normalizes with the running statistics (which must then be defined).
// y = (x − mean)/√(var + eps)·weight + bias. Gradients flow to x, weight and bias (never to the
// running statistics); forward and backward are fused and deterministic.
#pragma once
#include "core/tensor.h"

namespace linattn {

Tensor batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, const Tensor& running_mean,
                  const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5);

}  // namespace linattn
