// core/ops/nn.h — differentiable neural-network ops with fused kernels (core/kernels/nn.h):
// softmax, log_softmax, cross_entropy, layer_norm, dropout. PyTorch semantics throughout, so
// layers and losses can be checked against torch.nn.functional.
#pragma once
#include <cstdint>
#include <string_view>

#include "core/rng.h"
#include "core/tensor.h"

namespace linattn {

// softmax(x)_i = exp(x_i − max) / Σ_j exp(x_j − max) along `axis` (any axis, negative counts
// from the end). log_softmax = (x − max) − log Σ exp(x − max). float32 / float64.
Tensor softmax(const Tensor& x, std::int64_t axis = -1);
Tensor log_softmax(const Tensor& x, std::int64_t axis = -1);

enum class Reduction : std::uint8_t { Mean, Sum, None };
Reduction parse_reduction(std::string_view name);  // "mean" | "sum" | "none"; else an error listing them
const char* reduction_name(Reduction r);

struct CrossEntropyOptions {
  double label_smoothing = 0.0;      // ε in [0, 1]
  std::int64_t ignore_index = -100;  // targets equal to it contribute no loss and no gradient
  Reduction reduction = Reduction::Mean;
};

// torch.nn.functional.cross_entropy with class-index targets: logits (B, K) or (B, K, d1, ...)
// (classes on axis 1; also (K) with a 0-d target), targets int64 (B) / (B, d1, ...). Per
// position: loss = (1 − ε)·(−log p_t) + ε·mean_k(−log p_k). Mean divides by the number of
// non-ignored targets (NaN when there are none, like PyTorch); None returns the targets' shape.
// A target outside [0, K) that is not ignore_index is an error naming it and K.
Tensor cross_entropy(const Tensor& logits, const Tensor& targets, const CrossEntropyOptions& options = {});

// Layer norm over the trailing axes given by normalized_shape (usually {C}: the last axis):
// y = (x − mean)/√(var + eps) · weight + bias, population variance. weight and bias have
// normalized_shape, or are undefined (no scale / no shift).
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);

// Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1 − p).
// p must be in [0, 1). With p == 0 or !training, returns x itself. The mask comes from `gen`
// (the default generator when null) by the rule in core/kernels/nn.h: for the same generator
// state it drops exactly where rand(x.shape(), {.dtype = DType::F32}, gen) < p, whatever x's
// dtype, and advances the generator by x.numel(). The backward regenerates the mask from the
// saved seed and offset.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace linattn
