// layers/attention/softmax.h — softmax multi-head self-attention, the baseline (docs/attention.md §1).
// Parameters (§13): qkv.weight (3C, C), qkv.bias (3C), proj.weight (C, C), proj.bias (C).
// Time is quadratic in N (the term the other five layers remove); memory is not: the fused core
// (core/ops/softmax_attention.h) reads q, k, v from the packed qkv projection and never stores
// the B·h·N² weights, rebuilding them in the backward. With attention dropout active in
// training the composite of ops runs instead and saves them.
// Supports cross-attention: queries from one sequence, keys and values from others (each
// projected by its own rows of qkv), with an optional key padding mask (−∞ scores before the
// softmax at padded keys; docs/attention.md §12).
#pragma once
#include <memory>

#include "layers/attention/attention.h"
#include "layers/attention/softmax_options.h"
#include "layers/linear.h"

namespace linattn {

class SoftmaxAttention : public Attention {
 public:
  SoftmaxAttention(std::int64_t dim, const SoftmaxOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;  // (B, N, C) -> (B, N, C)
  using Attention::forward_cross;
  // queries (B,L,C), keys (B,S,C), values (B,S,C), mask (B,S) or undefined -> (B,L,C)
  Tensor forward_cross(const Tensor& queries, const Tensor& keys, const Tensor& values,
                       const Tensor& key_padding_mask = Tensor()) override;
  std::string type() const override { return "softmax"; }

  std::int64_t dim, heads;
  SoftmaxOptions options;
  std::shared_ptr<Linear> qkv, proj;

 private:
  // softmax(q·kᵀ/√d [+ −∞ at padded keys])·v per head, then merged: q (B,h,L,d), k/v (B,h,S,d),
  // mask (B,S) or undefined -> (B, L, C)
  Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask = Tensor());
};

}  // namespace linattn
