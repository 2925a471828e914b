// layers/attention/efficient.h — Efficient attention (Shen et al.; cmsflash), docs/attention.md §7:
// the ViT-slot layer behind the registry key `efficient`, and its core (shared with the 2-D
// wrapper EfficientAttention2d).
//
// Parameters (§13): queries, keys (C → key_channels), values (C → value_channels), reprojection
// (value_channels → C), each a Linear with bias. Defaults: key = value channels = C, norm
// softmax, residual off. Per head i (d_k = key_channels / h, d_v = value_channels / h):
//   O_i = ρ_q(Q_i) (ρ_k(K_i)ᵀ V_i),  softmax: ρ_q = softmax over the head's d_k channels at each
//   position, ρ_k = softmax over the tokens; scaling: Y/√N; identity: Y.
// Heads are concatenated, reprojected, and x is added when `residual`. No 1/√d scale, no mask.
// As in the public code, key channels past h·⌊key_channels/h⌋ are unused (zero gradient).
// Cross-attention: Q from the queries (B, L, C), K from the keys and V from the values (B, S, C),
// L ≠ S. A key padding mask (B, S) leaves the padded keys out of ρ_k(K): −∞ before the softmax
// over the tokens (norm softmax), zeroed features otherwise, so their values do not reach the
// output (docs/attention.md §12).
// With many more queries than value channels (L ≥ 4·VC) the layer folds the reprojection into
// the context (efficient_attention_projected):
//   y = ρ_q(Q) (blockdiag_i(ctx_i) W_rᵀ) + b_r,   ctx = ρ_k(K)ᵀ V over all head pairs in one GEMM
// per sample with the off-diagonal head blocks masked out — every product is a full-width GEMM
// (no per-head d-wide ones), the (B, L, VC) head outputs are never formed, and memory stays
// linear in N. efficient_core (the unfolded form on the fused linear_attention op, den ≡ 1)
// serves the 2-D wrapper and is the reference the fold is tested against.
#pragma once
#include <memory>
#include <string>

#include "layers/attention/attention.h"
#include "layers/attention/efficient_options.h"
#include "layers/linear.h"

namespace linattn {

// The core on projected q (B, L, KC), k (B, S, KC), v (B, S, VC) → (B, L, VC); norm is
// softmax | scaling | identity; key_padding_mask (B, S), nonzero at padded keys, or undefined.
Tensor efficient_core(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads, const std::string& norm,
                      const Tensor& key_padding_mask = Tensor());

// reprojection(efficient_core(q, k, v, heads, norm)) computed with the reprojection folded into
// the context: (B, L, C).
Tensor efficient_attention_projected(const Tensor& q, const Tensor& k, const Tensor& v, std::int64_t heads,
                                     const std::string& norm, const Linear& reprojection,
                                     const Tensor& key_padding_mask = Tensor());

class EfficientAttention : public Attention {
 public:
  EfficientAttention(std::int64_t dim, const EfficientOptions& options, Generator& gen);
  Tensor forward(const Tensor& x) override;  // (B, N, C) -> (B, N, C)
  using Attention::forward_cross;
  // queries (B,L,C), keys (B,S,C), values (B,S,C), mask (B,S) or undefined -> (B,L,C)
  Tensor forward_cross(const Tensor& queries, const Tensor& keys, const Tensor& values,
                       const Tensor& key_padding_mask = Tensor()) override;
  std::string type() const override { return "efficient"; }

  std::int64_t dim, heads, key_channels, value_channels;
  EfficientOptions options;
  std::shared_ptr<Linear> queries, keys, values, reprojection;

  // Queries per value channel from which the folded reprojection is used.
  static constexpr std::int64_t kFoldMinTokensPerChannel = 4;

 private:
  // projected q, k, v (+ mask) -> (B, L, C)
  Tensor attend(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask = Tensor());
};

}  // namespace linattn
